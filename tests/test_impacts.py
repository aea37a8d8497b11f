"""Money, carbon, water and capacity: each quantity recomputed by hand from the energy's own trials,
units checked against each other, the two-level fleet spread, missing inputs and clear errors."""

import json
import math

import numpy as np
import pytest
from scipy.stats import norm

import inferwatt_xl as iw
from inferwatt_xl import api, catalogue, udf
from inferwatt_xl.cli import main
from inferwatt_xl.errors import InputError
from inferwatt_xl.impacts import MEASURES, capacity, impacts, regions
from inferwatt_xl.method.uniforms import hdr_uniforms

N, SEED = 3000, 5
Z95 = norm.ppf(0.95)
SECONDS_PER_YEAR = 365 * 86400


def test_carbon_and_energy_cost_are_energy_times_intensity_and_price_per_trial():
    fixed = impacts("baseline", "traditional", N, SEED, region="DEU", price_usd_per_kwh_p5=0.1,
                    price_usd_per_kwh_median=0.1, price_usd_per_kwh_p95=0.1)
    e = fixed.per_query["energy_wh"]
    np.testing.assert_allclose(fixed.per_query["carbon_g"], e / 1000 * 381, rtol=1e-13)  # Germany, Ember 2023
    np.testing.assert_allclose(fixed.per_query["cost_usd"], e / 1000 * 0.1, rtol=1e-13)
    assert fixed.stat("carbon_g", "median") == pytest.approx(fixed.stat("energy_wh", "median") * 0.381, rel=1e-12)


def test_the_drawn_price_is_the_split_log_normal_of_its_own_hdr_variable():
    r = impacts("Llama 3.1 405B", "traditional", N, SEED)
    z = norm.ppf(hdr_uniforms(N, 8, SEED))  # variable 8: price, trial by trial
    median, p5, p95 = 0.07825, 0.062435, 0.18673  # EIA 2023 industrial prices over the states
    price = median * np.exp(np.where(z < 0, np.log(median / p5), np.log(p95 / median)) / Z95 * z)
    np.testing.assert_allclose(r.per_query["electricity_usd"], r.per_query["energy_wh"] / 1000 * price, rtol=1e-12)
    assert np.percentile(price, 5) == pytest.approx(p5, rel=0.03)
    assert np.percentile(price, 95) == pytest.approx(p95, rel=0.03)


def test_water_is_wue_on_it_energy_plus_the_grids_water_on_facility_energy():
    r = impacts("Llama 3.1 405B", "tts", N, SEED, region="USA")
    u = hdr_uniforms(N, 9, SEED)  # variable 9: WUE
    mu, sigma = (math.log(0.30) + math.log(0.49)) / 2, (math.log(0.49) - math.log(0.30)) / (2 * Z95)
    wue = np.exp(mu + sigma * norm.ppf(u))
    e, pue = r.per_query["energy_wh"], r.simulation.draws["pue"]
    np.testing.assert_allclose(r.per_query["water_ml"], e / pue * wue + e * 3.1321, rtol=1e-12)


def test_hardware_cost_amortises_the_node_seconds_that_eq1_implies():
    r = impacts("Llama 3.1 405B", "traditional", N, SEED, hardware_usd_per_node=400_000, hardware_lifetime_years=5)
    d, p_max = r.simulation.draws, catalogue.nodes()["8xH100"].p_max_kw
    node_seconds = r.per_query["energy_wh"] * 3.6 / (d["pue"] * d["util"] * p_max)  # Eq. 1 solved for L_eff / TPS
    np.testing.assert_allclose(r.per_query["hardware_usd"], node_seconds * 400_000 / (5 * SECONDS_PER_YEAR),
                               rtol=1e-12)
    np.testing.assert_allclose(r.per_query["cost_usd"], r.per_query["electricity_usd"] + r.per_query["hardware_usd"])
    tokens = np.mean(d["l_out_tokens"])
    assert r.cost_usd_per_million_output_tokens == pytest.approx(np.mean(r.per_query["cost_usd"]) / tokens * 1e6)


