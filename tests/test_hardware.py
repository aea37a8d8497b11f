"""Today's hardware: imported TensorRT-LLM throughput, fits per model and node, the measured hardware lever."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue

ROOT = Path(__file__).resolve().parent.parent
IMPORTED = ROOT / "data" / "tps_benchmarks_trtllm.csv"


def importer():
    spec = importlib.util.spec_from_file_location("import_trtllm", ROOT / "scripts" / "import_trtllm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_per_gpu_rows_convert_to_the_whole_system_value_an_older_release_published():
    """Release 1.1 publishes tokens/s per GPU; 0.20 published the whole 2-GPU system at the same point
    (Llama 3.3 70B, H200, TP2, 1000/1000): 2,587 per GPU is 5,174 for the system, near 0.20's 5,119.72."""
    convert = importer()
    per_gpu = {"tps": "2587.00", "tps_unit": "output_tokens_per_s_per_gpu", "num_gpus": "2"}
    whole = {"tps": "5119.72", "tps_unit": "output_tokens_per_s_whole_system", "num_gpus": "2"}
    assert convert.system_tps(per_gpu) == 5174.0
    assert convert.node_tps(per_gpu, 8) == pytest.approx(convert.node_tps(whole, 8), rel=0.02)
    assert convert.node_tps(whole, 8) == pytest.approx(5119.72 * 4)  # four TP2 replicas on an 8-GPU node


def test_every_imported_row_is_its_published_value_converted_and_sourced():
    convert = importer()
    with IMPORTED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 78
    for row in rows:
        node_gpus = catalogue.nodes()[row["node"]].gpus
        published = {"tps": row["tps_as_published"], "tps_unit": row["tps_unit"], "num_gpus": row["num_gpus"]}
        assert float(row["tps_tokens_per_s"]) == pytest.approx(convert.node_tps(published, node_gpus), abs=0.006)
        assert row["source"] and row["release"] and row["commit"] and row["why_this_release"]
    releases = {(r["model"], r["node"]): r["release"] for r in rows}
    assert releases[("Llama 3.1 405B", "8xB200")] == "0.19.0"  # the release of the paper's H100 rows
    assert releases[("Mixtral 8x22B", "8xH200")] == "0.17"


def test_imported_fits_reproduce_their_rows_within_the_fits_residual():
    b = catalogue.benchmarks()
    nodes = b.nodes()
    for (model, node), fit in iw.throughput_fits().items():
        if node in ("8xH100", "10xH100") or fit.method != "own OLS":
            continue
        rows = (b.model == model) & (nodes == node)
        residual = np.log(b.tps_tokens_per_s[rows]) - np.log(fit.tps(b.input_tokens[rows], b.output_tokens[rows]))
        rms = float(np.sqrt(np.mean(residual ** 2)))
        assert rms <= 0.40, (model, node, rms)  # the paper's own H100 fits have 0.32-0.37
        assert np.max(np.abs(residual)) <= 2 * rms, (model, node)


@pytest.mark.parametrize("l_out", [100, 300, 1000, 4000, 20000])
def test_b200_uses_less_energy_than_h100_for_llama_405b(l_out):
    h100 = iw.energy_wh("Llama 3.1 405B", l_out, 0.7, 1.2, node="8xH100")
    b200 = iw.energy_wh("Llama 3.1 405B", l_out, 0.7, 1.2, node="8xB200")
    assert b200 < h100


def test_the_hardware_lever_is_the_ratio_of_the_medians_on_each_node():
    rows = {r.node: r for r in api.hardware("Llama 3.1 405B", n=2000, seed=1)}
    assert list(rows) == ["8xH100", "8xH200", "8xB200", "4xGB200", "8xRTXPro6000"]  # every node with rows
    for node, row in rows.items():
        trad = iw.simulate("Llama 3.1 405B", "traditional", n=2000, seed=1, node=node).stats["median"]
        h100 = iw.simulate("Llama 3.1 405B", "traditional", n=2000, seed=1, node="8xH100").stats["median"]
        assert row.traditional_median_wh == trad and row.alpha_vs_h100_traditional == pytest.approx(h100 / trad)
    assert rows["8xB200"].precision == "FP4" and rows["8xH200"].precision == "FP8"
    assert 1.5 <= rows["8xB200"].alpha_vs_h100_traditional <= 2.5  # inside the paper's alpha_hardware range


def test_a_node_serves_every_face():
    from inferwatt_xl import udf
    from inferwatt_xl.cli import main

    expected = iw.simulate("Mixtral 8x22B", "tts", n=500, seed=1, node="8xH200").stats["median"]
    table = udf.IW_MONTECARLO("Mixtral 8x22B", "tts", 500.0, 1.0, None, None, None, None, None, None, "H200")
    assert dict(table[1:])["median"] == expected
    assert main(["simulate", "--model", "mixtral", "--regime", "tts", "--n", "500", "--node", "h200"]) == 0
    assert udf.IW_HARDWARE("Llama 3.1 405B", 500.0)[0][0] == "node"
    assert "8xB200" in udf.IW_MODELS()[2][2]


def test_your_own_node_and_rows_are_fitted(tmp_path, capsys):
    """A user's benchmark rows for a model on another node (here Mixtral on B200) fit and serve it."""
    from inferwatt_xl.cli import main

    mine = tmp_path / "mine.csv"
    mine.write_text("model,node,precision,input_tokens,output_tokens,tps_tokens_per_s,source\n" + "".join(
        f"Mixtral 8x22B,8xB200,FP4,{lin},{lout},{rate},my lab\n" for lin, lout, rate in (
            (128, 128, 30000), (128, 2048, 40000), (500, 2000, 35000), (1000, 1000, 30000), (2048, 128, 9000),
            (5000, 500, 8000))))
    data = catalogue.benchmarks() + catalogue.read_benchmarks_file(mine)
    result = iw.simulate("Mixtral 8x22B", n=200, seed=1, node="8xB200", benchmarks=data)
    assert result.nodes == {"Mixtral 8x22B": "8xB200"}
    assert main(["simulate", "--model", "mixtral", "--n", "200", "--node", "b200", "--benchmarks", str(mine),
                 "--json"]) == 0
    assert '"median_wh": ' + repr(result.stats["median"]) in capsys.readouterr().out.replace("\n", " ")


def test_a_node_per_model_on_the_command_line(capsys):
    from inferwatt_xl.cli import main

    assert main(["fleet", "--n", "500", "--node", "Llama 3.1 405B=b200", "--node", "deepseek-r1=h200", "--json"]) == 0
    expected = iw.fleet(n=500, node={"Llama 3.1 405B": "8xB200", "DeepSeek-R1": "8xH200"}).gwh_per_day
    assert f'"gwh_per_day": {expected!r}' in capsys.readouterr().out
    assert main(["simulate", "--n", "10", "--node", "mixtral=h200"]) == 2
    assert "node must be a node for a model of this run" in capsys.readouterr().err
