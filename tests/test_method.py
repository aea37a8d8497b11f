"""The pure method: uniforms, distributions, throughput fit, Eq. 1 and beta."""

import csv
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from inferwatt_xl.method import distributions as dist
from inferwatt_xl.method.energy import effective_tokens, energy_per_query_wh, power_linear_in_tps_kw
from inferwatt_xl.method.fleet import beta_factor, fleet_gwh_per_day
from inferwatt_xl.method.throughput import fit_throughput
from inferwatt_xl.method.uniforms import hdr_uniforms, numpy_uniforms

N_LARGE = 400_000
# Sampling error of a quantile estimate at this n is well under 1 %: 1 % relative is a real check.
REL = 0.01


def test_hdr_matches_reference_vectors(test_data_dir):
    with open(test_data_dir / "hdr_test_vectors.csv") as f:
        rows = list(csv.DictReader(f))
    trials = np.array([int(r["pm_index"]) for r in rows])
    got = hdr_uniforms(trials, variable=1, seed=1, entity=1, seed4=1)
    expected = np.array([float(r["u"]) for r in rows])
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-15)


def test_hdr_is_uniform_and_depends_on_variable_and_seed():
    u = hdr_uniforms(N_LARGE, variable=1, seed=1)
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    assert not np.array_equal(u[:100], hdr_uniforms(100, variable=2, seed=1))
    assert not np.array_equal(u[:100], hdr_uniforms(100, variable=1, seed=2))