def test_inputs_without_a_sourced_default_leave_their_measure_missing_and_say_so():
    r = impacts("baseline", "traditional", 500, SEED, region="COL")  # Colombia: no water intensity found
    assert r.stats["water_ml"] is None and r.stats["hardware_usd"] is None
    # in the order of the measures that need them (measures.MEASURES: water_ml before hardware_usd)
    assert r.missing == ["water_intensity_l_per_kwh", "hardware_usd_per_node", "hardware_lifetime_years"]
    assert any("hardware_usd_per_node" in note for note in r.notes)
    with pytest.raises(InputError, match="water_intensity_l_per_kwh must be given to compute water_ml"):
        r.stat("water_ml", "median")
    given = impacts("baseline", "traditional", 500, SEED, region="COL", water_intensity_l_per_kwh=2.0)
    assert given.stats["water_ml"] is not None and "water_intensity_l_per_kwh" not in given.missing
    assert catalogue.parameters()["hardware_usd_per_node"].default is None


def test_a_note_is_given_for_each_measure_without_its_inputs_and_for_no_other():
    missing = impacts("baseline", "traditional", 200, SEED, region="COL")
    assert [n.split(" ")[0] for n in missing.notes] == ["water_ml", "cost_usd"]
    assert "region COL has no sourced value" in missing.notes[0]
    complete = impacts("baseline", "traditional", 200, SEED, region="COL", water_intensity_l_per_kwh=2.0,
                       hardware_usd_per_node=300_000, hardware_lifetime_years=5)
    assert complete.notes == [] and complete.missing == []


def test_the_regions_carry_a_source_per_row_and_the_override_wins():
    rows = regions()
    assert rows[0].code == "WORLD" and rows[0].carbon_intensity_g_per_kwh == 481
    assert all(r.carbon_source and (r.water_intensity_l_per_kwh is None) == (not r.water_source) for r in rows)
    r = impacts("Mixtral 8x22B", "traditional", 500, SEED, region="fra", carbon_intensity_g_per_kwh=100)
    assert r.intensities.region == "FRA" and r.intensities.carbon_intensity_g_per_kwh == 100


def _fleet_by_hand(model, tts_share, queries=1e9):
    """beta x N x the mix's mean per-query quantities, and nodes from node-seconds, computed here."""
    sims = {regime: iw.simulate(model, regime, N, SEED) for regime in api.REGIMES}
    share = {"traditional": 1 - tts_share, "tts": tts_share}
    node = catalogue.nodes()[sims["traditional"].nodes[model]]
    b = iw.beta().beta
    mean_e = sum(share[r] * sims[r].stats["mean"] for r in share)
    seconds = sum(share[r] * np.mean(sims[r].energy_wh * 3.6 / (sims[r].draws["pue"] * sims[r].draws["util"]
                                                                  * node.p_max_kw)) for r in share)
    nodes = math.ceil(1.10 * queries * seconds / 86400 / 0.75)  # redundancy 1.1, mean load (0.5 + 1) / 2
    return b * queries * mean_e / 1e9, nodes, node


def test_capacity_units_agree_with_each_other_and_with_a_hand_computation():
    c = capacity(1e9, 0.1, model="Llama 3.1 405B", n=N, seed=SEED, region="IND")
    gwh, nodes, node = _fleet_by_hand("Llama 3.1 405B", 0.1)
    assert c.gwh_per_day == pytest.approx(gwh, rel=1e-12)
    assert c.nodes == nodes and c.gpus == nodes * 8
    assert c.avg_facility_mw * 24 / 1000 == pytest.approx(c.gwh_per_day, rel=1e-12)
    assert c.twh_per_year == pytest.approx(c.gwh_per_day * 365 / 1000, rel=1e-12)
    assert c.carbon_t_per_day == pytest.approx(c.gwh_per_day * 713, rel=1e-12)  # GWh x g/kWh = t
    assert c.nodes * node.p_max_kw / 1000 >= c.peak_it_mw
    peak_ratio = (2.7 + (10.2 - 2.7) * 1.0) / (2.7 + (10.2 - 2.7) * 0.75)  # S.V's 8xH100 at peak / on average
    assert c.peak_facility_mw == pytest.approx(c.avg_facility_mw * peak_ratio, rel=1e-12)
    assert c.peak_it_mw < c.peak_facility_mw
    assert c.cost_usd_per_year == pytest.approx(c.cost_usd_per_day * 365, rel=1e-12)
    with_hardware = capacity(1e9, 0.1, model="Llama 3.1 405B", n=N, seed=SEED, hardware_usd_per_node=300_000,
                             hardware_lifetime_years=4)
    assert with_hardware.hardware_usd_per_day == pytest.approx(nodes * 300_000 / (4 * 365), rel=1e-12)
    assert with_hardware.cost_usd_per_day == pytest.approx(c.electricity_usd_per_day + with_hardware
                                                           .hardware_usd_per_day, rel=1e-12)
    for q in ("p5", "p50", "p95"):  # hardware is the same for every deployment: it shifts the spread
        shift = with_hardware.spread["cost_usd_per_day"][q] - c.spread["cost_usd_per_day"][q]
        assert shift == pytest.approx(with_hardware.hardware_usd_per_day, rel=1e-9)


