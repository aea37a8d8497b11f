"""Issue 18: every model and GPU of the tables, an estimate with its measured error for a model without
benchmarks, flags on rows that disagree or were read off a chart, and the user's own model in every face."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue, cli, estimates, udf
from inferwatt_xl.errors import DataError, InputError
from inferwatt_xl.method import estimate as law
from inferwatt_xl.method.uniforms import hdr_uniforms

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(autouse=True)
def clean_slate():
    yield
    catalogue.forget_user_models()
    catalogue.forget_user_benchmarks()


# ---------------------------------------------------------------- the catalogue


def _pairs(file: str) -> set[tuple[str, str]]:
    with (DATA / file).open(encoding="utf-8") as f:
        return {(r["model"], r["node"]) for r in csv.DictReader(f)}


def test_the_catalogue_holds_every_pair_once_with_one_release_each():
    paper, hand, rest = (_pairs(f) for f in ("tps_benchmarks_oviedo_code.csv", "tps_benchmarks_trtllm.csv",
                                             "tps_benchmarks_catalogue.csv"))
    assert len(rest) == 83 and not rest & (paper | hand) and len(paper | hand | rest) == 97
    with (DATA / "tps_benchmarks_catalogue.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for pair in rest:
        mine = [r for r in rows if (r["model"], r["node"]) == pair]
        assert len({r["release"] for r in mine}) == 1 and len({(r["tp"], r["pp"], r["ep"]) for r in mine}) == 1
        assert len({(r["input_tokens"], r["output_tokens"]) for r in mine}) == len(mine)  # one row per point
        assert mine[0]["precision"] in ("FP8", "FP4", "BF16") and mine[0]["why_this_release"].startswith("rule:")
    models, nodes = catalogue.models(), catalogue.nodes()
    assert all(m in models and n in nodes for m, n in rest) and len(models) == 23 and len(nodes) == 10
    assert all(n.gpu in catalogue.gpus() for n in nodes.values())
    assert list(catalogue.workbook_models()) == [m for m in models][:5]  # the workbook keeps the paper's five


def test_a_node_converts_per_gpu_and_partial_runs_to_the_whole_node():
    """gpt-oss-120b on B200: TP2 runs of 2 GPUs; 1.1's table is per GPU: node = value x 2 GPUs x 8/2."""
    with (DATA / "tps_benchmarks_catalogue.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["model"] == "gpt-oss-120b" and r["node"] == "8xB200")
    assert row["tps_unit"] == "output_tokens_per_s_per_gpu" and row["num_gpus"] == "2"
    assert float(row["tps_tokens_per_s"]) == pytest.approx(float(row["tps_as_published"]) * 2 * 8 / 2, abs=0.006)


def test_closed_models_come_only_with_a_sourced_range():
    closed = [m for m in catalogue.models().values() if m.active_params_range_b]
    assert {m.name for m in closed} == {"Claude 3.5 Sonnet-class", "Gemini 1.5 Pro-class"}
    for m in closed:
        low, high = m.active_params_range_b
        assert (low, high) == (55, 220) and m.active_params_b == pytest.approx(math.sqrt(low * high))
        assert "EcoLogits" in m.source and "models.json" in m.source


# ---------------------------------------------------------------- the law, by hand


def test_the_design_is_the_logs_of_the_features():
    x = law.design(np.array([17.0]), np.array([30.0]), np.array([3.35]), np.array([1979.0]), np.array([500.0]),
                   np.array([300.0]))
    assert x.tolist() == [[1.0, math.log(17), math.log(30), math.log(3.35), math.log(1979), math.log(500),
                           math.log(300)]]


def test_a_law_is_recovered_exactly_and_held_out_errors_are_each_groups_own():
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(40), rng.normal(size=(40, 2))])
    y = x @ np.array([1.0, 0.5, -2.0])
    assert law.fit_law(x, y) == pytest.approx([1.0, 0.5, -2.0], abs=1e-12)
    noisy = y + rng.normal(scale=0.1, size=40)
    groups = np.repeat(["a", "b", "c", "d"], 10)
    errors = law.held_out_errors(x, noisy, groups)
    for g in "abcd":
        out = groups == g
        c = np.linalg.lstsq(x[~out], noisy[~out], rcond=None)[0]
        assert errors[out] == pytest.approx(x[out] @ c - noisy[out], abs=1e-12)


