"""What drives the answer: variance shares, rank correlations and swings, in every face."""

from __future__ import annotations

import json

import numpy as np
import pytest

import inferwatt_xl as iw
from inferwatt_xl import udf
from inferwatt_xl.cli import main
from inferwatt_xl.method.sensitivity import log_variance_shares, rank_correlation

N = 3000


@pytest.fixture(scope="module")
def baseline_tts():
    return iw.sensitivity("baseline", "tts", n=N, seed=1)


@pytest.mark.parametrize(("model", "regime", "lever"), [("baseline", "traditional", None),
                                                        ("baseline", "tts", "combined"),
                                                        ("Llama 3.1 405B", "tts", None)])
def test_variance_shares_sum_to_one_within_sampling_error(model, regime, lever):
    table = iw.sensitivity(model, regime, n=N, seed=1, lever=lever)
    shares = [r.variance_share for r in table.rows if r.variance_share is not None]
    assert sum(shares) == pytest.approx(1.0, abs=0.03)


def test_a_synthetic_product_recovers_its_factor_shares():
    rng = np.random.default_rng(0)
    n = 200_000
    pue, power = rng.normal(0, 0.1, n), rng.normal(0, 0.2, n)
    length = rng.normal(0, 0.4, n)
    model_effect = np.array([-0.3, 0.0, 0.1, 0.2])[:, None]
    rest = model_effect + length[None, :]  # no interaction
    log_e = rest + pue + power
    shares = log_variance_shares(log_e, {"PUE": pue, "power": power}, rest)
    total = 0.1**2 + 0.2**2 + 0.4**2 + np.var([-0.3, 0.0, 0.1, 0.2])
    assert shares["PUE"] == pytest.approx(0.01 / total, rel=0.02)
    assert shares["power"] == pytest.approx(0.04 / total, rel=0.02)
    assert shares["output length"] == pytest.approx(0.16 / total, rel=0.02)
    assert shares["model"] == pytest.approx(np.var([-0.3, 0.0, 0.1, 0.2]) / total, rel=0.02)
    assert shares["model x output length"] == pytest.approx(0.0, abs=1e-9)
    assert rank_correlation(length, np.exp(length)) == pytest.approx(1.0)
    assert rank_correlation(np.ones(5), np.arange(5.0)) is None


def test_rows_are_sorted_by_swing_and_unrelated_inputs_swing_zero(baseline_tts):
    swings = [r.swing for r in baseline_tts.rows]
    assert swings == sorted(swings, reverse=True)
    by_name = {r.input: r for r in baseline_tts.rows}
    for unrelated in ("queries_per_day", "alpha_model_p95", "node_redundancy", "l_out_median_traditional_tokens"):
        assert by_name[unrelated].swing == 0.0, unrelated
    assert by_name["output length (L_out)"].variance_share > 0.5  # test-time scaling: the length dominates


def test_swings_are_noise_free_reruns_with_the_same_seed(baseline_tts):
    by_name = {r.input: r for r in baseline_tts.rows if r.kind == "assumption"}
    row = by_name["pue_p95"]
    assert row.low == pytest.approx(1.6 * 0.8) and row.high == pytest.approx(1.6 * 1.2)  # the default 1.6 +/- 20 %
    for value, result in ((row.low, row.result_low), (row.high, row.result_high)):
        assert result == iw.simulate("baseline", "tts", n=N, seed=1, pue_p95=value).stats["median"]
    choice = next(r for r in baseline_tts.rows if r.input == "pnode_reading" and r.high == "split")
    assert choice.result_high == iw.simulate("baseline", "tts", n=N, seed=1, pnode_reading="split").stats["median"]


def test_random_inputs_held_at_p5_and_p95():
    table = iw.sensitivity("Mixtral 8x22B", "traditional", n=N, seed=1)
    sim = iw.simulate("Mixtral 8x22B", "traditional", n=N, seed=1)
    pue = next(r for r in table.rows if r.input == "PUE")
    p5 = np.percentile(sim.draws["pue"], 5)
    assert pue.low == p5
    assert pue.result_low == pytest.approx(np.median(sim.energy_wh * p5 / sim.draws["pue"]), rel=1e-12)
    assert pue.rank_correlation == pytest.approx(
        rank_correlation(sim.draws["pue"], sim.energy_wh), rel=1e-12)


def test_every_face(tmp_path, capsys):
    assert main(["sensitivity", "--model", "baseline", "--regime", "tts", "--n", str(N), "--json",
                 "--out", str(tmp_path / "tornado.png")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"input", "kind", "low", "high", "result_low", "result_high", "swing", "variance_share",
            "rank_correlation"} <= set(rows[0])
    assert (tmp_path / "tornado.png").stat().st_size > 10_000
    table = udf.IW_SENSITIVITY("baseline", "tts", "median", [["n_trials", float(N)]])
    assert table[0][:2] == ["input", "kind"] and table[1][0] == rows[0]["input"]
    assert udf.IW_SENSITIVITY("baseline", "tts", "p99").startswith("#IW! target must be one of")
    fleet = iw.sensitivity(target="fleet", n=500, seed=1)
    assert fleet.unit == "GWh/day" and {r.kind for r in fleet.rows} == {"assumption", "choice"}
    assert max(fleet.rows, key=lambda r: r.swing).swing > 0