def test_the_fleet_point_estimate_is_the_papers_and_its_gwh_is_the_capacitys():
    f = iw.fleet(1e9, 0.1, n=N, seed=SEED)
    c = capacity(1e9, 0.1, n=N, seed=SEED)
    assert f.gwh_per_day == c.gwh_per_day and f.gwh_per_day_p5 == c.spread["gwh_per_day"]["p5"]


@pytest.mark.parametrize("improved", [False, True])
def test_the_two_level_spread_is_centred_on_the_point_and_wider_than_per_query_noise(improved):
    # the text's narrower improved alpha (1.5-3): its P50 sits within 3 % of the mean-based point; the code's
    # 1.5-3.5 skews 1/alpha more, so the point (a mean) rises above the median deployment
    f = iw.fleet(1e9, 0.1, improved, n=N, seed=SEED, preset="text_v1")
    assert f.gwh_per_day_p50 == pytest.approx(f.gwh_per_day, rel=0.03)
    code = iw.fleet(1e9, 0.1, improved, n=N, seed=SEED)
    assert code.gwh_per_day_p5 < code.gwh_per_day_p50 < code.gwh_per_day_p95
    assert f.gwh_per_day_p5 < f.gwh_per_day_p50 < f.gwh_per_day_p95
    one_level = f.gwh_per_day_one_level_p95 - f.gwh_per_day_one_level_p5
    assert f.gwh_per_day_p95 - f.gwh_per_day_p5 > 100 * one_level > 0
    assert "two-level" in f.spread


def test_the_deployments_draw_pue_as_the_paper_does_on_their_own_hdr_variable():
    f = api.fleet_runs(1e9, 0.0, n=N, seed=SEED)
    u = hdr_uniforms(1000, 10, SEED)  # variable 10: a deployment's PUE
    mu, sigma = (math.log(1.05) + math.log(1.6)) / 2, (math.log(1.6) - math.log(1.05)) / (2 * Z95)
    np.testing.assert_allclose(f.deployments["pue"], np.exp(mu + sigma * norm.ppf(u)), rtol=1e-12)  # kept below 1
    v1 = api.fleet_runs(1e9, 0.0, n=N, seed=SEED, preset="text_v1")  # the v1 text's 1.05-1.40, truncated at 1
    mu, sigma = (math.log(1.05) + math.log(1.40)) / 2, (math.log(1.40) - math.log(1.05)) / (2 * Z95)
    f1 = norm.cdf((0 - mu) / sigma)  # truncated at PUE 1 (ln 1 = 0)
    np.testing.assert_allclose(v1.deployments["pue"], np.exp(mu + sigma * norm.ppf(f1 + u * (1 - f1))), rtol=1e-12)
    base = f.simulations["traditional"]
    expected = f.beta * 1e9 * f.deployments["pue"] * np.mean(base.energy_wh / np.tile(base.draws["pue"], 3)) / 1e9
    np.testing.assert_allclose(f.per_day(f.deployment_base_wh) / 1e9, expected, rtol=1e-12)


@pytest.mark.parametrize("kwargs, name", [({"region": "Atlantis"}, "region"),
                                          ({"price_usd_per_kwh_median": -0.1}, "price_usd_per_kwh_median"),
                                          ({"carbon_intensity_g_per_kwh": -5}, "carbon_intensity_g_per_kwh"),
                                          ({"water_intensity_l_per_kwh": "lots"}, "water_intensity_l_per_kwh"),
                                          ({"hardware_lifetime_years": 0}, "hardware_lifetime_years"),
                                          ({"price_usd_per_kwh_p5": 0.5}, "price_usd_per_kwh_median")])
def test_bad_inputs_are_clear_errors_in_the_api(kwargs, name):
    with pytest.raises(InputError, match=f"^{name} must be"):
        impacts("baseline", "traditional", 100, SEED, **kwargs)
    with pytest.raises(InputError, match=f"^{name} must be"):
        capacity(1e6, 0.1, n=100, seed=SEED, **kwargs)