def test_the_spread_holds_ninety_percent_and_coverage_is_nested():
    a = np.arange(1, 11, dtype=float)  # |errors| 1..10: P90 (linear) 9.1
    assert law.spread_for_coverage(a) == pytest.approx(9.1 / 1.6448536269514722)
    errors = np.array([1.0, -1.0, 1.0, 5.0])
    groups = np.array(["a", "a", "b", "c"])
    (s,) = law.summarise(errors, groups, np.array(["H"] * 4))
    # row 0 (a): others b, c -> |e| 1, 5, P90 4.6 >= 1 inside; row 1 likewise; row 2 (b): a, a, c -> P90 4.2,
    # inside; row 3 (c): a, a, b -> all 1, P90 1 < 5, outside
    assert s.share_inside_p5_p95 == 0.75 and s.rows == 4 and s.models == 3
    assert s.median_abs_log_error == 1.0 and s.p90_abs_log_error == pytest.approx(3.8)
    # a row's own architecture never widens its interval: b's rows (3, 3) face a's spread alone (1), outside,
    # though all three rows' P90 (3) would hold them
    (s,) = law.summarise(np.array([1.0, 3.0, -3.0]), np.array(["a", "b", "b"]), np.array(["H"] * 3))
    assert s.share_inside_p5_p95 == pytest.approx(1 / 3)


def test_an_estimate_is_the_law_at_the_models_architecture_and_the_nodes_data_sheet():
    m, node = catalogue.models()["Mixtral 8x22B"], catalogue.nodes()["8xB200"]
    gpu = catalogue.gpus()[node.gpu]
    fit = api.fit_for(m.name, node.name, api.resolve_params())
    c = estimates.fitted_law().coefficients
    free = (8 * 180 - 141 * 1.0) / 8  # FP8: one byte per parameter
    by_hand = (c[0] + c[1] * math.log(39) + c[2] * math.log(free) + c[3] * math.log(gpu.memory_bandwidth_tb_per_s)
               + c[4] * math.log(gpu.tflops["FP8"]) + math.log(8))
    assert fit.b0 == pytest.approx(by_hand, rel=1e-12) and (fit.b1_log_lin, fit.b2_log_lout) == (c[5], c[6])
    assert fit.rows == 0 and fit.log_sd == estimates.fitted_law().log_sd["Blackwell"] > 0
    assert "estimated" in fit.method and "FP8" in fit.method


def test_a_model_with_rows_keeps_its_fit_and_the_papers_never_see_the_catalogue():
    own = api.fit_for("Llama 3.1 405B", "8xH100", api.resolve_params())
    assert own.method == "own OLS" and own.log_sd == 0.0
    assert set(iw.throughput_fits()) == {(m, n) for m, n in _pairs("tps_benchmarks_oviedo_code.csv")
                                         | _pairs("tps_benchmarks_trtllm.csv")}


# ---------------------------------------------------------------- the error, measured


def test_cross_validation_leaves_whole_architectures_out():
    t = estimates.training()
    llama_70b = {g for g, m in zip(t.groups, t.models, strict=True) if m in ("Llama 3 70B", "Llama 3.3 70B")}
    assert len(llama_70b) == 2  # 70.6B is another architecture than 70B; 3.1 and 3.3 70B are one
    assert len({g for g, m in zip(t.groups, t.models, strict=True) if m in ("Llama 3.1 70B", "Llama 3.3 70B")}) == 1
    rows = {s.generation: s for s in estimates.cross_validation()}
    assert set(rows) == {"Hopper", "Ada Lovelace", "Blackwell", "Blackwell Ultra", "Blackwell RTX PRO"}
    for s in rows.values():  # measured, not assumed: a typical estimate is within a factor of 2 (log 0.69)
        assert 0.3 < s.median_abs_log_error < 0.6 and 0.8 < s.share_inside_p5_p95 <= 1.0


