"""The Python API: names, determinism, monotonicity, errors, and the shipped data end to end."""

import math

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import catalogue
from inferwatt_xl.errors import DataError, InputError


def test_shipped_data_loads_and_is_consistent():
    params = catalogue.parameters()
    assert len(params) >= 30 and all(p.source and p.unit for p in params.values())
    assert catalogue.nodes()["8xH100"].p_max_kw == 10.2  # the authors' Joule code (v1's text: 11.3, a preset)
    assert catalogue.nodes()["10xH100"].p_max_kw == 12.8
    assert set(catalogue.baseline_models()) == {"DeepSeek-R1", "Llama 3.1 405B", "Llama-3.1 Nemotron Ultra 253B"}
    for rows, counts in (("s1", {"DeepSeek-R1": 3, "Llama 3.1 405B": 13, "Llama-3.1 Nemotron Ultra 253B": 2,
                                 "Mixtral 8x22B": 9, "Llama 3.1 70B": 11}),  # the v1 Supplement S.I as tabulated
                         ("code", {"DeepSeek-R1": 3, "Llama 3.1 405B": 7, "Llama-3.1 Nemotron Ultra 253B": 2,
                                   "Mixtral 8x22B": 5, "Llama 3.1 70B": 5})):  # the authors' FP8 rows
        b = catalogue.benchmarks(rows)
        paper = b.nodes() == np.array([catalogue.models()[m].node for m in b.model])
        assert paper.sum() == sum(counts.values()) and all(b.source)
        assert {m: int((b.model[paper] == m).sum()) for m in catalogue.workbook_models()} == counts
    assert catalogue.benchmarks().tps_tokens_per_s.tolist() == catalogue.benchmarks("code").tps_tokens_per_s.tolist()
    assert (~paper).sum() == 78 and set(b.nodes()[~paper]) == {"8xH200", "8xB200", "4xGB200"}
    assert len(catalogue.paper_figures()) == 20


# names compare without case, spaces, dashes and underscores, mixed as a user types them (no alias lists these)
@pytest.mark.parametrize("name", ["llama-3.1-405b", "LLAMA 3.1 405B", "llama_3.1_405b", " Llama 3.1 405B ",
                                  "Llama-3.1 405B", "llama 3.1_405-b"])
def test_model_names_match_case_insensitively_and_by_alias(name):
    assert catalogue.find_model(name).name == "Llama 3.1 405B"


def test_unknown_model_lists_close_matches():
    with pytest.raises(InputError, match=r"model must be a model of the catalogue .*did you mean 'Mixtral 8x22B'"):
        iw.simulate("Mixtral 8x23B")


def test_simulate_is_deterministic_and_seed_dependent():
    a = iw.simulate("Llama 3.1 405B", "traditional", n=2000, seed=7)
    b = iw.simulate("Llama 3.1 405B", "traditional", n=2000, seed=7)
    c = iw.simulate("Llama 3.1 405B", "traditional", n=2000, seed=8)
    np.testing.assert_array_equal(a.energy_wh, b.energy_wh)
    assert not np.array_equal(a.energy_wh, c.energy_wh)
    g1 = iw.simulate("Llama 3.1 405B", n=2000, seed=np.random.default_rng(5)).energy_wh
    g2 = iw.simulate("Llama 3.1 405B", n=2000, seed=np.random.default_rng(5)).energy_wh
    np.testing.assert_array_equal(g1, g2)


def test_seed_zero_is_a_seed_not_the_default():
    assert iw.simulate(n=500, seed=0).stats != iw.simulate(n=500, seed=1).stats


def test_baseline_is_the_equal_pooled_mixture_with_common_draws():
    res = iw.simulate("baseline", "traditional", n=3000, seed=3)
    assert len(res.energy_wh) == 9000
    single = iw.simulate("DeepSeek-R1", "traditional", n=3000, seed=3)
    np.testing.assert_array_equal(res.energy_by_model_wh["DeepSeek-R1"], single.energy_wh)
    np.testing.assert_array_equal(np.sort(res.energy_wh),
                                  np.sort(np.concatenate(list(res.energy_by_model_wh.values()))))


def test_energy_rises_with_tokens_power_and_pue_and_falls_with_alpha():
    def median(**kw):
        return iw.simulate("Llama 3.1 405B", n=5000, seed=2, **kw).stats["median"]

    base = median()
    assert median(l_out_median_tokens=600) > base
    assert median(l_in_tokens=400) < base  # fewer input tokens: higher throughput
    assert median(util_p95=0.95) > base  # P_node's log-normal through P5 and P95 (the code's reading)
    assert median(util_median=0.8, pnode_reading="split") > median(pnode_reading="split")
    assert median(pue_p5=1.2, pue_p95=1.6) > base
    assert median(lever="hardware") < base
    assert median(lever="combined") < median(lever="model")
    assert iw.simulate("Llama 3.1 405B", "tts", n=5000, seed=2).stats["median"] > base


def test_energy_wh_matches_hand_computation():
    fit = iw.throughput_fits()[("Llama 3.1 405B", "8xH100")]
    rate = math.exp(fit.b0 + fit.b1_log_lin * math.log(500) + fit.b2_log_lout * math.log(300))
    expected = 1.2 / 3.6 * 0.7 * 10.2 * 300 / rate
    assert iw.energy_wh("llama-3.1-405b", 300, 0.7, 1.2) == pytest.approx(expected, rel=1e-12)
    assert iw.tps("llama-3.1-405b", 500, 300) == pytest.approx(rate, rel=1e-12)
    assert iw.tps("llama-3.1-405b", 128, 1e6) == pytest.approx(4572.23, rel=1e-9)  # the plateau


