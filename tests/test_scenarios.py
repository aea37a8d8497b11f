"""Scenarios side by side (issue 19): the file format, the reference's settings inherited, the same draws in
every scenario, each scenario equal to the engine run it stands for, and the faces (API, CLI, IW_COMPARE)."""

import json
import math

import pytest

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue, cli, scenarios, udf
from inferwatt_xl.errors import DataError, InputError
from inferwatt_xl.impacts import capacity

N = 400  # trials per scenario here: enough to tell scenarios apart, fast


def values(result: scenarios.Comparison, name: str) -> dict[str, tuple]:
    return {row[1]: row[3:] for row in result.rows if row[0] == name}


@pytest.fixture(scope="module")
def shipped() -> scenarios.Comparison:
    return iw.comparison(n=N)


def test_golden_numbers_of_the_shipped_six_at_seed_1():
    """Pinned at the declared scenario_trials (1,000) and seed 1: a change of method or data moves them."""
    result = iw.comparison()
    assert result.n == 1000 and result.seed == 1
    golden = {"Mixed fleet (reference)": (1.6562305917581777, 8275), "Traditional only": (0.7096193964665123, 3596),
              "Mixed fleet improved": (0.7930985706511351, 3946), "B200 where benchmarked": (0.4479477299962512, 2179),
              "Serving lever": (0.634057945271082, 3170), "Germany's grid": (1.6562305917581777, 8275)}
    for name, (gwh, nodes) in golden.items():
        got = values(result, name)
        assert got["gwh_per_day"][0] == pytest.approx(gwh, rel=1e-12), name
        assert got["nodes"][0] == nodes, name


def test_each_scenario_is_the_capacity_run_of_its_settings(shipped):
    """The reference's settings, then the scenario's own: B200 inherits the mix's 10 % test-time scaling."""
    b200 = {"DeepSeek-R1": "8xB200", "Llama 3.1 405B": "8xB200", "Llama-3.1 Nemotron Ultra 253B": "8xH100"}
    cases = {"Mixed fleet (reference)": {}, "Traditional only": {"tts_share": 0.0},
             "B200 where benchmarked": {"node": b200}, "Serving lever": {"lever": "serving"},
             "Germany's grid": {"region": "DEU"}}
    for name, settings in cases.items():
        direct = capacity(**{"tts_share": 0.1, **settings}, n=N, seed=1)
        got = values(shipped, name)
        assert got["gwh_per_day"][:3] == (direct.gwh_per_day, direct.spread["gwh_per_day"]["p5"],
                                          direct.spread["gwh_per_day"]["p95"]), name
        assert got["nodes"][0] == direct.nodes and got["gpus"][0] == direct.gpus, name
        assert got["carbon_t_per_day"][0] == direct.carbon_t_per_day, name
        sim = api.simulate("baseline", "tts", N, 1, node=settings.get("node"), lever=settings.get("lever"))
        assert got["wh_per_query_tts"][:3] == tuple(api.summarise(sim.energy_wh)[k] for k in ("median", "p5", "p95"))


def test_the_same_draws_in_every_scenario(shipped):
    """Common random numbers: a region changes carbon by its intensity and nothing of the energy, exactly."""
    ref, germany = values(shipped, "Mixed fleet (reference)"), values(shipped, "Germany's grid")
    for key in ("wh_per_query_traditional", "gwh_per_day", "nodes", "cost_usd_per_day"):
        assert germany[key][:3] == ref[key][:3], key
    regions = catalogue.regions()
    expected = regions["DEU"].carbon_intensity_g_per_kwh / regions["WORLD"].carbon_intensity_g_per_kwh
    assert germany["carbon_t_per_day"][0] / ref["carbon_t_per_day"][0] == pytest.approx(expected, rel=1e-12)
    assert germany["carbon_t_per_day"][-1] == pytest.approx(expected, rel=1e-12)  # the ratio column


def test_difference_and_ratio_are_to_the_first_scenario(shipped):
    ref = values(shipped, "Mixed fleet (reference)")
    for row in shipped.rows:
        _, key, _, value, _, _, reference, difference, ratio = row
        assert reference == ref[key][0]
        assert difference == value - reference
        assert ratio == pytest.approx(value / reference, rel=1e-15)
    assert all(row[7] == 0 for row in shipped.rows if row[0] == "Mixed fleet (reference)")


def test_levers_move_nodes_only_when_they_raise_throughput():
    table = {"ref": {}, "serving": {"lever": "serving"}}
    moved = values(iw.comparison(table, n=N), "serving")["nodes"][0]
    kept = values(iw.comparison(table, n=N, lever_effect="energy_only"), "serving")["nodes"][0]
    reference = values(iw.comparison(table, n=N), "ref")["nodes"][0]
    assert kept == reference and moved < reference / 1.5  # the serving lever's alpha is 1.5-5x


