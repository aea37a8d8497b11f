"""Data files a person edits: what they commonly get wrong is refused with file, row, column and why."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue, estimates
from inferwatt_xl.errors import DataError, InputError

DATA = Path(__file__).resolve().parent.parent / "data"
def _clear() -> None:
    catalogue.clear_caches()
    api.clear_caches()


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    """A copy of data/ that the catalogue reads instead of the shipped one."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    monkeypatch.setattr(catalogue, "files", lambda package: folder)
    _clear()
    yield folder
    _clear()


def edit(folder: Path, file: str, old: str, new: str) -> None:
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text, old
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_csv_saved_by_excel_with_a_bom_loads(data):
    for file in ("models.csv", "nodes.csv", "parameters.csv", "tps_benchmarks.csv"):
        (data / file).write_bytes(b"\xef\xbb\xbf" + (data / file).read_bytes())
    assert len(catalogue.workbook_models()) == 5 and len(catalogue.benchmarks().model) == 22 + 78


def test_a_latin1_byte_names_the_file_and_row(data):
    raw = (data / "models.csv").read_bytes().replace(b"Mixtral", b"Mixtr\xe9l", 1)
    (data / "models.csv").write_bytes(raw)
    with pytest.raises(DataError, match=r"models.csv, row \d+: expected UTF-8 text"):
        catalogue.models()


