"""The Excel functions, called as xlwings calls them: results equal the engine's; bad input is a '#IW!' line."""

import math

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import udf

LOUT_RANGE = "#IW! Lout must be a number > 0 and <= 1e+07, got "


def test_energy_and_tps_equal_the_engine():
    assert udf.IW_ENERGY("Llama 3.1 405B", 300.0, 0.7, 1.2) == iw.energy_wh("Llama 3.1 405B", 300, 0.7, 1.2)
    assert udf.IW_ENERGY("mixtral", 300.0, 0.7, 1.2, 1000.0) == iw.energy_wh("mixtral", 300, 0.7, 1.2, 1000)
    assert udf.IW_TPS("DeepSeek-R1", 500.0, 300.0) == iw.tps("DeepSeek-R1", 500, 300)


def test_montecarlo_table_shape_and_values():
    table = udf.IW_MONTECARLO("baseline", "tts", 2000.0, 3.0)
    assert [row[0] for row in table] == ["statistic", "median", "mean", "p5", "p25", "p75", "p95"]
    assert table[0] == ["statistic", "Wh_per_query"] and all(len(r) == 2 for r in table)
    stats = iw.simulate("baseline", "tts", 2000, 3).stats
    assert {k: v for k, v in table[1:]} == stats


def test_montecarlo_overrides_reach_the_engine():
    table = udf.IW_MONTECARLO("Llama 3.1 405B", "traditional", 1000.0, 1.0, "hardware", 1.1, 1.5, "p5p95", 1000.0,
                              400.0)
    expected = iw.simulate("Llama 3.1 405B", "traditional", 1000, 1, lever="hardware", pue_p5=1.1, pue_p95=1.5,
                           pnode_reading="p5p95", l_in_tokens=1000, l_out_median_tokens=400).stats
    assert dict(table[1:]) == expected


def test_range_of_models_is_their_mixture_and_skips_empty_cells():
    rng = [["Llama 3.1 405B"], ["Mixtral 8x22B"], [None]]
    table = udf.IW_MONTECARLO(rng, "traditional", 1000.0, 1.0)
    assert dict(table[1:]) == iw.simulate(["Llama 3.1 405B", "Mixtral 8x22B"], n=1000, seed=1).stats
    assert udf.IW_MONTECARLO(["Llama 3.1 405B", "Mixtral 8x22B"], "traditional", 1000.0, 1.0) == table


def test_samples_column_equals_engine_draws():
    column = udf.IW_SAMPLES("baseline", "traditional", 500.0, 2.0)
    assert len(column) == 1500 and all(len(r) == 1 for r in column)
    np.testing.assert_array_equal([r[0] for r in column], iw.simulate("baseline", n=500, seed=2).energy_wh)


def test_fleet_and_beta_equal_the_engine():
    assert udf.IW_FLEET(1e9, 0.1, True, 1000.0, 1.0) == iw.fleet(1e9, 0.1, True, n=1000, seed=1).gwh_per_day
    assert udf.IW_FLEET(1e9, None, None, 1000.0) == iw.fleet(1e9, n=1000).gwh_per_day
    assert udf.IW_BETA() == iw.beta().beta
    assert udf.IW_BETA(0.4, 1.0, 1.0, 1.0, "10xH100") == iw.beta(load_min_frac=0.4, node_redundancy=1.0,
                                                                 interconnect_overhead=1.0, beta_node="10xH100").beta


def test_catalogue_tables():
    models = udf.IW_MODELS()
    assert models[0][:2] == ["name", "node"] and len(models) == 1 + len(iw.catalogue.models())
    nodes = udf.IW_NODES()
    assert nodes[0][4] == "p_max_kw" and [row[0] for row in nodes[1:]] == list(iw.catalogue.nodes())
    params = udf.IW_PARAMS()
    assert params[0] == ["name", "label", "unit", "default", "allowed", "source"] and len(params) > 30
    assert udf.IW_VERSION() == iw.__version__


def test_argument_help_comes_from_the_parameter_declaration():
    assert udf._doc("l_in_tokens").startswith("Input tokens per query [tokens], default 500")


