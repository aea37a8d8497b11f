"""Property-based tests of every face: whatever a user types, an answer or one clear line, never a
traceback, never NaN or infinity, JSON always strict. Bounded so the suite stays fast."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import inferwatt_xl as iw
from inferwatt_xl import udf
from inferwatt_xl.cli import main
from inferwatt_xl.errors import InferWattError

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12),
                    st.sampled_from([0, 1, -1, 0.5, 1e-320, 1e308, 300.0, 5000.0, 1.2, 0.7]))
texts = st.one_of(st.text(max_size=40), st.sampled_from(["baseline", "Llama 3.1 405B", "mixtral", "tts",
                                                         "traditional", "=cmd|' /C calc'!A0", "split", "x" * 5000]))
cells = st.one_of(st.none(), st.booleans(), numbers, texts)
ranges = st.lists(st.lists(cells, min_size=1, max_size=3), min_size=1, max_size=3)
trials = st.one_of(st.none(), st.integers(-5, 3000), st.sampled_from([0.5, "10", True, math.nan]))
anything = st.one_of(cells, ranges)


def is_clean_cell(value) -> bool:
    """A finite number, one readable '#IW!' line, text, a boolean, or a table of those."""
    if isinstance(value, list):
        return all(is_clean_cell(v) for row in value for v in (row if isinstance(row, list) else [row]))
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value)
    if isinstance(value, str):
        return not value.startswith("#IW!") or ("\n" not in value and len(value) <= udf.MAX_ERROR_CHARS)
    return False


@FAST
@given(model=anything, lout=anything, util=anything, pue=anything, lin=anything)
def test_iw_energy_and_tps_never_raise_or_return_non_finite(model, lout, util, pue, lin):
    assert is_clean_cell(udf.IW_ENERGY(model, lout, util, pue, lin))
    assert is_clean_cell(udf.IW_TPS(model, lin, lout))


@FAST
@given(model=anything, regime=anything, n=trials, seed=anything, lever=anything, p5=anything, p95=anything,
       reading=anything, lin=anything, median=anything)
def test_iw_montecarlo_and_samples_never_raise(model, regime, n, seed, lever, p5, p95, reading, lin, median):
    assert is_clean_cell(udf.IW_MONTECARLO(model, regime, n, seed, lever, p5, p95, reading, lin, median))
    assert is_clean_cell(udf.IW_SAMPLES(model, regime, n, seed, lever, p5, p95, reading, lin, median))


@settings(max_examples=40, deadline=None)
@given(model=anything, regime=anything, target=anything, overrides=anything, n=st.sampled_from([None, 0, 50, "x"]))
def test_iw_hardware_and_sensitivity_never_raise(model, regime, target, overrides, n):
    assert is_clean_cell(udf.IW_HARDWARE(model, n))
    rows = [["n_trials", 50.0]] if overrides is None else overrides
    assert is_clean_cell(udf.IW_SENSITIVITY(model, regime, target, rows))


@FAST
@given(queries=anything, share=anything, improved=anything, n=trials, seed=anything, a=anything, b=anything,
       c=anything, d=anything, node=anything)
def test_iw_fleet_and_beta_never_raise(queries, share, improved, n, seed, a, b, c, d, node):
    assert is_clean_cell(udf.IW_FLEET(queries, share, improved, n, seed))
    assert is_clean_cell(udf.IW_BETA(a, b, c, d, node))


parameter_rows = st.lists(st.tuples(st.sampled_from(["region", "carbon_intensity_g_per_kwh", "price_usd_per_kwh_p95",
                                                     "water_intensity_l_per_kwh", "hardware_usd_per_node",
                                                     "hardware_lifetime_years", "wue_l_per_kwh_p5", "n_trials"]),
                                    cells).map(list), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(model=anything, measure=anything, stat=anything, regime=anything, rows=st.one_of(parameter_rows, anything),
       n=st.sampled_from([None, 0, 60, "x", 1e9]), seed=anything)
def test_iw_stat_impacts_and_capacity_never_raise(model, measure, stat, regime, rows, n, seed):
    assert is_clean_cell(udf.IW_STAT(model, measure, stat, regime, rows, n, seed))
    assert is_clean_cell(udf.IW_IMPACTS(model, regime, rows, n, seed))
    assert is_clean_cell(udf.IW_CAPACITY(1e6, 0.2, rows, None, 60 if n is None else n, seed))


scenario_rows = st.lists(st.tuples(st.one_of(st.sampled_from(["ref", "b"]), cells),
                                   st.one_of(st.sampled_from(["lever", "node", "region", "tts_share", "seed",
                                                              "model", "pue_p5"]), cells),
                                   st.one_of(st.sampled_from(["serving", "8xB200", "DEU", 0.2, 2.0]), cells)
                                   ).map(list), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(rows=st.one_of(scenario_rows, anything), overrides=st.one_of(parameter_rows, anything),
       n=st.sampled_from([None, 0, 30, "x", 1e9, math.nan]), seed=anything)
def test_iw_compare_never_raises(rows, overrides, n, seed):
    assert is_clean_cell(udf.IW_COMPARE(rows, overrides, n, seed))


measurement_rows = st.lists(st.tuples(
    st.one_of(st.just("Llama 3.1 405B"), cells), st.one_of(st.sampled_from(["8xH100", "", "8xB200"]), cells),
    st.one_of(st.sampled_from(["wh_per_query", "tokens_per_s", "node_kw"]), cells),
    st.one_of(st.sampled_from([0.3, 2900.0, 9.1, 0.0, -1.0, 1e300]), cells),
    st.one_of(st.sampled_from([500.0, None, 0.0]), cells), st.one_of(st.sampled_from([350.0, None, 1e9]), cells),
    st.one_of(st.sampled_from(["gpu", "node", "facility", None]), cells),
    st.one_of(st.sampled_from([0.05, None, 0.0, 1e-12]), cells), cells).map(list), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None)
@given(model=st.one_of(st.just("Llama 3.1 405B"), anything), rows=st.one_of(measurement_rows, anything),
       overrides=st.one_of(parameter_rows, anything), n=st.sampled_from([None, 0, 30, "x", math.nan]))
def test_iw_calibrate_never_raises_and_its_text_is_a_model(model, rows, overrides, n):
    out = udf.IW_CALIBRATE(model, rows, None, overrides, n)
    assert is_clean_cell(out)
    if isinstance(out, list) and str(out[0][1]).startswith("IW-CALIBRATION"):  # a posterior: usable as a model
        assert is_clean_cell(udf.IW_STAT(out[0][1], "energy_wh", "median", None, None, 30))


def _numbers(value) -> list[float]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return [float(value)] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


@settings(max_examples=60, deadline=None)
@given(region=anything, price=anything, carbon=anything, water=anything, hardware=anything, life=anything,
       queries=anything, share=anything)
def test_api_impacts_and_capacity_answer_or_raise_our_error(region, price, carbon, water, hardware, life, queries,
                                                            share):
    from inferwatt_xl.impacts import capacity, impacts

    overrides = {"region": region, "price_usd_per_kwh_p95": price, "carbon_intensity_g_per_kwh": carbon,
                 "water_intensity_l_per_kwh": water, "hardware_usd_per_node": hardware,
                 "hardware_lifetime_years": life}
    for call in (lambda: impacts("baseline", "tts", 100, 1, **overrides),
                 lambda: capacity(queries, share, n=100, deployment_draws=50, **overrides)):
        try:
            result = call()
        except InferWattError as err:
            assert "\n" not in str(err)
            continue
        data = result.to_dict()
        json.dumps(data, allow_nan=False)
        assert all(math.isfinite(v) for v in _numbers(data))


def _api_result_is_finite(call) -> None:
    try:
        result = call()
    except InferWattError as err:
        assert "\n" not in str(err)
        return
    values = result.stats.values() if hasattr(result, "stats") else [getattr(result, "gwh_per_day", result)]
    assert all(math.isfinite(v) for v in values)


@FAST
@given(model=anything, regime=anything, n=trials, seed=anything, lever=anything, pue_p95=anything, median=anything)
def test_api_simulate_answers_or_raises_our_error(model, regime, n, seed, lever, pue_p95, median):
    _api_result_is_finite(lambda: iw.simulate(model, regime, n, seed, lever=lever, l_out_median_tokens=median,
                                              pue_p95=pue_p95))


@FAST
@given(model=anything, lout=anything, util=anything, pue=anything, lin=anything, queries=anything, share=anything)
def test_api_energy_tps_fleet_answer_or_raise_our_error(model, lout, util, pue, lin, queries, share):
    _api_result_is_finite(lambda: iw.energy_wh(model, lout, util, pue, lin))
    _api_result_is_finite(lambda: iw.tps(model, lin, lout))
    _api_result_is_finite(lambda: iw.fleet(queries, share, n=200))


cli_values = st.one_of(st.sampled_from(["0", "-1", "1e308", "1e-320", "nan", "inf", "abc", "", "300", "0.5",
                                        "baseline", "mixtral", "tts", "=1+1"]), st.text(max_size=12))


@FAST
@given(data=st.data())
def test_cli_gives_strict_json_or_one_line(capsys, data):
    command = data.draw(st.sampled_from([
        ["simulate", "--model", "{}", "--regime", "{}", "--n", "{}", "--seed", "{}"],
        ["simulate", "--lout-median", "{}", "--n", "50", "--lever", "{}"],
        ["tps", "--model", "{}", "--lin", "{}", "--lout", "{}"],
        ["energy", "--model", "{}", "--lout", "{}", "--util", "{}", "--pue", "{}"],
        ["fleet", "--queries", "{}", "--tts-share", "{}", "--n", "60", "--node", "{}"],
        ["hardware", "--model", "{}", "--n", "50", "--seed", "{}"],
        ["sensitivity", "--model", "{}", "--regime", "{}", "--target", "{}", "--n", "50"],
        ["impacts", "--model", "{}", "--region", "{}", "--price-usd-per-kwh", "{}", "--n", "50"],
        ["capacity", "--queries", "{}", "--tts-share", "{}", "--set", "{}", "--n", "50"],
        ["beta"], ["models"], ["nodes"], ["params"], ["regions"],
    ]))
    args = [data.draw(cli_values) if a == "{}" else a for a in command]
    if "--n" in args and args[args.index("--n") + 1] not in ("50", "60") and args[0] in ("simulate",):
        args[args.index("--n") + 1] = data.draw(st.sampled_from(["0", "-3", "abc", "100"]))
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), (args, code)
    if code == 0:
        json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(AssertionError(f"{c} in JSON")))
    else:
        assert err.count("\n") == 1 and "Traceback" not in err, err