def test_numpy_uniforms_are_open_interval_and_seeded():
    a = numpy_uniforms(1000, np.random.default_rng(3))
    b = numpy_uniforms(1000, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert a.min() > 0 and a.max() < 1


@pytest.fixture(scope="module")
def u():
    return numpy_uniforms(N_LARGE, np.random.default_rng(12345))


def test_lognormal_from_p5_p95(u):
    x = dist.lognormal_p5_p95_ppf(u, 1.5, 10)
    assert np.percentile(x, 5) == pytest.approx(1.5, rel=REL)
    assert np.percentile(x, 95) == pytest.approx(10, rel=REL)
    assert np.median(x) == pytest.approx(math.sqrt(15), rel=REL)


def test_exponential_median_and_iqr(u):
    x = dist.exponential_ppf_from_median(u, 300)
    assert np.median(x) == pytest.approx(300, rel=REL)
    # the paper's IQR for median 300: 129-618 (its sample); the exact one is 124.5-600
    assert np.percentile(x, 25) == pytest.approx(300 * math.log(4 / 3) / math.log(2), rel=REL)
    assert np.percentile(x, 75) == pytest.approx(600, rel=REL)


def test_split_reading_meets_all_three_numbers(u):
    x = dist.util_ppf(u, "split", 0.7, 0.4, 0.9)
    assert np.percentile(x, [5, 50, 95]) == pytest.approx([0.4, 0.7, 0.9], rel=REL)
    assert x.max() <= 1.0


def test_p5p95_reading(u):
    x = dist.util_ppf(u, "p5p95", 0.7, 0.4, 0.9)
    assert np.percentile(x, [5, 50, 95]) == pytest.approx([0.4, 0.6, 0.9], rel=REL)


def test_median_reading_is_capped_at_p_max(u):
    x = dist.util_ppf(u, "median", 0.7, 0.4, 0.9)
    assert np.median(x) == pytest.approx(0.7, rel=REL)
    assert x.max() == 1.0  # about 9 % of this reading's draws lie above P_max before the cap
    assert (x == 1.0).mean() == pytest.approx(1 - stats.norm.cdf(math.log(1 / 0.7) / (math.log(0.9 / 0.4) / 3.2897)),
                                              abs=0.003)


def test_pue_truncation_keeps_shape_above_one(u):
    mu, sigma = dist.lognormal_mu_sigma(1.05, 1.40)
    assert (mu, sigma) == pytest.approx((math.log(1.2124), 0.08745), rel=1e-3)
    kept = dist.pue_ppf(u, 1.05, 1.40, "keep")
    assert (kept < 1).mean() == pytest.approx(stats.norm.cdf(-mu / sigma), abs=0.001)  # about 1.4 %
    truncated = dist.pue_ppf(u, 1.05, 1.40, "truncate")
    assert truncated.min() >= 1.0
    # truncated distribution: its CDF at x is (F(x) - F(1)) / (1 - F(1))
    f1 = stats.norm.cdf(-mu / sigma)
    x_med = math.exp(mu + sigma * stats.norm.ppf(f1 + 0.5 * (1 - f1)))
    assert np.median(truncated) == pytest.approx(x_med, rel=REL / 10)
    clipped = dist.pue_ppf(u, 1.05, 1.40, "clip")
    assert clipped.min() == 1.0 and (clipped == 1.0).mean() == pytest.approx(f1, abs=0.001)


def test_fit_recovers_known_coefficients_and_respects_cap():
    rng = np.random.default_rng(0)
    lin = rng.choice([128, 500, 1000, 2048, 5000], 40).astype(float)
    lout = rng.choice([128, 500, 1000, 2000, 4096], 40).astype(float)
    tps = np.exp(9.0 - 0.45 * np.log(lin) + 0.25 * np.log(lout))
    fit = fit_throughput(np.array(["m"] * 40), lin, lout, tps)["m"]
    assert (fit.b0, fit.b1_log_lin, fit.b2_log_lout) == pytest.approx((9.0, -0.45, 0.25), abs=1e-9)
    assert fit.tps_max == pytest.approx(tps.max())
    assert fit.tps(128, 1e7) == pytest.approx(tps.max())  # the plateau, not the extrapolation


def test_sparse_models_borrow_slopes_of_rich_ones():
    rng = np.random.default_rng(1)
    lin = rng.choice([128, 500, 1000, 5000], 20).astype(float)
    lout = rng.choice([128, 500, 2000], 20).astype(float)
    models = np.array(["rich"] * 10 + ["other"] * 10)
    b0 = np.where(models == "rich", 9.0, 10.0)
    tps = np.exp(b0 - 0.5 * np.log(lin) + 0.2 * np.log(lout))
    models_all = np.append(models, ["sparse", "sparse"])
    lin_all, lout_all = np.append(lin, [500, 5000]), np.append(lout, [2000, 500])
    tps_all = np.append(tps, np.exp(8.0 - 0.5 * np.log([500, 5000]) + 0.2 * np.log([2000, 500])))
    fits = fit_throughput(models_all, lin_all, lout_all, tps_all, "shared_slopes", 5)
    assert fits["sparse"].b0 == pytest.approx(8.0, abs=1e-9)
    assert (fits["sparse"].b1_log_lin, fits["sparse"].b2_log_lout) == pytest.approx((-0.5, 0.2), abs=1e-9)
    assert fits["rich"].method == "own OLS" and "intercept" in fits["sparse"].method
    per_model = fit_throughput(models_all, lin_all, lout_all, tps_all, "per_model")
    assert "minimum-norm" in per_model["sparse"].method


def test_a_model_with_exactly_min_rows_gets_its_own_fit_and_lends_its_slopes():
    """min_rows_own_fit is inclusive: a model with that many rows fits its own coefficients and is one of
    the data-rich models whose slopes a sparse model borrows."""
    lin = np.array([128, 500, 1000, 5000, 2048, 128, 500, 1000, 5000, 2048, 500, 5000], dtype=float)
    lout = np.array([128, 500, 2000, 500, 1000, 2000, 128, 500, 1000, 4096, 2000, 500], dtype=float)
    models = np.array(["five"] * 5 + ["other"] * 5 + ["sparse"] * 2)
    b0 = np.select([models == "five", models == "other"], [9.0, 8.0], 7.0)
    tps = np.exp(b0 - 0.5 * np.log(lin) + 0.3 * np.log(lout))
    fits = fit_throughput(models, lin, lout, tps, "shared_slopes", 5)
    assert fits["five"].method == "own OLS" and fits["five"].b2_log_lout == pytest.approx(0.3, abs=1e-9)
    assert fits["sparse"].b0 == pytest.approx(7.0, abs=1e-9)
    assert (fits["sparse"].b1_log_lin, fits["sparse"].b2_log_lout) == pytest.approx((-0.5, 0.3), abs=1e-9)


def test_equation_1_hand_computed():
    # PUE 1.2, 0.7 * 11.3 kW, 300 tokens at 1,000 tokens/s: 1.2 / 3.6 * 7.91 * 0.3 = 0.791 Wh
    assert float(energy_per_query_wh(1.2, 7.91, 300, 1000)) == pytest.approx(0.791, rel=1e-12)
    # 1 kW for 3,600 s at PUE 1 is 1 kWh = 1,000 Wh
    assert float(energy_per_query_wh(1.0, 1.0, 3600, 1)) == pytest.approx(1000, rel=1e-12)
    assert float(energy_per_query_wh(1.2, 7.91, 300, 1000, alpha=2)) == pytest.approx(0.3955, rel=1e-12)
    np.testing.assert_array_equal(effective_tokens(500, np.array([300.0]), "in_plus_out"), [800.0])


def test_power_linear_in_tps_spans_idle_to_high():
    p = power_linear_in_tps_kw(np.array([100.0, 550.0, 1000.0]), 2.7, 10.17)
    np.testing.assert_allclose(p, [2.7, 2.7 + 0.5 * 7.47, 10.17])


def test_beta_arithmetic_of_supplement_s5():
    b = beta_factor(11.3, 2.7, 0.5, 1.0, 1.10, 1.12)
    assert b.e_node_sin_kwh_per_day == pytest.approx(219.6, abs=1e-9)
    assert b.e_node_uniform_kwh_per_day == pytest.approx(271.2, abs=1e-9)
    assert round(b.beta_util, 2) == 1.08
    assert b.beta == pytest.approx(1.33, abs=0.005)


def test_fleet_is_beta_times_queries_times_mixture_mean():
    assert fleet_gwh_per_day(1e9, 0.6, 8.0, 0.1, 1.33) == pytest.approx(1.33 * (0.9 * 0.6 + 0.1 * 8.0))


@given(st.floats(1, 1e5), st.floats(1, 1e5), st.floats(1, 3), st.floats(0.1, 20), st.floats(1, 50))
def test_energy_monotone_in_tokens_power_pue_and_alpha(tokens, more, pue, power, alpha):
    base = float(energy_per_query_wh(pue, power, tokens, 1000, alpha))
    assert float(energy_per_query_wh(pue, power, tokens + more, 1000, alpha)) > base
    assert float(energy_per_query_wh(pue * 1.1, power, tokens, 1000, alpha)) > base
    assert float(energy_per_query_wh(pue, power * 1.1, tokens, 1000, alpha)) > base
    assert float(energy_per_query_wh(pue, power, tokens, 1000, alpha * 1.1)) < base


def test_hdr_mod_quotients_stay_below_excels_mod_limit():
    """Some Excel versions fail MOD(n, d) when n / d >= 2**27; the declared bounds keep every quotient below it."""
    from inferwatt_xl import catalogue

    params = catalogue.parameters()
    i, s = params["n_trials"].upper[1], params["seed"].upper[1]
    limit = 2**27
    from inferwatt_xl.method import uniforms as hdr

    for v in range(1, 8):
        for multipliers, modulus in ((hdr.A_MULTIPLIERS, hdr.A_MODULUS), (hdr.C_MULTIPLIERS, hdr.C_MODULUS)):
            ti, vi, ei, si, s4i = multipliers
            numerator = i * ti + v * vi + hdr.HDR_ENTITY * ei + s * si + hdr.HDR_SEED4 * s4i
            assert numerator / modulus < limit
    # The generator's other MOD calls have fixed arguments, designed by HDR to stay just below the limit.


def test_the_fleet_and_capacity_pieces_by_hand():
    """The pieces the API used to compute inline, each against numbers worked out by hand."""
    from inferwatt_xl.method.energy import node_seconds_per_query
    from inferwatt_xl.method.fleet import mean_load_frac, one_level_gwh_per_day
    from inferwatt_xl.method.impacts import hardware_usd_per_day, twh_per_year

    assert node_seconds_per_query(600.0, 1200.0) == pytest.approx(0.5)
    assert mean_load_frac(0.4, 0.9) == pytest.approx(0.65)
    # 1e6 queries of mean 0.3 Wh and variance 0.16 Wh^2 (second moment 0.25): 300,000 Wh -/+ 2 x 400 Wh, x1.5
    low, high = one_level_gwh_per_day(1e6, 0.3, 0.25, 1.5, 2.0)
    assert (low, high) == (pytest.approx(1.5 * 299_200 / 1e9), pytest.approx(1.5 * 300_800 / 1e9))
    assert hardware_usd_per_day(10, 365_000.0, 5.0) == pytest.approx(2000.0)  # 3.65 M over 1,825 days
    assert twh_per_year(2.0) == pytest.approx(0.73)