BAD_CALLS = [
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", -5.0, 0.7, 1.2), "#IW! Lout must be a number > 0 and <= 1e+07, got -5.0"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", 0.0, 0.7, 1.2), "#IW! Lout must be a number > 0 and <= 1e+07, got 0.0"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", math.nan, 0.7, 1.2), "#IW! Lout must be a number > 0, got nan"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", math.inf, 0.7, 1.2), LOUT_RANGE + "inf"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", "many", 0.7, 1.2), LOUT_RANGE + "'many'"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", None, 0.7, 1.2), "#IW! Lout must be a number > 0, got an empty cell"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", [[1.0], [2.0]], 0.7, 1.2), "#IW! Lout must be a number > 0 (one cell)"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", 300.0, 0.7, 0.8), "#IW! PUE must be a number >= 1 and <= 5, got 0.8"),
    (lambda: udf.IW_ENERGY("Llama 3.1 405B", 300.0, 1.7, 1.2), "#IW! util must be a number > 0 and <= 1, got 1.7"),
    (lambda: udf.IW_ENERGY("Lama 405B", 300.0, 0.7, 1.2), "did you mean 'Llama 3.1 405B'"),
    (lambda: udf.IW_ENERGY(None, 300.0, 0.7, 1.2), "#IW! model must be a model name"),
    (lambda: udf.IW_ENERGY(3.0, 300.0, 0.7, 1.2), "#IW! model must be a model name"),
    (lambda: udf.IW_TPS("Llama 3.1 405B", -1.0, 300.0), "#IW! Lin must be a number > 0 and <= 1e+07, got -1.0"),
    (lambda: udf.IW_MONTECARLO("baseline", "fast"), "#IW! regime must be 'traditional' or 'tts'"),
    (lambda: udf.IW_MONTECARLO("baseline", "tts", 5e6), "#IW! n must be a whole number >= 1 and <= 1e+06"),
    (lambda: udf.IW_MONTECARLO("baseline", "tts", -3.0), "#IW! n must be a whole number >= 1"),
    (lambda: udf.IW_MONTECARLO("baseline", "tts", 100.0, "x"), "#IW! seed must be a whole number >= 0"),
    (lambda: udf.IW_MONTECARLO([[None], [None]], "tts"),
     "#IW! model must be a model name, 'baseline', a range of model names"),
    (lambda: udf.IW_MONTECARLO([["gpt-9"]], "tts"), "#IW! model must be a model of the catalogue"),
    (lambda: udf.IW_MONTECARLO("baseline", "tts", 100.0, 1.0, None, 0.5), "#IW! PUE_P5 must be a number >= 1"),
    (lambda: udf.IW_MONTECARLO("baseline", "tts", 100.0, 1.0, None, None, None, "mean"),
     "#IW! Pnode_reading must be one of 'split'"),
    (lambda: udf.IW_SAMPLES("baseline", "tts", 0.0), "#IW! n must be a whole number >= 1"),
    (lambda: udf.IW_FLEET(-1.0), "#IW! queries_per_day must be a number > 0 and <= 1e+13, got -1.0"),
    (lambda: udf.IW_FLEET(None), "#IW! queries_per_day must be a number > 0 and <= 1e+13, got an empty cell"),
    (lambda: udf.IW_FLEET(1e9, 2.0), "#IW! tts_share must be a number >= 0 and <= 1, got 2.0"),
    (lambda: udf.IW_FLEET(1e9, 0.1, "maybe"), "#IW! improved must be TRUE or FALSE, got 'maybe'"),
    (lambda: udf.IW_BETA(0.0), "#IW! load_min must be a number >= 0.01 and <= 1, got 0.0"),
    (lambda: udf.IW_BETA(0.9, 0.5), "#IW! load_max must be a number >= load_min_frac"),
    (lambda: udf.IW_BETA(None, None, None, None, "1xH100"), "#IW! node must be one of '8xH100', '10xH100'"),
]


@pytest.mark.parametrize(("call", "message"), BAD_CALLS)
def test_bad_input_returns_one_iw_line_and_never_raises(call, message):
    result = call()
    assert isinstance(result, str) and result.startswith("#IW! ") and "\n" not in result
    assert message in result


def test_memoised_results_are_the_same_numbers():
    udf.clear_memo()
    first = udf.IW_MONTECARLO("baseline", "traditional", 3000.0, 9.0)
    second = udf.IW_MONTECARLO("baseline", "traditional", 3000.0, 9.0)
    assert first == second
    assert udf._montecarlo.hits >= 1
    first[1][1] = -1  # a caller editing its copy must not change the memo
    assert udf.IW_MONTECARLO("baseline", "traditional", 3000.0, 9.0)[1][1] > 0


def test_cached_draws_cannot_be_mutated():
    u = iw.api.draw_uniforms(["l_out"], 10, 1)["l_out"]
    with pytest.raises(ValueError):
        u[0] = 0.5


# ---------------------------------------------------------------- hardening (issue 8)