def test_the_cross_validated_error_is_the_readmes():
    """Golden figures (README, 'Any model, any GPU'): what the error of an estimate is, per generation."""
    want = {"Hopper": (367, 0.455, 0.886), "Blackwell": (158, 0.476, 0.899), "Blackwell Ultra": (56, 0.493, 0.839),
            "Ada Lovelace": (89, 0.538, 0.888), "Blackwell RTX PRO": (52, 0.369, 0.865)}
    got = {s.generation: (s.rows, round(s.median_abs_log_error, 3), round(s.share_inside_p5_p95, 3))
           for s in estimates.cross_validation()}
    assert got == want


def test_a_row_runs_at_its_own_precision_an_estimate_at_the_models_where_the_gpu_has_it():
    gpus, models = catalogue.gpus(), catalogue.models()
    assert estimates._precision_on(models["Mixtral 8x22B"], gpus["B200 180GB"], "FP4") == "FP4"
    assert estimates._precision_on(models["Mixtral 8x22B"], gpus["B200 180GB"]) == "FP8"
    assert estimates._precision_on(models["gpt-oss-120b"], gpus["H100 SXM"]) == "FP8"  # Hopper has no FP4
    assert estimates._precision_on(models["gpt-oss-120b"], gpus["B200 180GB"]) == "FP4"


def test_chart_rows_are_left_out_of_the_law():
    t = estimates.training()
    b = estimates.shipped_rows()
    charts = sum(bool(estimates.CHART_SOURCE.search(s)) for s in b.source)
    # and Falcon 180B's three GH200 rows: a 4-GPU run whose 180 GB of weights no single 96 GB superchip holds
    assert charts == 7 and len(t.y) == len(b.model) - charts - 3 and "Falcon 180B" in t.models
    assert "Llama-3.1 Nemotron Ultra 253B" not in t.models  # its two rows are both read off a figure


# ---------------------------------------------------------------- the draws


def test_an_estimated_model_draws_the_measured_error_per_trial():
    n, seed = 2000, 1
    r = iw.simulate("gpt-oss-120b", n=n, seed=seed, node="8xL40S")
    sd = api.fit_for("gpt-oss-120b", "8xL40S", r.params).log_sd
    z = stats.norm.ppf(hdr_uniforms(n, 15, seed))
    assert r.draws["tps_factor"]["gpt-oss-120b"] == pytest.approx(np.exp(sd * z), rel=1e-12)
    assert "estimated" in r.caveats["gpt-oss-120b"][0]
    benchmarked = iw.simulate("gpt-oss-120b", n=n, seed=seed, node="8xH200")
    assert np.all(benchmarked.draws["tps_factor"] == 1.0) and not benchmarked.caveats


def test_a_closed_model_draws_its_parameters_over_the_published_range():
    n, seed = 2000, 4
    r = iw.simulate("Claude 3.5 Sonnet-class", n=n, seed=seed)
    fit = api.fit_for("Claude 3.5 Sonnet-class", "8xH100", r.params)
    active = np.exp(math.log(55) + hdr_uniforms(n, 16, seed) * (math.log(220) - math.log(55)))
    want = np.exp(fit.log_sd * stats.norm.ppf(hdr_uniforms(n, 15, seed))) * \
        (active / 110) ** estimates.fitted_law().coefficients[1]
    assert r.draws["tps_factor"]["Claude 3.5 Sonnet-class"] == pytest.approx(want, rel=1e-12)
    assert any("55-220B active" in c for c in r.caveats["Claude 3.5 Sonnet-class"])


