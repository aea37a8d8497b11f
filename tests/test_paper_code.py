"""The paper's own numbers from its authors' code (SPEC Sec. 2b): rng = paper under the paper's presets gives
them to the printed digit. The expected values are those SPEC and issue 15 report from an independent
re-implementation of the scripts (not from this engine), and the figures the paper prints."""

from __future__ import annotations

import pytest

import inferwatt_xl as iw
from inferwatt_xl import catalogue
from inferwatt_xl.errors import InputError

EXACT = {"rng": "paper"}
# SPEC Sec. 2b: "v2 settings give 0.308 (0.165-0.602) and 3.907 (2.151-7.047) Wh; v1's node power gives
# 0.341 (0.182-0.665) and 4.320 Wh, Llama 3.1 405B 0.427, Mixtral 0.071"
BASELINE = {("paper_v2", "traditional"): (0.308, 0.165, 0.602), ("paper_v2", "tts"): (3.907, 2.151, 7.047),
            ("paper_v1", "traditional"): (0.341, 0.182, 0.665), ("paper_v1", "tts"): (4.320, None, None)}


@pytest.mark.parametrize(("preset", "regime"), list(BASELINE))
def test_the_baseline_is_the_codes_to_three_decimals(preset, regime):
    s = iw.simulate("baseline", regime, preset=preset, **EXACT).stats
    median, p25, p75 = BASELINE[(preset, regime)]
    assert round(s["median"], 3) == median
    if p25 is not None:
        assert (round(s["p25"], 3), round(s["p75"], 3)) == (p25, p75)


def test_v1_per_model_medians():
    assert round(iw.simulate("Llama 3.1 405B", preset="paper_v1", **EXACT).stats["median"], 3) == 0.427
    assert round(iw.simulate("Mixtral 8x22B", preset="paper_v1", **EXACT).stats["median"], 3) == 0.071


def printed(x: float, digits: int) -> float:
    """As the paper rounds (its figures' legends use f"{x:.2f}")."""
    return round(x, digits)


def test_the_printed_figures_as_the_paper_rounds():
    """v2 (Joule): 0.31 (0.16-0.60), 3.91 (2.15-7.05) Wh; 0.7 / 1.7 / 0.8 GWh/day. v1: 0.34 (0.18-0.67), 4.32 Wh;
    0.8 / 1.8 / 0.9 GWh/day."""
    # v1's traditional IQR (0.18-0.67) comes out 0.182-0.66499: its P75 is 1e-5 below the 0.665 that the text's
    # 0.67 needs (v1's numbers came from an earlier state of the code, whose docstring names v1's 11.3/14.1 kW);
    # its test-time-scaling IQR 2.38-7.38 comes out 2.382-7.782 (7.38 is most likely a misprint of 7.78).
    v1_trad = iw.simulate("baseline", "traditional", preset="paper_v1", **EXACT).stats
    assert printed(v1_trad["p25"], 2) == 0.18 and round(v1_trad["p75"], 3) == 0.665
    for preset, wh, gwh in (("paper_v2", ((0.31, 0.16, 0.60), (3.91, 2.15, 7.05)), (0.7, 1.7, 0.8)),
                            ("paper_v1", ((0.34, None, None), (4.32, None, None)), (0.8, 1.9, 0.9))):
        for regime, expected in zip(("traditional", "tts"), wh, strict=True):
            s = iw.simulate("baseline", regime, preset=preset, **EXACT).stats
            assert printed(s["median"], 2) == expected[0]
            if expected[1] is not None:
                assert (printed(s["p25"], 2), printed(s["p75"], 2)) == expected[1:]
        fleets = [iw.fleet(1e9, share, improved, preset=preset, **EXACT).gwh_per_day
                  for share, improved in ((0.0, False), (0.1, False), (0.1, True))]
        assert [printed(x, 1) for x in fleets] == list(gwh), preset
    # v1 prints 1.8 for the mix where its settings give 1.89: its test-time-scaling fleet at the Joule code's
    # node power (10.53 GWh/day) gives 1.78, as does leaving out the 1.12 interconnect factor (1.76)
    v1_trad = iw.fleet(1e9, 0.0, preset="paper_v1", **EXACT).gwh_per_day
    v2_tts = iw.fleet(1e9, 1.0, preset="paper_v2", **EXACT).gwh_per_day
    v1_tts = iw.fleet(1e9, 1.0, preset="paper_v1", **EXACT).gwh_per_day
    assert printed(0.9 * v1_trad + 0.1 * v2_tts, 1) == 1.8 and printed(0.9 * v1_trad + 0.1 * v1_tts / 1.12, 1) == 1.8


