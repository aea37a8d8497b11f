"""Calibration to measurements: a conjugate Gaussian update of the method's factors in log space.

Eq. 1 is a product, E = PUE x (util x P_max) x L_eff / (3.6 x TPS_fit x f), so its logarithm is linear in
x = (ln f, ln util, ln PUE): the throughput factor on the fitted TPS, the node's power as a fraction of P_max,
and PUE. Every measurement of a product of these (Wh per query, tokens/s, node power) is a row a of a linear
model ln y = c + a.x + e with e ~ N(0, sigma^2); with a Gaussian prior on x the posterior is Gaussian again
(Bayesian linear regression), a few sums that a spreadsheet can also do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

FACTORS = ("throughput", "node_power", "pue")  # x = (ln f_tps, ln util, ln PUE), in this order everywhere
# "Far outside its P1-P99" (issue 20): a measurement whose predictive z-score lies beyond the 99th percentile.
Z99 = float(ndtri(0.99))


@dataclass(frozen=True)
class Gaussian:
    """A Gaussian over the log factors: mean (3,) and covariance (3, 3)."""

    mean: np.ndarray
    cov: np.ndarray

    @property
    def sd(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def prior(sd_throughput: float, mu_util: float, sd_util: float, mu_pue: float, sd_pue: float) -> Gaussian:
    """Independent log-normal factors (log means and sds): the throughput factor around 1, node power and PUE
    around their medians."""
    return Gaussian(np.array([0.0, mu_util, mu_pue]),
                    np.diag(np.array([sd_throughput, sd_util, sd_pue], dtype=float) ** 2))


def update(before: Gaussian, design: np.ndarray, log_values: np.ndarray, sigmas: np.ndarray) -> Gaussian:
    """The posterior of x given ln y_i = a_i.x + e_i (the constants c_i already subtracted), e_i ~ N(0, sigma_i^2).

    A factor with no prior spread is known: it stays at its mean and only shifts the measurements.
    """
    design, log_values, sigmas = (np.asarray(a, dtype=float) for a in (design, log_values, sigmas))
    free = np.diag(before.cov) > 0
    if design.size == 0 or not free.any():
        return before
    known = design[:, ~free] @ before.mean[~free]
    a, y = design[:, free], log_values - known
    s0, m0 = before.cov[np.ix_(free, free)], before.mean[free]
    # The gain form (Kalman): stable for a measurement far more precise than the prior, where the precision
    # form would add weights of 1e18 to ones of 1e1.
    innovation = a @ s0 @ a.T + np.diag(sigmas ** 2)
    gain = np.linalg.solve(innovation, a @ s0).T  # S a' (a S a' + R)^-1, the innovation being symmetric
    keep = np.eye(len(m0)) - gain @ a
    cov_free = keep @ s0 @ keep.T + gain @ np.diag(sigmas ** 2) @ gain.T  # Joseph's form: stays positive
    mean, cov = before.mean.copy(), np.zeros_like(before.cov)
    mean[free] = m0 + gain @ (y - a @ m0)
    cov[np.ix_(free, free)] = (cov_free + cov_free.T) / 2  # symmetric to the last bit, for the Cholesky factor
    return Gaussian(mean, cov)


def predictive_z(belief: Gaussian, design: np.ndarray, log_values: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """Each measurement's z-score under a belief's predictive: (ln y - a.m) / sqrt(a S a' + sigma^2)."""
    design = np.asarray(design, dtype=float)
    spread = np.einsum("ij,jk,ik->i", design, belief.cov, design) + np.asarray(sigmas, dtype=float) ** 2
    return (np.asarray(log_values, dtype=float) - design @ belief.mean) / np.sqrt(spread)


def left_out_z(after: Gaussian, design: np.ndarray, log_values: np.ndarray, sigmas: np.ndarray) -> np.ndarray:
    """Each measurement's z-score under the posterior of all the others, from the posterior of all rows in closed
    form (Sherman-Morrison): (ln y - a.m) / sqrt(sigma^2 - a S a'). Large when a row contradicts the others; one
    pass, not one update per row (the workbook's z_others column is the same formula)."""
    design = np.asarray(design, dtype=float)
    spread = np.asarray(sigmas, dtype=float) ** 2 - np.einsum("ij,jk,ik->i", design, after.cov, design)
    return (np.asarray(log_values, dtype=float) - design @ after.mean) / np.sqrt(spread)


def draws(belief: Gaussian, normal_scores: np.ndarray) -> np.ndarray:
    """Log factors (3, n) from standard normal scores (3, n): mean + L z with L the Cholesky factor of the
    covariance (a factor without spread stays at its mean)."""
    free = np.diag(belief.cov) > 0
    out = np.repeat(belief.mean[:, None], normal_scores.shape[1], axis=1)
    if free.any():
        chol = np.linalg.cholesky(belief.cov[np.ix_(free, free)])
        out[free] += chol @ normal_scores[free]
    return out


@dataclass(frozen=True)
class CalibratedFactors:
    """The posterior of one model on one node, and which factors measurements reached (the others keep the
    method's own prior distribution exactly, not its Gaussian reading)."""

    model: str
    node: str
    posterior: Gaussian
    informed: tuple[bool, bool, bool]

    def to_text(self) -> str:
        """One line that carries the posterior whole (what a cell or --set holds): exact floats."""
        m, c = self.posterior.mean, self.posterior.cov
        numbers = [*m, c[0, 0], c[0, 1], c[0, 2], c[1, 1], c[1, 2], c[2, 2]]
        return " | ".join([TEXT_TAG, self.model, self.node, " ".join(repr(float(x)) for x in numbers),
                           "".join("1" if k else "0" for k in self.informed)])


TEXT_TAG = "IW-CALIBRATION-1"
TEXT_SEPARATOR = " ;; "  # between the posteriors of several models in one value


def parse_text(text: str) -> list[CalibratedFactors]:
    """The posteriors a calibration text carries; ValueError says what is wrong with it."""
    out = []
    for part in (p.strip() for p in text.split(TEXT_SEPARATOR.strip())):
        if not part:
            continue
        fields = [f.strip() for f in part.split("|")]
        if len(fields) != 5 or fields[0] != TEXT_TAG:
            raise ValueError(f"'{TEXT_TAG} | model | node | 9 numbers | 3 flags' (the text IW_CALIBRATE or "
                             "inferwatt calibrate gives)")
        try:
            numbers = [float(x) for x in fields[3].split()]
        except ValueError:
            numbers = []
        if len(numbers) != 9 or not all(math.isfinite(x) for x in numbers) or len(fields[4]) != 3 or \
                set(fields[4]) - {"0", "1"}:
            raise ValueError("nine finite numbers (mean and covariance) and three 0/1 flags after model and node")
        m, (c00, c01, c02, c11, c12, c22) = np.array(numbers[:3]), numbers[3:]
        cov = np.array([[c00, c01, c02], [c01, c11, c12], [c02, c12, c22]])
        free = np.diag(cov) > 0
        if (np.diag(cov) < 0).any() or (free.any() and np.linalg.eigvalsh(cov[np.ix_(free, free)]).min() <= 0):
            raise ValueError("a covariance that is positive definite")
        out.append(CalibratedFactors(fields[1], fields[2], Gaussian(m, cov), tuple(f == "1" for f in fields[4])))
    return out
