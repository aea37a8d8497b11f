"""numpy's legacy generator drawn as the authors' scripts draw (rng = paper): their exact random numbers.

The Joule code seeds np.random.seed(42) once and then, per model in its data file's order, draws L_out
(exponential), P_node / P_max and PUE (log-normals through P5 and P95); a lever's alphas follow in the
order hardware, model, serving (simulation_traditional_queries.py lines 25, 186, 207-208, 525-535). Its
log-normals are parameterised with z = 1.645 (lognorm_params, lines 36-39), kept here so that the draws
are the code's to the last digit; InferWatt's HDR path uses the exact z (1.6448536...), which moves a
log-normal's sigma by 1e-4 of itself.
"""

from __future__ import annotations

import math

import numpy as np

CODE_Z95 = 1.645  # lognorm_params in the authors' code


def code_lognormal_params(p5: float, p95: float) -> tuple[float, float]:
    """(mu, sigma) exactly as the code's lognorm_params computes them."""
    sigma = (math.log(p95) - math.log(p5)) / (2 * CODE_Z95)
    return math.log(p5) + CODE_Z95 * sigma, sigma


class LegacyStream:
    """One seeded legacy RandomState, consumed in the code's order by the caller."""

    def __init__(self, seed: int) -> None:
        self.seed = seed  # the 1B scripts reseed with it before the fleet's improved alpha
        self.random = np.random.RandomState(seed)

    def exponential_from_median(self, median: float, n: int) -> np.ndarray:
        """Exponential draws with the given median, scale 1 / (ln 2 / median) as the code writes it."""
        return self.random.exponential(1 / (math.log(2) / median), n)

    def lognormal(self, p5: float, p95: float, n: int) -> np.ndarray:
        """A log-normal through P5 and P95, as the code draws it."""
        return self.random.lognormal(*code_lognormal_params(p5, p95), n)