@pytest.mark.parametrize(("call", "message"), [
    (lambda: iw.tps("Llama 3.1 405B", 500, -5), "l_out_tokens must be a number > 0 and <= 1e+07, got -5"),
    (lambda: iw.tps("Llama 3.1 405B", 0, 300), "l_in_tokens must be a number > 0 and <= 1e+07, got 0"),
    (lambda: iw.tps("Llama 3.1 405B", 500, float("nan")), "l_out_tokens must be a number > 0 and <= 1e+07, got nan"),
    (lambda: iw.tps("Llama 3.1 405B", "500", 300), "l_in_tokens must be a number > 0 and <= 1e+07, got '500'"),
    (lambda: iw.energy_wh("Llama 3.1 405B", 300, 0.7, 0.9), "pue must be a number >= 1 and <= 5, got 0.9"),
    (lambda: iw.energy_wh("Llama 3.1 405B", 300, 1.5, 1.2), "util must be a number > 0 and <= 1, got 1.5"),
    (lambda: iw.energy_wh("Llama 3.1 405B", 300, True, 1.2), "util must be a number > 0 and <= 1, got True"),
    (lambda: iw.simulate(n=0), "n must be a whole number >= 1 and <= 1e+06, got 0"),
    (lambda: iw.simulate(n=2.5), "n must be a whole number >= 1 and <= 1e+06, got 2.5"),
    (lambda: iw.simulate(n=10, seed=-1), "seed must be a whole number >= 0"),
    (lambda: iw.simulate(regime="fast"), "regime must be 'traditional' or 'tts'"),
    (lambda: iw.simulate(n=10, pue_p5=0.9), "pue_p5 must be a number >= 1 and <= 5, got 0.9"),
    (lambda: iw.simulate(n=10, pue_p5=1.7), "pue_p95 must be a number >= pue_p5"),
    (lambda: iw.simulate(n=10, pnode_reading="mean"), "pnode_reading must be one of 'split', 'p5p95', 'median'"),
    (lambda: iw.simulate(n=10, colour="red"), "parameter name must be one of preset, l_in_tokens"),
    (lambda: iw.simulate(n=10, lever="magic"), "lever must be one of 'model'"),
    (lambda: iw.simulate([], n=10), "model must be a model name"),
    (lambda: iw.simulate(None, n=10), "model must be a model of the catalogue"),
    (lambda: iw.fleet(queries_per_day=-1, n=10), "queries_per_day must be a number > 0"),
    (lambda: iw.fleet(tts_share=1.5, n=10), "tts_share must be a number >= 0 and <= 1, got 1.5"),
])
def test_bad_inputs_raise_our_error_naming_input_value_and_allowed(call, message):
    with pytest.raises(InputError) as err:
        call()
    assert message in str(err.value)


def test_malformed_data_names_file_row_and_column():
    text = catalogue.files(catalogue.DATA_PACKAGE).joinpath("tps_benchmarks.csv").read_text()
    lines = text.splitlines()
    lines[2] = lines[2].replace("480.00", "fast")
    expected = r"tps_benchmarks.csv, row 3, column 'tps_tokens_per_s': expected a number > 1 and <= 1e\+07 \(output"
    with pytest.raises(DataError, match=expected):
        catalogue.read_benchmarks("\n".join(lines))
    with pytest.raises(DataError, match="expected a header with columns"):
        catalogue.read_benchmarks("model,tps\nx,1\n")


def test_user_benchmarks_fit_a_new_model(tmp_path):
    path = tmp_path / "mine.csv"
    text = catalogue.files(catalogue.DATA_PACKAGE).joinpath("tps_benchmarks.csv").read_text()
    text += "My Model,8xH100,FP8,500,2000,9000,my lab\nMy Model,8xH100,FP8,5000,500,1500,my lab\n"
    path.write_text(text)
    fits = iw.throughput_fits(benchmarks=catalogue.read_benchmarks_file(path))
    assert fits[("My Model", "8xH100")].tps_max == 9000
    with pytest.raises(InputError, match="benchmarks file must be a readable CSV file"):
        catalogue.read_benchmarks_file(tmp_path / "missing.csv")


def test_fleet_and_beta():
    assert iw.beta().beta == pytest.approx(1.33, abs=0.005)
    trad = iw.fleet(1e9, 0.0, n=4000, seed=1)
    mixed = iw.fleet(1e9, 0.1, n=4000, seed=1)
    improved = iw.fleet(1e9, 0.1, True, n=4000, seed=1)
    assert trad.gwh_per_day == pytest.approx(trad.beta * trad.mean_traditional_wh, rel=1e-12)
    assert mixed.gwh_per_day > 2 * trad.gwh_per_day * 0.9  # 10 % TTS roughly doubles the footprint
    assert improved.gwh_per_day < mixed.gwh_per_day / 1.5
    assert iw.fleet(2e9, 0.0, n=4000, seed=1).gwh_per_day == pytest.approx(2 * trad.gwh_per_day)