def test_results_do_not_depend_on_call_history():
    """TRUE is not 1 in a memo key: the answer to a call is the same whatever came before it."""
    udf.clear_memo()
    as_bool = udf.IW_ENERGY("Llama 3.1 405B", 300.0, True, 1.2)
    assert as_bool.startswith("#IW! util")
    assert isinstance(udf.IW_ENERGY("Llama 3.1 405B", 300.0, 1, 1.2), float)
    assert udf.IW_ENERGY("Llama 3.1 405B", 300.0, True, 1.2) == as_bool
    udf.clear_memo()
    seed_true = udf.IW_MONTECARLO("Llama 3.1 405B", "traditional", 100.0, True)
    udf.clear_memo()
    udf.IW_MONTECARLO("Llama 3.1 405B", "traditional", 100.0, 1.0)
    assert udf.IW_MONTECARLO("Llama 3.1 405B", "traditional", 100.0, True) == seed_true


def test_ranges_of_any_shape_give_a_line_not_an_internal_error():
    for weird in ([[["Llama 3.1 405B"]]], [[{"a": 1}]], [[1.0, [2.0]]]):
        result = udf.IW_MONTECARLO(weird, "traditional", 100.0)
        assert isinstance(result, (str, list))
        if isinstance(result, str):
            assert result.startswith("#IW!") and "internal error" not in result


def test_samples_fit_an_excel_column():
    result = udf.IW_SAMPLES("baseline", "tts", 1_000_000.0)
    assert result.startswith("#IW! n must be at most 349,525 for 3 model(s)")
    assert len(udf.IW_SAMPLES("Llama 3.1 405B", "tts", 1000.0)) == 1000


def test_memo_is_bounded_by_bytes():
    udf.clear_memo()
    memo = udf.Memo(lambda i: np.zeros(1000), max_bytes=10_000)
    for i in range(50):
        memo(i)
    assert memo.bytes <= 10_000 and len(memo.entries) == 1
    for i in range(3):
        udf.IW_SAMPLES("Llama 3.1 405B", "traditional", 100_000.0, float(i + 1))
    assert udf._samples.bytes <= udf.MEMO_BYTES


def test_error_lines_fit_a_cell():
    result = udf.IW_ENERGY("x" * 1_000_000, 300.0, 0.7, 1.2)
    assert result.startswith("#IW! model must be") and len(result) <= udf.MAX_ERROR_CHARS


def test_a_broken_data_file_is_reported_in_every_cell_not_at_import(monkeypatch):
    import importlib

    from inferwatt_xl import catalogue
    from inferwatt_xl.errors import DataError

    def broken():
        raise DataError("parameters.csv", 5, "default", "a number", "abc")

    monkeypatch.setattr(catalogue, "parameters", broken)
    fresh = importlib.reload(udf)
    try:
        assert fresh.IW_ENERGY("Llama 3.1 405B", 300.0, 0.7, 1.2).startswith("#IW! data error: parameters.csv, row 5")
        assert fresh.IW_PARAMS().startswith("#IW! data error")
    finally:
        monkeypatch.undo()
        importlib.reload(udf)


def test_seed_and_n_reach_the_engine_by_every_route():
    """One route from cells to parameters: seed and n_trials in overrides behave as their own cells (a cell wins),
    and an empty cell lets the preset decide (42 under paper_v2)."""
    by_cell = udf.IW_STAT("baseline", "energy_wh", "median", "traditional", None, 500, 7)
    in_range = (("seed", 7.0), ("n_trials", 500.0))
    assert udf.IW_STAT("baseline", "energy_wh", "median", "traditional", in_range) == by_cell
    assert by_cell == iw.simulate("baseline", "traditional", 500, 7).stats["median"]
    assert udf.IW_STAT("baseline", "energy_wh", "median", "traditional", (("seed", 3.0),), 500, 7) == by_cell
    for call in (lambda o: udf.IW_CAPACITY(1e9, 0.1, o), lambda o: udf.IW_HARDWARE("mixtral", None, None, o),
                 lambda o: udf.IW_FLEET(1e9, 0.1, False, None, None, o)):
        assert not isinstance(call((("seed", 7.0), ("n_trials", 300.0))), str)
    exact = udf.IW_MONTECARLO("baseline", "tts", overrides=(("preset", "paper_v2"), ("rng", "paper")))
    assert round(exact[1][1], 3) == 3.907  # the Joule code's test-time-scaling median (SPEC Sec. 2b)


def test_a_one_row_overrides_range_as_xlwings_passes_it_and_a_repeated_name_refused():
    one_row = udf.IW_STAT("baseline", "carbon_g", "median", "traditional", ["region", "USA"], 500.0, 1.0)
    assert one_row == udf.IW_STAT("baseline", "carbon_g", "median", "traditional", [["region", "USA"]], 500.0, 1.0)
    assert one_row != udf.IW_STAT("baseline", "carbon_g", "median", "traditional", None, 500.0, 1.0)
    twice = udf.IW_STAT("baseline", "carbon_g", "median", "traditional", [["region", "USA"], ["region", "DEU"]])
    assert twice.startswith("#IW! overrides must be each parameter in one row only")