def test_the_codes_fleet_output_files():
    """The authors' repository holds its 1B scripts' outputs (1B_queries_energy_consumption_*.csv): bootstrap
    medians 0.7314 and 10.530 GWh/day, improved 0.3272 and 5.053. Ours is beta x N x the mean, which the
    bootstrap median estimates (its P5-P95 is +/- 1.3 %)."""
    for share, improved, code in ((0.0, False, 0.73142), (0.0, True, 0.32715), (1.0, False, 10.5297),
                                  (1.0, True, 5.0531)):
        ours = iw.fleet(1e9, share, improved, preset="paper_v2", **EXACT).gwh_per_day
        assert ours == pytest.approx(code, rel=0.005), (share, improved)


def test_the_top3_rule_picks_the_papers_three_and_the_declared_baseline_agrees():
    picked = iw.simulate("baseline", preset="paper_v2", **EXACT).models
    assert picked == ["DeepSeek-R1", "Llama 3.1 405B", "Llama-3.1 Nemotron Ultra 253B"]  # by median, highest first
    assert set(picked) == set(catalogue.baseline_models())
    # HDR under the same preset: sampling noise only (five seeds around the exact 0.308)
    medians = [iw.simulate("baseline", preset="paper_v2", seed=s).stats["median"] for s in range(1, 6)]
    assert all(abs(m / 0.308 - 1) < 0.03 for m in medians), medians


def test_the_default_is_the_joule_code_with_all_draws_and_the_declared_baseline():
    default = iw.simulate("baseline", "traditional")
    assert default.params["trim"] == "none" and default.params["baseline_rule"] == "declared"
    assert default.stats["median"] == pytest.approx(0.31, rel=0.03)
    trimmed = default.trimmed_stats  # shown beside, labelled: the paper's trimming narrows the IQR
    assert trimmed["p75"] - trimmed["p25"] < 0.8 * (default.stats["p75"] - default.stats["p25"])
    assert iw.simulate("baseline", "traditional", trim="paper").stats == trimmed


def test_trimming_is_two_stage_per_model_then_pooled():
    import numpy as np

    sim = iw.simulate("baseline", "traditional", n=2000, seed=3)
    kept = []
    for m in sim.models:  # by hand: within P5-P95 (inclusive), then within P10-P90 of those
        e = sim.energy_by_model_wh[m]
        lo, hi = np.percentile(e, [5, 95])
        s1 = e[(e >= lo) & (e <= hi)]
        lo, hi = np.percentile(s1, [10, 90])
        kept.append(s1[(s1 >= lo) & (s1 <= hi)])
    np.testing.assert_array_equal(np.sort(sim.trimmed_sample_wh), np.sort(np.concatenate(kept)))
    assert 0.25 < 1 - len(sim.trimmed_sample_wh) / len(sim.energy_wh) < 0.31  # about 28 % discarded


@pytest.mark.parametrize("call", [
    lambda: __import__("inferwatt_xl.impacts", fromlist=["impacts"]).impacts("baseline", rng="paper"),
    lambda: iw.sensitivity("baseline", rng="paper"),
])
def test_results_the_code_does_not_compute_refuse_rng_paper_clearly(call):
    with pytest.raises(InputError, match="rng must be 'hdr' for"):
        call()


def test_presets_are_declared_with_sources_and_valid():
    presets = catalogue.presets()
    assert set(presets) == {"inferwatt", "paper_v2", "paper_v1", "text_v1"}
    assert all(v.source for values in presets.values() for v in values.values())
    assert iw.api.resolve_params({"preset": "paper_v1"})["p_max_8xh100_kw"] == 11.3
    assert iw.api.resolve_params({"preset": "paper_v1", "p_max_8xh100_kw": 9.0})["p_max_8xh100_kw"] == 9.0
    with pytest.raises(InputError, match="preset must be one of 'inferwatt', 'paper_v2'"):
        iw.api.resolve_params({"preset": "paper_v3"})