def test_settings_are_inherited_and_a_node_can_be_set_per_model():
    result = iw.comparison({"ref": {"region": "DEU", "tts_share": 0.0},
                            "b200": {"node": {"Llama 3.1 405B": "8xB200"}}}, n=N)
    assert result.notes["b200"]["region"] == "DEU"
    nodes = result.notes["b200"]["nodes_by_model"]
    assert nodes["DeepSeek-R1"] == result.notes["ref"]["nodes_by_model"]["DeepSeek-R1"]
    assert nodes["Llama 3.1 405B"] < result.notes["ref"]["nodes_by_model"]["Llama 3.1 405B"]
    assert values(result, "b200")["gwh_per_day"][0] == capacity(None, 0.0, n=N, seed=1, region="DEU",
                                                                 node={"Llama 3.1 405B": "8xB200"}).gwh_per_day


def test_the_shipped_file_has_a_source_on_every_row_and_six_scenarios():
    rows = catalogue.csv_rows("scenarios.csv", ("scenario", "parameter", "value", "source"))
    assert all(len(r["source"].strip()) > 20 for r in rows)
    assert len(scenarios.default_scenarios()) == 6


@pytest.mark.parametrize("text, message", [
    ("A,tts_share,0.1\nB,lever,bogus\n", "x.csv, row 3: lever must be one of"),
    ("A,tts_share,0.1\nB,seed,3\n", "x.csv, row 3: parameter must be one seed for every scenario"),
    ("A,tts_share,0.1\nB,n_trials,3\n", "row 3: parameter must be one trial count"),
    ("A,tts_share,0.1\nB,no_such,3\n", "row 3: parameter must be a parameter of data/parameters.csv"),
    ("A,tts_share,0.1\nB,tts_share,2\n", "row 3: tts_share must be a number >= 0 and <= 1, got 2.0"),
    ("A,tts_share,0.1\nA,tts_share,0.2\n", "row 3: parameter must be each setting once per scenario"),
    ("A,,\n,lever,model\n", "row 3: scenario must be a scenario name"),
    ("A,,\nB,node,Nowhere\n", "row 3: node must be"),
    ("A,,\nB,pue_p5,2\n", "scenario 'B': pue_p95 must be a number >= pue_p5 (2.0), got 1.6"),
    ("A,,\nB,node,Mixtral 8x22B=8xB200\n", "scenario 'B': node must be a node for a model of the scenario"),
    ("A,,\nB,node,Llama 3.1 405B=GH200\n", "scenario 'B': node must be a node whose memory holds Llama 3.1 405B"),
])
def test_a_bad_row_is_named_before_anything_runs(tmp_path, text, message):
    path = tmp_path / "x.csv"
    path.write_text("scenario,parameter,value\n" + text)
    with pytest.raises(InputError) as err:
        iw.compare(path, n=10)
    assert message in str(err.value)


def test_a_file_without_the_columns_or_rows_is_a_data_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("name,value\nA,1\n")
    with pytest.raises(DataError, match=r"x\.csv, column 'scenario'"):
        scenarios.read_scenarios(path)
    path.write_text("scenario,parameter,value\n")
    with pytest.raises(DataError, match="at least one data row"):
        scenarios.read_scenarios(path)
    with pytest.raises(InputError, match="scenarios file"):
        scenarios.read_scenarios(tmp_path / "missing.csv")


def test_the_same_trials_for_every_scenario_are_enforced():
    with pytest.raises(InputError, match="n_trials"):
        iw.compare(n_trials=100)
    with pytest.raises(InputError, match="each scenario name once"):
        iw.compare([scenarios.Scenario("a"), scenarios.Scenario("a")], n=10)


def test_the_dataframe_is_the_comparison():
    result = iw.comparison(n=N)
    frame = iw.compare(n=N)
    assert list(frame.columns) == list(scenarios.FRAME_COLUMNS) and len(frame) == len(result.rows) == 60
    nodes = frame[(frame.quantity == "nodes")]
    assert nodes.p5.isna().all()  # nodes have no spread
    assert frame.value.tolist() == [r[3] for r in result.rows]
    assert frame.attrs["reference"] == "Mixed fleet (reference)" and frame.attrs["n"] == N


def test_other_results_give_a_frame_too():
    sim = iw.simulate("baseline", n=500)
    assert sim.to_frame().loc["energy_wh", "median"] == sim.stats["median"]
    impacts = iw.impacts(n=500)
    frame = impacts.to_frame()
    assert frame.loc["carbon_g", "p95"] == impacts.stats["carbon_g"]["p95"]
    assert math.isnan(frame.loc["hardware_usd", "median"]) and frame.loc["hardware_usd", "unit"] == "USD"
    assert iw.fleet(n=500).to_frame().loc[0, "gwh_per_day"] == iw.fleet(n=500).gwh_per_day
    assert iw.capacity(n=500).to_frame().loc[0, "nodes"] == iw.capacity(n=500).nodes


