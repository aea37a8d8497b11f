"""Calibration to measurements (issue 20): the conjugate update by hand, each measurement's reading of Eq. 1,
recovery of known factors, the boundaries, contradictions, golden numbers, and every face."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import ndtri

import inferwatt_xl as iw
from inferwatt_xl import api, calibration, catalogue, cli, udf
from inferwatt_xl.errors import DataError, InputError
from inferwatt_xl.impacts import capacity
from inferwatt_xl.method import calibration as cm
from inferwatt_xl.method.distributions import Z95

MODEL, NODE = "Llama 3.1 405B", "8xH100"
P_MAX_KW = 10.2  # data/nodes.csv, 8xH100
N = 4000


def row(quantity: str, value: float, l_in: float | None = 500, l_out: float | None = 350, boundary: str = "node",
        r: float | None = 0.05, model: str = MODEL, node: str = NODE) -> dict[str, object]:
    return {"model": model, "node": node, "quantity": quantity, "value": value, "l_in_tokens": l_in,
            "l_out_tokens": l_out, "boundary": boundary, "rel_uncertainty": r, "source": "test"}


# ---------------------------------------------------------------- the update, by hand


def test_one_factor_update_is_the_textbook_normal_normal_posterior():
    before = cm.Gaussian(np.array([0.0, 0.0, 0.0]), np.diag([0.4 ** 2, 0.2 ** 2, 0.1 ** 2]))
    after = cm.update(before, np.array([[1.0, 0.0, 0.0]]), np.array([0.3]), np.array([0.1]))
    # mean = y s0^2 / (s0^2 + s^2) = 0.3 * 0.16 / 0.17; variance = s0^2 s^2 / (s0^2 + s^2) = 0.0016 / 0.17
    assert after.mean[0] == pytest.approx(0.3 * 0.16 / 0.17, rel=1e-12)
    assert after.cov[0, 0] == pytest.approx(0.0016 / 0.17, rel=1e-12)
    assert after.mean[1:] == pytest.approx([0.0, 0.0]) and after.cov[1, 1] == pytest.approx(0.04)
    assert after.cov[0, 1] == 0 and after.cov[0, 2] == 0


def test_a_product_measurement_splits_by_prior_variance_and_correlates_the_factors():
    # y = x0 + x1 with prior variances 0.09 and 0.01, sigma 0: the gain is 0.09 / 0.10 and 0.01 / 0.10
    before = cm.Gaussian(np.zeros(3), np.diag([0.09, 0.01, 0.04]))
    after = cm.update(before, np.array([[1.0, 1.0, 0.0]]), np.array([0.5]), np.array([1e-9]))
    assert after.mean[:2] == pytest.approx([0.45, 0.05], rel=1e-6)
    # covariance: S - S a a' S / (a S a') -> var0 = 0.09 - 0.0081 / 0.1, cov01 = -0.0009 / 0.1
    assert after.cov[0, 0] == pytest.approx(0.09 - 0.081, rel=1e-6)
    assert after.cov[0, 1] == pytest.approx(-0.009, rel=1e-6)
    assert after.cov[2, 2] == pytest.approx(0.04)


def test_a_factor_without_prior_spread_stays_and_shifts_the_measurement():
    before = cm.Gaussian(np.array([0.0, 0.2, 0.0]), np.diag([0.04, 0.0, 0.01]))
    after = cm.update(before, np.array([[1.0, 1.0, 0.0]]), np.array([0.5]), np.array([1e-9]))
    assert after.mean[1] == 0.2 and after.cov[1, 1] == 0
    assert after.mean[0] == pytest.approx(0.3, rel=1e-6)


def test_predictive_z_is_the_residual_over_the_predictive_spread():
    before = cm.Gaussian(np.zeros(3), np.diag([0.09, 0.16, 0.0]))
    z = cm.predictive_z(before, np.array([[1.0, 1.0, 0.0]]), np.array([1.0]), np.array([0.0]))
    assert z[0] == pytest.approx(1.0 / math.sqrt(0.25))


def test_draws_are_mean_plus_the_cholesky_factor_times_the_scores():
    belief = cm.Gaussian(np.array([0.1, -0.2, 0.3]), np.array([[0.04, 0.01, 0.0], [0.01, 0.09, 0.0],
                                                               [0.0, 0.0, 0.0]]))
    z = np.array([[1.0, -1.0], [0.5, 2.0], [3.0, 3.0]])
    x = cm.draws(belief, z)
    l00, l10 = 0.2, 0.01 / 0.2
    l11 = math.sqrt(0.09 - l10 ** 2)
    assert x[0] == pytest.approx([0.1 + l00 * 1.0, 0.1 - l00])
    assert x[1] == pytest.approx([-0.2 + l10 * 1.0 + l11 * 0.5, -0.2 - l10 + l11 * 2.0])
    assert x[2] == pytest.approx([0.3, 0.3])  # no spread: the mean, whatever the score


def test_the_text_carries_the_posterior_exactly_and_bad_text_is_refused():
    c = cm.CalibratedFactors(MODEL, NODE, cm.Gaussian(np.array([0.1, -0.5, 0.2]), np.diag([0.01, 0.02, 0.0])),
                             (True, True, False))
    back = cm.parse_text(c.to_text())[0]
    assert back.model == MODEL and back.informed == (True, True, False)
    assert (back.posterior.mean == c.posterior.mean).all() and (back.posterior.cov == c.posterior.cov).all()
    for bad in ("IW-CALIBRATION-1 | a | b", "hello", c.to_text().replace("0.01", "-0.01"),
                c.to_text().replace("| 110", "| 11x")):
        with pytest.raises(InputError, match="calibration"):
            catalogue.check_calibration(bad)
    with pytest.raises(InputError, match="one posterior per model and node"):
        catalogue.check_calibration(c.to_text() + " ;; " + c.to_text())


# ---------------------------------------------------------------- how each measurement reads Eq. 1


def test_each_quantity_reads_eq1_with_its_boundary():
    params = api.resolve_params()
    tps = api.tps(MODEL, 500, 350)
    wh = calibration.reading(calibration.measurement(row("wh_per_query", 0.3, boundary="facility")), params)
    assert wh.design == (-1.0, 1.0, 1.0)
    assert wh.constant == pytest.approx(math.log(P_MAX_KW * 350 / (3.6 * tps)), rel=1e-12)
    assert wh.sigma == pytest.approx(math.log(1.05))
    gpu = calibration.reading(calibration.measurement(row("wh_per_query", 0.3, boundary="gpu")), params)
    assert gpu.design == (-1.0, 1.0, 0.0)
    assert gpu.constant - wh.constant == pytest.approx(math.log(0.7))  # Google 2025: 58 / (58 + 25)
    kw = calibration.reading(calibration.measurement(row("node_kw", 9.0, None, None, "facility")), params)
    assert kw.design == (0.0, 1.0, 1.0) and kw.constant == pytest.approx(math.log(P_MAX_KW))
    rate = calibration.reading(calibration.measurement(row("tokens_per_s", 2900, r=None)), params)
    assert rate.design == (1.0, 0.0, 0.0) and rate.constant == pytest.approx(math.log(tps))
    assert rate.sigma == pytest.approx(math.log(1.05))  # the declared default (NVML's +/- 5 %)


def test_the_prior_is_the_methods_own_spread():
    params = api.resolve_params()
    prior = api.log_prior(params)
    # P_node / P_max: the log-normal through 0.4 and 0.9 (the p5p95 reading), PUE through 1.05 and 1.6
    assert prior.mean[1] == pytest.approx((math.log(0.4) + math.log(0.9)) / 2)
    assert prior.sd[1] == pytest.approx((math.log(0.9) - math.log(0.4)) / (2 * Z95))
    assert prior.sd[2] == pytest.approx((math.log(1.6) - math.log(1.05)) / (2 * Z95))
    assert prior.mean[0] == 0
    assert 0.2 < prior.sd[0] < 0.6  # the fits' pooled residual spread of ln TPS (0.359 on the shipped rows)


def test_the_throughput_spread_is_the_pooled_residual_of_own_fits():
    params = api.resolve_params()
    b, fits = api.shipped_benchmarks(params), api._fits(params)
    squares, dof = 0.0, 0
    for (model, node), fit in fits.items():
        rows = (b.model == model) & (b.nodes() == node)
        if fit.method == "own OLS" and rows.sum() > 3:
            r = np.log(b.tps_tokens_per_s[rows]) - np.log(fit.tps(b.input_tokens[rows], b.output_tokens[rows]))
            squares += float(r @ r)
            dof += int(rows.sum()) - 3
    assert api.throughput_log_sd(params) == pytest.approx(math.sqrt(squares / dof), rel=1e-12)


# ---------------------------------------------------------------- what calibration does to results


def synthetic_rows(factor: float, util: float, pue: float) -> list[dict[str, object]]:
    """Measurements the engine makes at known factors (5 % uncertainty each)."""
    out = []
    for l_out in (150, 350, 800):
        rate = api.tps(MODEL, 500, l_out) * factor
        out.append(row("tokens_per_s", rate, l_out=l_out))
        out.append(row("wh_per_query", api.energy_wh(MODEL, l_out, util, pue, 500, tps_tokens_per_s=rate),
                       l_out=l_out, boundary="facility"))
    out.append(row("node_kw", util * P_MAX_KW, None, None))
    return out


def test_known_factors_are_recovered_within_the_posterior_90_percent_interval():
    result = iw.calibrate(MODEL, synthetic_rows(1.3, 0.5, 1.2), n=N)
    truth = {"throughput": 1.3, "node_power": 0.5, "pue": 1.2}
    for f in result.factors:
        assert f.informed
        assert f.posterior_p5 < truth[f.factor] < f.posterior_p95, f
        assert f.posterior_p95 / f.posterior_p5 < f.prior_p95 / f.prior_p5  # it learnt
    assert not result.warnings


def test_no_measurement_leaves_every_result_unchanged():
    result = iw.calibrate(MODEL, [], n=N)
    assert result.calibration == "" and not any(f.informed for f in result.factors)
    plain, calibrated = iw.simulate(MODEL, n=N), iw.simulate(result, n=N)
    assert (plain.energy_wh == calibrated.energy_wh).all()
    assert capacity(n=N, calibration="").to_dict() == capacity(n=N).to_dict()


def test_a_calibration_of_another_node_does_not_touch_a_run_elsewhere():
    other = iw.calibrate(MODEL, [row("tokens_per_s", 9000, node="8xH200")], node="8xH200", n=N)
    assert (iw.simulate("baseline", n=N, calibration=other.calibration).energy_wh ==
            iw.simulate("baseline", n=N).energy_wh).all()


def test_a_single_precise_measurement_moves_the_posterior_median_to_it():
    measured_wh = 0.25
    result = iw.calibrate(MODEL, [row("wh_per_query", measured_wh, l_out=300, boundary="facility", r=1e-4)], n=N)
    sim = iw.simulate(result, n=N)
    d = sim.draws
    tps = api.tps(MODEL, 500, 300)
    at_measured_point = (d["pue"][MODEL] * d["util"][MODEL] * P_MAX_KW * 300 /
                         (3.6 * tps * d["tps_factor"][MODEL]))  # Eq. 1 of every trial at the measured L_out
    assert np.median(at_measured_point) == pytest.approx(measured_wh, rel=2e-3)
    assert result.rows[0].posterior_median == pytest.approx(measured_wh, rel=1e-4)


def test_a_gpu_only_measurement_leaves_pue_as_drawn_and_reads_the_gpu_share():
    kw = 5.0
    result = iw.calibrate(MODEL, [row("node_kw", kw, None, None, "gpu", r=1e-4)], n=N)
    pue = {f.factor: f for f in result.factors}["pue"]
    assert not pue.informed
    plain, calibrated = iw.simulate(MODEL, n=N), iw.simulate(result, n=N)
    assert (calibrated.draws["pue"][MODEL] == plain.draws["pue"]).all()
    assert (calibrated.draws["tps_factor"][MODEL] == 1).all()  # nor the throughput
    util = {f.factor: f for f in result.factors}["node_power"]
    assert util.posterior_median == pytest.approx(kw / (0.7 * P_MAX_KW), rel=1e-3)


def test_contradicting_rows_and_a_row_far_from_the_prior_are_reported():
    result = iw.calibrate(MODEL, [row("tokens_per_s", 1000, r=0.02), row("tokens_per_s", 4000, r=0.02)], n=N)
    assert sum("contradicts the other measurements" in w for w in result.warnings) == 2
    far = iw.calibrate(MODEL, [row("tokens_per_s", api.tps(MODEL, 500, 350) * 100)], n=N)
    assert any("outside the method's P1-P99" in w for w in far.warnings)
    fine = iw.calibrate(MODEL, [row("tokens_per_s", api.tps(MODEL, 500, 350) * 1.1)], n=N)
    assert not fine.warnings


ISSUE_EXAMPLE = [row("wh_per_query", 0.30, boundary="facility", r=0.1), row("tokens_per_s", 2900),
                 row("node_kw", 9.1, None, None)]


def test_golden_calibration_of_the_issue_example():
    """Golden numbers (seed 1, 10,000 trials) of the issue's operator: 0.30 Wh at 350 output tokens, 2,900 tokens/s,
    9.1 kW on 8xH100. Together they imply a PUE just under 1 (9.1 kW x 350 / 2,900 / 3.6 = 0.305 Wh at the wall):
    the posterior pulls PUE down and the other two up."""
    result = iw.calibrate(MODEL, ISSUE_EXAMPLE)
    f = {x.factor: x for x in result.factors}
    assert f["throughput"].posterior_median == pytest.approx(1.704261759147688, rel=1e-9)
    assert f["node_power"].posterior_median == pytest.approx(0.8609968386602296, rel=1e-9)
    assert f["pue"].posterior_median == pytest.approx(1.1185118733208042, rel=1e-9)
    assert result.headline[0]["median_wh_before"] == pytest.approx(0.3902100751922002, rel=1e-12)
    assert result.headline[0]["median_wh_after"] == pytest.approx(0.28889306616022503, rel=1e-9)
    assert iw.simulate(result).stats["median"] == pytest.approx(0.28889306616022503, rel=1e-9)


def test_a_calibrated_pue_reaches_the_fleets_deployments():
    result = iw.calibrate(MODEL, [row("node_kw", 8.0, None, None, "facility", r=0.01),
                                  row("node_kw", 6.0, None, None, "node", r=0.01)], n=N)
    pue = {x.factor: x for x in result.factors}["pue"]
    assert pue.posterior_median == pytest.approx(8 / 6, rel=0.02)
    runs = api.fleet_runs(model=[result], n=N)
    assert np.median(runs.deployment_pue) == pytest.approx(8 / 6, rel=0.03)
    plain = api.fleet_runs(model=MODEL, n=N)
    assert (plain.deployment_pue == plain.deployments["pue"]).all()
    # one model: each deployment's PUE is the posterior marginal at the deployment's own PUE uniform
    (posterior,) = api.calibrations({"calibration": result.calibration}).values()
    u = api.draw_uniforms(("pue",), runs.params["deployment_draws"], 1, api.DEPLOYMENT_VARIABLE_IDS)["pue"]
    marginal = np.exp(posterior.posterior.mean[2] + posterior.posterior.sd[2] * ndtri(u))
    assert runs.deployment_pue == pytest.approx(marginal, rel=1e-12)
    # the fleet's total is the facility's: each deployment's PUE times the same energy at PUE 1
    assert runs.deployment_base_wh == pytest.approx(runs.deployment_pue * runs._it_by_model_wh()[0], rel=1e-12)


def test_a_calibrated_throughput_reaches_capacity_and_the_single_configuration():
    result = iw.calibrate(MODEL, [row("tokens_per_s", 2 * api.tps(MODEL, 500, 350), r=1e-4)], n=N)
    assert api.tps(result, 500, 350) == pytest.approx(2 * api.tps(MODEL, 500, 350), rel=1e-3)
    assert api.energy_wh(result, 350, 0.7, 1.2) == pytest.approx(api.energy_wh(MODEL, 350, 0.7, 1.2) / 2, rel=1e-3)
    plain, fast = capacity(model=MODEL, n=N), capacity(model=[result], n=N)
    assert fast.nodes == pytest.approx(plain.nodes / 2, rel=0.01)


def test_a_calibrated_run_needs_the_drawn_node_power_and_hdr():
    result = iw.calibrate(MODEL, [row("tokens_per_s", 2900)], n=N)
    with pytest.raises(InputError, match="pnode_model"):
        iw.simulate(result, n=N, pnode_model="linear_tps")
    with pytest.raises(InputError, match="rng"):
        iw.simulate(result, n=N, rng="paper")
    with pytest.raises(InputError, match=r"the node Llama 3\.1 405B was calibrated on"):
        iw.simulate(result, n=N, node="8xH200")


def test_sensitivity_of_a_calibrated_model_lists_its_throughput_factor():
    result = iw.calibrate(MODEL, ISSUE_EXAMPLE, n=N)
    inputs = [r.input for r in iw.sensitivity(result, n=N).rows]
    assert "throughput factor (calibrated)" in inputs and "pnode_model" not in inputs


# ---------------------------------------------------------------- telemetry and files


def test_a_telemetry_log_gives_mean_power_and_throughput_by_hand():
    log = [{"model": MODEL, "node": NODE, "timestamp_s": t, "power_w": w, "input_tokens": i, "output_tokens": o,
            "requests": q, "boundary": "gpu", "source": "dcgm"}
           for t, w, i, o, q in ((0, 4000, 0, 0, 0), (10, 5000, 5000, 3000, 10), (20, 6000, 5000, 3600, 10),
                                 (40, 6000, 10000, 6000, 20))]
    rate, power = calibration.telemetry_measurements(log)
    # trapezoids: (4.5 x 10 + 5.5 x 10 + 6 x 20) kW s over 40 s = 5.5 kW; 12,600 tokens over 40 s = 315 tokens/s
    assert power.quantity == "node_kw" and power.value == pytest.approx(5.5) and power.boundary == "gpu"
    assert rate.value == pytest.approx(315.0)
    assert (rate.l_in_tokens, rate.l_out_tokens) == (500.0, 315.0)
    rates = np.array([300.0, 360.0, 300.0])
    assert rate.rel_uncertainty == pytest.approx(np.std(rates, ddof=1) / math.sqrt(3) / rates.mean())
    watts = np.array([4500.0, 5500.0, 6000.0])
    scatter = np.std(watts, ddof=1) / math.sqrt(3) / watts.mean()
    assert power.rel_uncertainty == pytest.approx(scatter) and power.plus_instrument
    # read with the run's instrument uncertainty (NVML's 5 % by default, or the user's)
    assert calibration.reading(power, api.resolve_params()).sigma == pytest.approx(math.log1p(math.hypot(0.05,
                                                                                                          scatter)))
    mine = api.resolve_params({"measurement_rel_uncertainty": 0.2})
    assert calibration.reading(power, mine).sigma == pytest.approx(math.log1p(math.hypot(0.2, scatter)))
    assert calibration.reading(rate, mine).sigma == pytest.approx(math.log1p(rate.rel_uncertainty))


def test_files_are_read_and_bad_rows_name_file_row_and_column(tmp_path):
    good = tmp_path / "mine.csv"
    good.write_text(",".join(calibration.MEASUREMENT_COLUMNS) + "\n" +
                    f"{MODEL},{NODE},tokens_per_s,2900,500,350,node,0.05,my lab\n", encoding="utf-8")
    assert calibration.read_measurements(good)[0].value == 2900
    cases = {"wh_per_qury,0.3,500,350,node,,x": "mine.csv, row 2: quantity must be one of",
             "tokens_per_s,-3,500,350,node,,x": "mine.csv, row 2: value must be a number > 0",
             "wh_per_query,0.3,500,,facility,,x": "row 2: l_out_tokens must be a number > 0, got 'an empty cell'",
             "node_kw,5,,,wall,,x": "row 2: boundary must be one of gpu, node, facility"}
    for cells, message in cases.items():
        bad = tmp_path / "mine.csv"
        bad.write_text(",".join(calibration.MEASUREMENT_COLUMNS) + f"\n{MODEL},{NODE},{cells}\n", encoding="utf-8")
        with pytest.raises(InputError, match=message):
            iw.calibrate(MODEL, bad)
    cut = tmp_path / "cut.csv"
    cut.write_text(",".join(calibration.MEASUREMENT_COLUMNS) + f"\n{MODEL},{NODE},node_kw\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"cut\.csv, row 2"):
        iw.calibrate(MODEL, cut)
    with pytest.raises(InputError, match="the model being calibrated"):
        iw.calibrate(MODEL, [row("tokens_per_s", 100, model="DeepSeek-R1", node="10xH100")])


# ---------------------------------------------------------------- faces


def test_cli_calibrate_json_and_calibration_on_a_run(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text(",".join(calibration.MEASUREMENT_COLUMNS) + "\n" + "\n".join(
        ",".join("" if r[c] is None else str(r[c]) for c in calibration.MEASUREMENT_COLUMNS) for r in ISSUE_EXAMPLE)
        + "\n", encoding="utf-8")
    assert cli.main(["calibrate", "--measured", str(path), "--json", "--n", str(N)]) == 0
    out = json.loads(capsys.readouterr().out)
    text = out["calibration"]
    assert out["calibrations"][0]["model"] == MODEL and text.startswith("IW-CALIBRATION-1")
    assert cli.main(["simulate", "--model", MODEL, "--n", str(N), "--calibration", str(path), "--json"]) == 0
    by_file = json.loads(capsys.readouterr().out)
    assert cli.main(["simulate", "--model", MODEL, "--n", str(N), "--set", f"calibration={text}", "--json"]) == 0
    by_set = json.loads(capsys.readouterr().out)
    expected = iw.simulate(iw.calibrate(MODEL, ISSUE_EXAMPLE), n=N).stats["median"]
    assert by_file["median_wh"] == by_set["median_wh"] == pytest.approx(expected, rel=1e-12)
    assert by_file["calibrated"] == {MODEL: NODE}
    for command in (["impacts"], ["capacity"], ["fleet"], ["sensitivity"], ["hardware", "--model", MODEL],
                    ["tps", "--model", MODEL, "--lout", "350"], ["energy", "--model", MODEL, "--lout", "350"]):
        assert cli.main([*command, "--calibration", str(path), "--n" if command[0] not in ("tps", "energy") else
                         "--lin", "1000" if command[0] not in ("tps", "energy") else "500"]) == 0, command
        capsys.readouterr()
    assert cli.main(["calibrate", "--measured", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_iw_calibrate_takes_a_range_as_xlwings_passes_it_and_its_text_is_a_model():
    header = list(calibration.MEASUREMENT_COLUMNS)
    cells = [[r[c] if r[c] is not None else None for c in header] for r in ISSUE_EXAMPLE]
    cells = [[float(v) if isinstance(v, (int, float)) else v for v in r] for r in cells]
    table = udf.IW_CALIBRATE(MODEL, [header, *cells, [None] * 9])
    assert table[0][0] == "calibration" and table[0][1].startswith("IW-CALIBRATION-1")
    assert len({len(r) for r in table}) == 1  # a rectangle: Excel spills it whole
    text = table[0][1]
    expected = iw.impacts(iw.calibrate(MODEL, ISSUE_EXAMPLE)).stat("energy_wh", "median")
    assert udf.IW_STAT(text, "energy_wh", "median") == pytest.approx(expected, rel=1e-12)
    assert udf.IW_STAT(MODEL, "energy_wh", "median", None, [table[0][:2]]) == pytest.approx(expected, rel=1e-12)
    assert udf.IW_MONTECARLO(text)[1][1] == pytest.approx(expected, rel=1e-12)
    one_row = udf.IW_CALIBRATE(MODEL, cells[1])  # one row arrives as a flat list
    assert one_row[0][1].startswith("IW-CALIBRATION-1")


@pytest.mark.parametrize(("call", "message"), [
    (lambda: udf.IW_CALIBRATE(MODEL, None), "#IW! measurements must be a 9-column range"),
    (lambda: udf.IW_CALIBRATE(MODEL, [[1.0, 2.0]]), "#IW! measurements must be a 9-column range"),
    (lambda: udf.IW_CALIBRATE(MODEL, [[MODEL, NODE, "watts", 1.0, 500.0, 350.0, "node", None, None]]),
     "#IW! measurements, row 1: quantity must be one of"),
    (lambda: udf.IW_CALIBRATE(MODEL, [[MODEL, NODE, "node_kw", True, None, None, "node", None, None]]),
     "#IW! measurements, row 1: value"),
    (lambda: udf.IW_CALIBRATE(MODEL, [[MODEL, NODE, "node_kw", float("nan"), None, None, "node", None, None]]),
     "#IW! measurements, row 1: value"),
    (lambda: udf.IW_CALIBRATE(MODEL, [[MODEL, NODE, "node_kw", 5.0, None, None, "outside", None, None]]),
     "#IW! measurements, row 1: boundary must be one of gpu, node, facility"),
    (lambda: udf.IW_STAT("IW-CALIBRATION-1 | x", "energy_wh", "median"), "#IW! model must be"),
    (lambda: udf.IW_STAT(MODEL, "energy_wh", "median", None, [["calibration", "nonsense"]]),
     "#IW! calibration must be"),
])
def test_iw_calibrate_bad_input_is_one_line(call, message):
    out = call()
    assert isinstance(out, str) and out.startswith(message), out


def test_the_left_out_z_in_closed_form_equals_updating_without_each_row():
    """(y - a m) / sqrt(sigma^2 - a S a') with the posterior of all rows (the engine's and the Calibration sheet's
    z_others) equals each row's predictive z under the posterior of the others, computed by updating without it."""
    rows = [row("wh_per_query", 0.3, boundary="facility", r=0.1), row("tokens_per_s", 2900), row("node_kw", 9.1, None,
                                                                                                   None)]
    params = api.resolve_params()
    readings = [calibration.reading(calibration.measurement(r), params) for r in rows]
    design = np.array([r.design for r in readings])
    logs = np.array([math.log(r["value"]) - x.constant for r, x in zip(rows, readings, strict=True)])
    sigmas = np.array([x.sigma for x in readings])
    before = api.log_prior(params)
    after = cm.update(before, design, logs, sigmas)
    by_update = []
    for i in range(len(rows)):
        others = np.arange(len(rows)) != i
        belief = cm.update(before, design[others], logs[others], sigmas[others])
        by_update.append(cm.predictive_z(belief, design[i:i + 1], logs[i:i + 1], sigmas[i:i + 1])[0])
    assert cm.left_out_z(after, design, logs, sigmas) == pytest.approx(by_update, rel=1e-9)