def test_an_estimate_needs_the_hdr_draws():
    with pytest.raises(InputError, match="rng must be 'hdr' for a model without benchmark rows"):
        iw.simulate("gpt-oss-20b", n=10, node="8xL40S", rng="paper")


# ---------------------------------------------------------------- flags


def test_deepseek_r1s_chart_row_is_flagged_and_no_two_tables_disagree_beyond_the_factor():
    flags = estimates.flags()
    assert any("read off a figure" in f for f in flags[("DeepSeek-R1", "10xH100")])
    assert any(f.startswith("tokens/s per GPU 0.0") and "of 8xH200" for f in flags[("DeepSeek-R1", "10xH100")])
    assert any(f.startswith("tokens/s per GPU 18") for f in flags[("DeepSeek-R1", "8xH200")])
    b = estimates.shipped_rows()
    keys = list(dict.fromkeys(zip(b.model.tolist(), b.nodes().tolist(), strict=True)))
    table = [k for k in keys if all("TensorRT-LLM" in b.source[i] and "Oviedo" not in b.source[i]
                                    for i in np.flatnonzero((b.model == k[0]) & (b.nodes() == k[1])))]
    per_gpu = estimates._per_gpu_at_comparison_point(b, keys)

    def generation(k: tuple[str, str]) -> str:
        return catalogue.gpus()[catalogue.nodes()[k[1]].gpu].generation

    worst = max(per_gpu[a] / per_gpu[o] for a in table for o in table
                if a[0] == o[0] and a[1] != o[1] and generation(a) == generation(o))
    assert worst == pytest.approx(2.87, abs=0.005) and worst < estimates.DISAGREEMENT_FACTOR
    assert not any(k in flags for k in table if k[0] != "DeepSeek-R1")


def test_the_hardware_table_prints_the_caveats():
    rows = {r.node: r for r in api.hardware("DeepSeek-R1", n=500)}
    assert "read off a figure" in rows["10xH100"].caveats and rows["8xB200"].caveats == ""
    assert rows["8xB200"].throughput == "own OLS"


# ---------------------------------------------------------------- the user's own model, in every face