def test_iw_compare_takes_a_range_as_xlwings_passes_it():
    rows = [["scenario", "parameter", "value"], ["ref", "tts_share", 0.1], ["b200", "node", "Llama 3.1 405B=8xB200"],
            [None, None, None], ["serving", "lever", "serving"]]
    out = udf.IW_COMPARE(rows, None, float(N), 1.0)
    expected = iw.comparison({"ref": {"tts_share": 0.1}, "b200": {"node": {"Llama 3.1 405B": "8xB200"}},
                              "serving": {"lever": "serving"}}, n=N)
    assert out[0] == list(scenarios.FRAME_COLUMNS)
    assert out[1:] == [["" if v is None else v for v in row] for row in expected.rows]
    one_row = udf.IW_COMPARE(["ref", "tts_share", 0.1], None, float(N))  # a one-row range: a flat list
    assert one_row[1:] == out[1:11]


@pytest.mark.parametrize("call, message", [
    (lambda: udf.IW_COMPARE(None), "#IW! scenarios must be a three-column range"),
    (lambda: udf.IW_COMPARE([["a", "b"]]), "#IW! scenarios must be a three-column range"),
    (lambda: udf.IW_COMPARE([["scenario", "parameter", "value"], ["a", "lever", "x"]]), "#IW! scenarios, row 2: lever"),
    (lambda: udf.IW_COMPARE([["a", "tts_share", "abc"]]), "#IW! scenarios, row 1: tts_share must be a number"),
    (lambda: udf.IW_COMPARE([[True, "tts_share", 0.1]]), "#IW! scenarios, row 1: scenario must be a scenario name"),
    (lambda: udf.IW_COMPARE([["a", "node", 5.0]]), "#IW! scenarios, row 1: node must be a node name"),
    (lambda: udf.IW_COMPARE([["a", "tts_share", 0.1]], None, 0.0), "#IW! n must be a whole number >= 1"),
    (lambda: udf.IW_COMPARE([["a", "tts_share", 0.1]], [["seed", 2.5]]), "#IW! seed must be a whole number"),
])
def test_iw_compare_bad_input_is_one_line(call, message):
    out = call()
    assert isinstance(out, str) and out.startswith(message), out


def test_cli_compare_json_and_png(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("scenario,parameter,value\nref,,\nGermany,region,DEU\n")
    png = tmp_path / "c.png"
    assert cli.main(["compare", str(path), "--n", str(N), "--json", "--out", str(png)]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = iw.comparison(path, n=N).to_dict()
    assert data == json.loads(json.dumps(expected))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["compare", str(path), "--n", str(N)]) == 0
    text = capsys.readouterr().out
    assert "reference: ref" in text and "carbon per day (tCO2e/day)" in text


def test_cli_compare_bad_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "s.csv"
    path.write_text("scenario,parameter,value\nref,lever,bogus\n")
    assert cli.main(["compare", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s.csv, row 2: lever must be one of" in err



def test_a_node_for_every_model_replaces_the_references_per_model_nodes_and_none_clears_its_lever():
    llama = "Llama 3.1 405B"
    result = iw.comparison({"ref": {"model": llama, "node": {llama: "8xB200"}, "lever": "serving"},
                            "back": {"node": "8xH100", "lever": "none"}}, n=N, node_redundancy=1.2)
    assert result.notes["back"]["lever"] is None
    direct = capacity(None, None, model=llama, n=N, seed=1, node="8xH100", node_redundancy=1.2)
    assert values(result, "back")["nodes"][0] == direct.nodes
    assert values(result, "back")["gwh_per_day"][0] == direct.gwh_per_day
    assert api.normalise_lever(" None ") is None


def test_the_workbook_takes_the_shipped_scenarios_and_refuses_what_it_has_no_row_for():
    from inferwatt_xl.workbook.excel import ExcelRuleError
    from inferwatt_xl.workbook.sheets import scenarios as sheet

    models = list(catalogue.workbook_models())
    cells, nodes = sheet.settings_of(scenarios.default_scenarios()[3], models)
    assert nodes == {models.index("DeepSeek-R1"): "8xB200", models.index("Llama 3.1 405B"): "8xB200"}
    assert cells == {"name": "B200 where benchmarked"}
    assert sheet.settings_of(scenarios.Scenario("x", (("lever", None),)), models)[0]["lever"] == "none"
    with pytest.raises(ExcelRuleError, match="sets model"):
        sheet.settings_of(scenarios.Scenario("x", (("model", "Mixtral 8x22B"),)), models)
    with pytest.raises(ExcelRuleError, match="sets l_in_tokens"):
        sheet.settings_of(scenarios.Scenario("x", (("l_in_tokens", 1000.0),)), models)
    shown = set(sheet.SHOWN)
    assert all(k in shown for k in scenarios.QUANTITIES)  # every quantity of the engine's table is on the sheet