@pytest.mark.parametrize("measure, stat, name", [("carbon", "median", "measure"), ("carbon_g", "p99", "stat"),
                                                 (3, "mean", "measure")])
def test_unknown_measure_or_stat_is_a_clear_error_in_every_face(measure, stat, name, capsys):
    r = impacts("baseline", "traditional", 100, SEED)
    with pytest.raises(InputError, match=f"^{name} must be one of"):
        r.stat(measure, stat)
    cell = udf.IW_STAT("baseline", measure, stat, n=100)
    assert cell.startswith(f"#IW! {name} must be one of")


@pytest.mark.parametrize("argv, fragment", [(["impacts", "--region", "XX"], "region must be a code or name"),
                                            (["impacts", "--price-usd-per-kwh", "-1"], "--price-usd-per-kwh must be"),
                                            (["capacity", "--carbon-intensity-g-per-kwh", "-3"],
                                             "carbon_intensity_g_per_kwh must be"),
                                            (["capacity", "--set", "nonsense"], "--set must be NAME=VALUE")])
def test_cli_errors_are_one_line(argv, fragment, capsys):
    assert main([*argv, "--n", "100"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_cli_json_shapes_are_the_issues(capsys):
    import json

    assert main(["impacts", "--model", "Mixtral 8x22B", "--regime", "tts", "--region", "FRA", "--n", "500",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"model", "regime", "region", "energy_wh", "cost_usd", "carbon_g", "water_ml"} <= set(data)
    assert all(set(data[m]) == {"median", "mean", "p5", "p25", "p75", "p95"} for m in MEASURES[:4])
    assert main(["capacity", "--queries", "1e8", "--tts-share", "0.2", "--n", "500", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"nodes", "gpus", "avg_facility_mw", "peak_facility_mw", "gwh_per_day", "twh_per_year",
            "cost_usd_per_day", "carbon_t_per_day", "water_m3_per_day", "gwh_per_day_p5",
            "gwh_per_day_p95"} <= set(data)
    assert main(["fleet", "--n", "500", "--json"]) == 0
    assert {"gwh_per_day_p5", "gwh_per_day_p95"} <= set(json.loads(capsys.readouterr().out))
    assert main(["regions", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"code", "carbon_intensity_g_per_kwh", "carbon_year", "carbon_source"} <= set(rows[0])


def test_excel_functions_answer_one_number_a_table_and_the_regions():
    value = udf.IW_STAT("Llama 3.1 405B", "carbon_g", "p95", "tts", [["region", "USA"], ["", ""]], 500, SEED)
    assert value == impacts("Llama 3.1 405B", "tts", 500, SEED, region="USA").stat("carbon_g", "p95")
    table = udf.IW_IMPACTS("baseline", "traditional", [["region", "COL"]], 500, SEED)
    assert table[0] == ["measure", *api.STATISTICS] and table[4][1].startswith("#IW! water_ml needs")
    cap = udf.IW_CAPACITY(1e9, 0.1, None, None, 500, SEED)
    assert cap[0] == ["quantity", "value", "p5", "p50", "p95", "unit"]
    assert dict((r[0], r[1]) for r in cap[1:])["nodes"] == capacity(1e9, 0.1, n=500, seed=SEED).nodes
    assert udf.IW_REGIONS()[1][0] == "WORLD"
    overridden = udf.IW_MONTECARLO("baseline", n=500, overrides=[["pue_p95", 1.6]])
    assert overridden == udf.IW_MONTECARLO("baseline", n=500, PUE_P95=1.6)
    assert udf.IW_MONTECARLO("baseline", n=500, PUE_P95=1.5, overrides=[["pue_p95", 1.6]]) == \
        udf.IW_MONTECARLO("baseline", n=500, PUE_P95=1.5)  # the argument's own cell wins


def test_capacity_writes_the_fleet_cost_and_carbon_chart(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "fleet.png"
    assert main(["capacity", "--region", "FRA", "--n", "500", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    assert Image.open(out).size[0] > 1000


@pytest.mark.parametrize("typed", ["DEU", "deu", "Germany", " germany "])
def test_a_region_is_taken_by_code_or_name_in_every_face(typed, capsys):
    assert impacts("Mixtral 8x22B", n=200, region=typed).intensities.region == "DEU"
    assert udf.IW_STAT("Mixtral 8x22B", "carbon_g", "median", "traditional", ["region", typed], 200.0) == \
        impacts("Mixtral 8x22B", n=200, region="DEU").stat("carbon_g", "median")
    assert main(["impacts", "--model", "mixtral", "--region", typed, "--n", "200", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["region"] == "DEU"


def test_every_cost_says_what_it_covers_and_at_which_price():
    """The cost basis: electricity only until a hardware price is given; US prices named as such, with a word
    when they price another region's query; a price the user gives is called theirs."""
    hardware = {"hardware_usd_per_node": 3e5, "hardware_lifetime_years": 5.0}
    assert impacts(n=200, region="USA").cost_basis == (
        "electricity only: no hardware price given; electricity at US industrial prices (EIA 2023), in USD")
    assert impacts(n=200, region="Germany", **hardware).cost_basis == (
        "electricity and amortised hardware; electricity at US industrial prices (EIA 2023), in USD, applied to "
        "Germany")
    assert impacts(n=200, region="FRA", price_usd_per_kwh_median=0.1).cost_basis.endswith(
        "electricity at the price given, in USD")
    fleet = capacity(1e9, 0.1, n=200, region="DEU")
    assert fleet.cost_basis.startswith("electricity only") and "applied to Germany" in fleet.cost_basis
    table = udf.IW_CAPACITY(1e9, 0.1, ["region", "DEU"], None, 200.0)
    assert next(r for r in table if r[0] == "cost basis")[:2] == ["cost basis", fleet.cost_basis]


def test_a_lever_that_raises_throughput_frees_nodes_and_one_that_only_saves_energy_says_so(capsys):
    """lever_effect = throughput: each query's node-seconds are divided by its own alpha (Eq. 1 at the node's
    power), so the improved fleet needs fewer nodes; energy_only keeps the nodes; the energy is the same."""
    plain = iw.simulate("Llama 3.1 405B", n=400, seed=3)
    faster = iw.simulate("Llama 3.1 405B", n=400, seed=3, lever="improved")
    name = "Llama 3.1 405B"
    assert np.allclose(faster.node_seconds_by_model[name], plain.node_seconds_by_model[name] / faster.draws["alpha"])
    slower = iw.simulate("Llama 3.1 405B", n=400, seed=3, lever="improved", lever_effect="energy_only")
    assert np.array_equal(slower.node_seconds_by_model[name], plain.node_seconds_by_model[name])

    base, improved = capacity(n=2000), capacity(improved=True, n=2000)
    kept = capacity(improved=True, n=2000, lever_effect="energy_only")
    assert kept.nodes == base.nodes and kept.gwh_per_day == improved.gwh_per_day
    assert improved.nodes_follow_lever and not kept.nodes_follow_lever and improved.lever == "improved"
    # the mean of 1 / alpha for the log-normal alpha of P5-P95 1.5-3 (the improved scenario, traditional)
    sigma = (math.log(3) - math.log(1.5)) / (2 * norm.ppf(0.95))
    inverse_mean = math.exp(-(math.log(1.5) + math.log(3)) / 2 + sigma ** 2 / 2)
    assert improved.nodes / base.nodes == pytest.approx(inverse_mean, rel=0.05)

    serving = capacity(lever="serving", n=2000)
    assert serving.nodes < base.nodes and serving.gwh_per_day == pytest.approx(
        iw.fleet(lever="serving", n=2000).gwh_per_day, rel=1e-12)
    spread = serving.spread["gwh_per_day"]  # a per-query lever stays inside every deployment's energy
    assert spread["p5"] < serving.gwh_per_day < spread["p95"] < base.spread["gwh_per_day"]["p50"]
    assert main(["capacity", "--lever", "serving", "--n", "2000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"] == serving.nodes
    with pytest.raises(InputError, match="lever must be empty when improved is true"):
        capacity(improved=True, lever="serving")
    rows = udf.IW_CAPACITY(1e9, 0.1, None, None, 2000, None, "serving")  # the Excel function, the same nodes
    assert dict((r[0], r[1]) for r in rows[1:])["nodes"] == serving.nodes
    assert udf.IW_FLEET(1e9, 0.1, None, 2000, None, None, "serving") == pytest.approx(serving.gwh_per_day)
    assert udf.IW_FLEET(1e9, 0.1, True, 2000, None, None, "serving").startswith("#IW! lever must be empty")
    assert capacity(lever="Improved", n=2000).improved and capacity(improved=True, lever="", n=2000).nodes == \
        improved.nodes