def test_trimming_bounds_are_inclusive():
    """n = 2001: P5 and P95 fall on draws (index 100 and 1900), as do P10 and P90 of the 1,801 left: the code's
    >= and <= keep them."""
    import numpy as np

    sim = iw.simulate("Llama 3.1 405B", "traditional", n=2001, seed=5, trim="paper")
    e = np.sort(sim.energy_wh)
    stage1 = e[100:1901]
    assert len(sim.trimmed_sample_wh) == len(stage1[180:1621]) == 1441


def test_a_levers_trimmed_sample_by_hand():
    """trim = paper with a lever (HDR): each model's trimmed draws divided by their trial's alpha, pooled, then
    trimmed to P5-P95 again (simulation_traditional_queries.py lines 549-556)."""
    import numpy as np

    from inferwatt_xl.method.trimming import two_stage_mask

    plain = iw.simulate("baseline", "traditional", n=2000, seed=4)
    sim = iw.simulate("baseline", "traditional", n=2000, seed=4, lever="model", trim="paper")
    alpha = sim.draws["alpha"]
    divided = np.concatenate([plain.energy_by_model_wh[m][two_stage_mask(plain.energy_by_model_wh[m])]
                              / alpha[two_stage_mask(plain.energy_by_model_wh[m])] for m in plain.models])
    lo, hi = np.percentile(divided, [5, 95])
    np.testing.assert_allclose(np.sort(sim.sample_wh), np.sort(divided[(divided >= lo) & (divided <= hi)]),
                               rtol=1e-12)
    assert sim.stats["p25"] == iw.api.summarise(divided[(divided >= lo) & (divided <= hi)])["p25"]


def test_the_stream_draws_models_then_the_levers_in_the_scripts_order():
    """rng = paper: the models' draws (five models x L_out, P_node, PUE), then the levers' alphas in the order
    hardware, model, serving (simulation_traditional_queries.py lines 525-535), one per pooled draw."""
    import math

    import numpy as np

    n = 400
    rs = np.random.RandomState(42)
    for _ in range(5):
        rs.exponential(1.0, n), rs.lognormal(0.0, 1.0, n), rs.lognormal(0.0, 1.0, n)

    def alphas(p5: float, p95: float) -> np.ndarray:
        sigma = (math.log(p95) - math.log(p5)) / 3.29
        return rs.lognormal(math.log(p5) + 1.645 * sigma, sigma, 3 * n)

    hardware, model, serving = alphas(1.5, 2.5), alphas(1.5, 10), alphas(1.5, 5)
    for lever, expected in (("hardware", hardware), ("model", model), ("serving", serving)):
        sim = iw.simulate("baseline", n=n, preset="paper_v2", rng="paper", trim="none", lever=lever)
        np.testing.assert_allclose(sim.pooled(sim.draws["alpha"]), expected, rtol=1e-12)
    capped = iw.simulate("baseline", n=n, preset="paper_v2", rng="paper", util_above_one="cap")
    kept = iw.simulate("baseline", n=n, preset="paper_v2", rng="paper")
    for m in kept.models:
        assert kept.draws["util"][m].max() > 1
        np.testing.assert_array_equal(capped.draws["util"][m], np.minimum(kept.draws["util"][m], 1.0))


def test_the_stream_order_is_the_codes_rule(monkeypatch):
    """Models of the paper's data with >= 3 rows in the file's order, then the others (the code's dict
    {**regression_models, **interpolation_models}); the shipped tables list their 2-row model last, so a table
    where it comes first shows the rule."""
    import numpy as np

    from inferwatt_xl.api import paper_stream_order, resolve_params

    names = np.array(["Sparse", "Sparse", "Rich", "Rich", "Rich", "Richer", "Richer", "Richer", "Richer"])
    fake = catalogue.Benchmarks(names, np.full(9, 500.0), np.full(9, 300.0), np.full(9, 1000.0), ("s",) * 9,
                                np.array(["8xH100"] * 9))
    monkeypatch.setattr(catalogue, "paper_rows", lambda paper_h100_rows="code": fake)
    assert paper_stream_order(resolve_params(), ["Mine"]) == ["Rich", "Richer", "Sparse", "Mine"]