def test_a_row_cut_short_is_refused(data):
    text = (data / "nodes.csv").read_text().splitlines()
    text[1] = ",".join(text[1].split(",")[:3])
    (data / "nodes.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(DataError, match=re.escape("row 2, column 'gpu': expected 8 columns, got 'a row cut")):
        catalogue.nodes()


@pytest.mark.parametrize(("file", "loader"), [("models.csv", "models"), ("nodes.csv", "nodes"),
                                              ("parameters.csv", "parameters"), ("regions.csv", "regions")])
def test_duplicate_rows_are_refused_not_last_one_wins(data, file, loader):
    lines = (data / file).read_text().splitlines()
    (data / file).write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(DataError, match="not used before"):
        getattr(catalogue, loader)()


def test_an_alias_naming_another_model_is_refused(data):
    edit(data, "models.csv", "llama-3.1-405b|", "mixtral-8x22b|llama-3.1-405b|")
    with pytest.raises(DataError, match="name or alias not used before"):
        catalogue.models()


def test_gpus_must_be_whole(data):
    edit(data, "nodes.csv", "8x h100,8,", "8x h100,0.4,")
    with pytest.raises(DataError, match=re.escape("column 'gpus': expected a whole number of GPUs > 0, got '0.4'")):
        catalogue.nodes()


def test_a_kw_column_given_in_watts_says_so(data):
    edit(data, "nodes.csv", ",10.2,2.7,", ",10200,2700,")
    with pytest.raises(DataError, match="a value in W would be 1000x too large"):
        catalogue.nodes()


def test_no_baseline_model_is_refused(data):
    text = (data / "models.csv").read_text().replace(",true,", ",false,")
    (data / "models.csv").write_text(text)
    with pytest.raises(DataError, match="at least one model with in_baseline true"):
        catalogue.models()


def test_a_missing_parameter_row_is_refused_on_load(data):
    lines = [line for line in (data / "parameters.csv").read_text().splitlines() if not line.startswith("pue_p95,")]
    (data / "parameters.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="pue_p95 is missing"):
        catalogue.parameters()


def test_min_rows_beyond_every_model_is_a_clear_error():
    with pytest.raises(InputError, match="min_rows_own_fit must be at most 13, the benchmark rows"):
        iw.simulate("baseline", n=10, preset="text_v1", min_rows_own_fit=14)  # S.I: Llama 3.1 405B has 13 rows


def test_only_sparse_models_is_a_clear_error():
    b = catalogue.benchmarks()
    nodes = b.nodes()
    keep = [i for i, m in enumerate(b.model) if m in ("DeepSeek-R1", "Llama-3.1 Nemotron Ultra 253B")
            and nodes[i] == catalogue.models()[m].node]
    sparse = catalogue.Benchmarks(b.model[keep], b.input_tokens[keep], b.output_tokens[keep],
                                  b.tps_tokens_per_s[keep], tuple(b.source[i] for i in keep), nodes[keep])
    with pytest.raises(InputError, match="min_rows_own_fit must be at most 3, the benchmark rows of the best-covered"):
        iw.simulate(["DeepSeek-R1"], n=10, benchmarks=sparse, sparse_strategy="shared_slopes")


def test_a_node_without_rows_gets_the_estimate_and_one_too_small_for_the_weights_is_refused():
    fit = api.fit_for("Mixtral 8x22B", "8xB200", api.resolve_params())
    assert fit.rows == 0 and fit.log_sd > 0 and fit.method.startswith(estimates.ESTIMATED)
    with pytest.raises(InputError, match=r"node must be a node whose memory holds Llama 3.1 405B's weights \(405 GB "
                                         r"at FP8; 1xGH200 has 96 GB\)"):
        iw.simulate("Llama 3.1 405B", n=10, node="GH200")
    with pytest.raises(InputError, match="node must be one of '8xH100'"):
        iw.tps("Mixtral 8x22B", 500, 300, node="TPU v9")


def test_fits_are_handed_out_as_copies():
    fits = iw.throughput_fits()
    fits.clear()
    assert iw.tps("Llama 3.1 405B", 500, 300) > 0


def test_the_price_defaults_are_the_percentiles_of_the_eia_state_prices():
    import csv
    from importlib.resources import files

    rows = list(csv.DictReader(files("inferwatt_xl.data").joinpath("us_industrial_electricity_prices_2023.csv")
                               .read_text().splitlines()))
    assert len(rows) == 50 and all("eia.gov" in r["source"] for r in rows)
    usd = np.array([float(r["industrial_cents_per_kwh"]) for r in rows]) / 100
    p = catalogue.parameters()
    for name, q in (("price_usd_per_kwh_p5", 5), ("price_usd_per_kwh_median", 50), ("price_usd_per_kwh_p95", 95)):
        assert p[name].default == pytest.approx(np.percentile(usd, q), rel=1e-12), name


@pytest.mark.parametrize(("old", "new", "column"), [
    ("USA,United States,383.55", "USA,United States,-5", "carbon_intensity_g_per_kwh"),
    ("USA,United States,383.55", "USA,United States,383550", "carbon_intensity_g_per_kwh"),  # mg typed for g
    (",3.1321,", ",-1,", "water_intensity_l_per_kwh"),
    ("DEU,Germany,381,2023", "DEU,Germany,381,twenty", "carbon_year")])
def test_a_bad_region_row_names_its_file_row_and_column(data, old, new, column):
    edit(data, "regions.csv", old, new)
    with pytest.raises(DataError, match=rf"regions.csv, row \d+, column '{column}'"):
        catalogue.regions()


def test_a_water_intensity_without_its_source_is_refused(data):
    row = next(line for line in (data / "regions.csv").read_text().splitlines() if line.startswith("FRA,"))
    source = row[row.rindex(',"'):]  # the last column, quoted: the water's source
    edit(data, "regions.csv", row, row.removesuffix(source) + ",")
    with pytest.raises(DataError, match="column 'water_source': expected a source"):
        catalogue.regions()


@pytest.mark.parametrize(("column", "value", "message"), [
    ("tps_tokens_per_s", "1e-300", "a number > 1 and <= 1e+07 (output tokens/s of the node)"),
    ("tps_tokens_per_s", "2e7", "a number > 1 and <= 1e+07"),
    ("input_tokens", "1e300", "a number > 0 and <= 1e+07 (tokens)"),
    ("output_tokens", "0", "a number > 0 and <= 1e+07 (tokens)"),
])
def test_implausible_benchmark_values_name_file_row_and_column(tmp_path, column, value, message):
    row = {"model": "Mine", "node": "8xH100", "precision": "FP8", "input_tokens": "500", "output_tokens": "300",
           "tps_tokens_per_s": "1000", "source": "my lab", column: value}
    path = tmp_path / "mine.csv"
    path.write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    with pytest.raises(DataError, match=rf"mine.csv, row 2, column '{column}': expected {re.escape(message)}"):
        catalogue.read_benchmarks_file(path)


def test_a_users_benchmark_rows_name_a_catalogue_model_by_any_alias(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("model,node,precision,input_tokens,output_tokens,tps_tokens_per_s,source\n"
                    "llama-3.1-405b,8xB200,FP8,500,300,9000,my lab\nMy Model,8xH100,FP8,500,300,1000,my lab\n")
    rows = catalogue.read_benchmarks_file(path)
    assert rows.model.tolist() == ["Llama 3.1 405B", "My Model"]  # the alias resolved, an unknown name kept


@pytest.mark.parametrize(("file", "old", "new", "column"), [
    ("nodes.csv", "8xH100,h100|dgx-h100|dgx h100|8x h100,8,", "8xH100,h100|dgx-h100|dgx h100|8x h100,0,", "gpus"),
    ("models.csv", ",405,405,dense,", ",0,405,dense,", "total_params_b"),
    ("tps_benchmarks_oviedo_code.csv", "Llama 3.1 405B,8xH100,FP8,128,128,3732.40",
     "Llama 3.1 405B,8xH100,FP8,128,128,0", "tps_tokens_per_s"),
])
def test_a_zero_where_a_positive_number_is_needed_is_refused(data, file, old, new, column):
    edit(data, file, old, new)
    with pytest.raises(DataError, match=rf"{file}, row \d+, column '{column}'"):
        catalogue.models()
        catalogue.benchmarks()
