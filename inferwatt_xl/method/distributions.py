"""Inverse CDFs that turn uniforms in (0, 1) into the method's random variables.

Each function has a one-line spreadsheet twin (NORM.S.INV, LOGNORM.INV, LN),
which is what lets the workbook draw the same numbers as the engine.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

Z95 = float(ndtri(0.95))  # 1.6448536..., the z-score of the 95th percentile


def lognormal_mu_sigma(p5: float, p95: float) -> tuple[float, float]:
    """(mu, sigma) of the log-normal whose 5th and 95th percentiles are p5 and p95."""
    return (math.log(p5) + math.log(p95)) / 2, (math.log(p95) - math.log(p5)) / (2 * Z95)


def lognormal_median(p5: float, p95: float) -> float:
    """Median of the log-normal through p5 and p95: their geometric mean."""
    return math.exp(lognormal_mu_sigma(p5, p95)[0])


def normal_scores(u: np.ndarray) -> np.ndarray:
    """Standard normal scores of uniforms (NORM.S.INV(u)): what correlated or calibrated draws are built from."""
    return ndtri(u)


def lognormal_ppf(u: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """Inverse CDF of a log-normal (LOGNORM.INV(u, mu, sigma) in a spreadsheet)."""
    return np.exp(mu + sigma * ndtri(u))


def lognormal_cdf(x: float, mu: float, sigma: float) -> float:
    """CDF of a log-normal at x (a degenerate sigma of 0 is a step at exp(mu))."""
    if sigma == 0:
        return float(x >= math.exp(mu))
    return float(ndtr((math.log(x) - mu) / sigma))


def exponential_ppf_from_median(u: np.ndarray, median: float) -> np.ndarray:
    """Inverse CDF of an exponential with the given median: -ln(1-u) * median / ln 2.

    Computed as -LN(1-u)*median/LN(2) exactly as the workbook's formula does (not with
    log1p), so that both give the same floating-point numbers.
    """
    return -np.log(1 - u) * median / math.log(2)


def util_ppf(u: np.ndarray, reading: str, median: float, p5: float, p95: float, cap: bool = True) -> np.ndarray:
    """Node power as a fraction of P_max (capped at 1 when `cap`), under one of three readings.

    The paper's "log-normal centred at 0.7 with P5-P95 of 0.4-0.9" fits no single
    log-normal, hence: `split` (two half-log-normals joined at the median, meets all
    three numbers), `p5p95` (through P5 and P95) and `median` (median with the
    P5-P95 log-width).
    """
    z = ndtri(u)
    if reading == "split":
        util = split_lognormal_ppf(u, median, p5, p95)
    elif reading == "p5p95":
        mu, sigma = lognormal_mu_sigma(p5, p95)
        util = np.exp(mu + sigma * z)
    elif reading == "median":
        util = median * np.exp(z * (math.log(p95) - math.log(p5)) / (2 * Z95))
    else:
        raise ValueError(f"unknown P_node reading {reading!r}")
    return np.minimum(util, 1.0) if cap else util


def split_lognormal_ppf(u: np.ndarray, median: float, p5: float, p95: float) -> np.ndarray:
    """Two half-log-normals joined at the median: meets a P5, median and P95 that no single log-normal
    fits (P_node's split reading; the electricity price across US states)."""
    z = ndtri(u)
    sigma = np.where(z < 0, math.log(median / p5) / Z95, math.log(p95 / median) / Z95)
    return median * np.exp(sigma * z)


def pue_ppf(u: np.ndarray, p5: float, p95: float, below_one: str) -> np.ndarray:
    """PUE from its log-normal P5-P95 range; `below_one` says what happens under 1.0.

    truncate: inverse CDF of the distribution truncated at 1 (u mapped onto [F(1), 1]);
    clip: draws below 1 become 1; keep: left as drawn (physically impossible).
    """
    mu, sigma = lognormal_mu_sigma(p5, p95)
    if sigma == 0:
        return np.full_like(u, math.exp(mu))
    if below_one == "truncate":
        f1 = lognormal_cdf(1.0, mu, sigma)
        return lognormal_ppf(f1 + u * (1 - f1), mu, sigma)
    pue = lognormal_ppf(u, mu, sigma)
    if below_one == "clip":
        return np.maximum(pue, 1.0)
    if below_one == "keep":
        return pue
    raise ValueError(f"unknown PUE handling {below_one!r}")


def lognormal_p5_p95_ppf(u: np.ndarray, p5: float, p95: float) -> np.ndarray:
    """A log-normal through its P5 and P95 (the levers' alpha, on-site WUE)."""
    mu, sigma = lognormal_mu_sigma(p5, p95)
    return lognormal_ppf(u, mu, sigma)