def test_a_users_model_given_by_its_parameters_is_estimated_everywhere(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("name,total_params_b,active_params_b,node\nMy 30B,30,30,8xH200\n", encoding="utf-8")
    for command in (["simulate", "--model", "My 30B"], ["impacts", "--model", "My 30B"],
                    ["capacity", "--model", "My 30B", "--model", "DeepSeek-R1", "--set", "n_trials=200"],
                    ["tps", "--model", "My 30B", "--lout", "300"],
                    ["energy", "--model", "My 30B", "--lout", "300"], ["hardware", "--model", "My 30B"],
                    ["sensitivity", "--model", "My 30B", "--n", "200"], ["fleet", "--model", "My 30B", "--n", "200"]):
        code = cli.main([*command, "--models", str(path), "--json"])
        out, err = capsys.readouterr()
        assert code == 0, (command, err)
        json.loads(out)
    assert "My 30B" not in catalogue.models()  # a command's models hold for that command only
    code = cli.main(["simulate", "--model", "My 30B", "--models", str(path)])
    assert code == 0 and "caveat, My 30B on 8xH200: throughput estimated" in capsys.readouterr().out


def test_a_users_benchmark_rows_are_fitted_and_win_over_the_estimate(tmp_path, capsys):
    models, rows = tmp_path / "m.csv", tmp_path / "b.csv"
    models.write_text("name,total_params_b\nMine,8\n", encoding="utf-8")
    rows.write_text("model,node,precision,input_tokens,output_tokens,tps_tokens_per_s,source\n" + "".join(
        f"Mine,8xH100,FP8,{i},{o},{t},my lab\n" for i, o, t in ((128, 128, 30000), (128, 2048, 40000),
                                                                (2048, 128, 5000), (500, 2000, 35000),
                                                                (5000, 500, 6000))), encoding="utf-8")
    code = cli.main(["tps", "--model", "Mine", "--lout", "300", "--models", str(models), "--benchmarks", str(rows),
                     "--json"])
    assert code == 0
    fitted = json.loads(capsys.readouterr().out)["tps"]
    catalogue.register_model({"name": "Mine", "total_params_b": 8})
    estimated = iw.tps("Mine", 500, 300)
    assert fitted != estimated and 5000 < fitted < 40000


def test_the_api_takes_a_mapping_or_a_model_and_refuses_a_shipped_name():
    a = iw.simulate({"name": "Dict 13B", "total_params_b": 13}, n=500)
    b = iw.simulate("Dict 13B", n=500)
    assert a.stats == b.stats
    mine = catalogue.Model("Obj 20B", (), 20, 4, "MoE", "8xB200", "FP4", False, "me")
    assert iw.tps(mine, 500, 300) == iw.tps("Obj 20B", 500, 300)
    with pytest.raises(InputError, match="model name must be a name no shipped model has"):
        iw.simulate({"name": "llama-3.1-405b", "total_params_b": 1})
    with pytest.raises(DataError, match="active_params_b': expected at most total_params_b"):
        catalogue.register_model({"name": "Bad", "total_params_b": 10, "active_params_b": 20})


def test_excel_takes_a_models_row_or_a_declared_name_and_recomputes_when_it_changes():
    row = (("Row 30B", 30.0, 3.0, "8xH100"),)
    assert udf.IW_STAT(row, "energy_wh", "median") == iw.simulate("Row 30B").stats["median"]
    header = (("name", "total_params_b", "node"), ("Hdr 7B", 7.0, "l40s"))
    assert udf.IW_STAT(header, "energy_wh", "median") == iw.simulate("Hdr 7B", node="8xL40S").stats["median"]
    assert udf.IW_MODEL("Cell 70B", 70.0) == "Cell 70B"
    first = udf.IW_STAT("Cell 70B", "energy_wh", "median")
    udf.IW_MODEL("Cell 70B", 7.0)
    assert udf.IW_STAT("Cell 70B", "energy_wh", "median") < first  # redeclared: recomputed, not the memo's
    assert udf.IW_MODEL("Llama 3.1 405B", 1.0).startswith("#IW! model name must be")
    assert udf.IW_STAT((("Bad", -1.0),), "energy_wh", "median").startswith("#IW! the model range, column")


def test_models_nodes_and_estimate_error_list_the_catalogue(capsys):
    assert cli.main(["models", "--json"]) == 0
    models = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert models["gpt-oss-120b"]["throughput"]["8xH200"] == "fitted"
    assert models["gpt-oss-120b"]["throughput"]["8xL40S"] == "estimated"
    assert models["Llama 3.1 405B"]["throughput"]["1xGH200"].startswith("not servable: a node whose memory")
    assert models["Llama 3.1 405B"]["benchmark_rows"]["8xH100"] == 7
    assert cli.main(["nodes", "--json"]) == 0
    nodes = {n["name"]: n for n in json.loads(capsys.readouterr().out)}
    assert nodes["8xL40S"]["gpu_memory_gb"] == 48 and "L40S datasheet" in nodes["8xL40S"]["gpu_source"]
    assert cli.main(["estimate-error", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert [r["generation"] for r in table] == [s.generation for s in estimates.cross_validation()]
    header, *rows = udf.IW_ESTIMATE_ERROR()
    assert header[0] == "generation" and len(rows) == len(table)


def test_sensitivity_names_the_estimates_error_as_a_random_input():
    from inferwatt_xl.sensitivity import sensitivity

    table = sensitivity("Claude 3.5 Sonnet-class", n=1000)
    row = next(r for r in table.moving if r.input.startswith("throughput factor"))
    assert row.input == "throughput factor (estimated)" and row.variance_share > 0.1
