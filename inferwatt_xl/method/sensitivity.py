"""What drives a result: variance shares of log energy and rank correlations, on arrays only.

Energy per query is a product of independent factors (Eq. 1), so log energy is a sum of
independent terms and its variance splits into one share per random input. The output length
and the model enter together (each model's throughput depends on the length): their joint term
is split like a balanced two-way analysis of variance into a length share, a model share and
their interaction, so the shares add up to 1 up to the sampling covariance of the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import spearmanr


def log_variance_shares(log_energy: np.ndarray, per_trial: Mapping[str, np.ndarray],
                        model_and_length: np.ndarray) -> dict[str, float]:
    """Shares of Var(ln E) of a pooled sample of M models x n trials (population variances).

    log_energy: (M, n) ln E; per_trial: name -> (n,) log term of an input shared by all models
    (ln PUE, ln P_node/P_max, -ln alpha); model_and_length: (M, n) the rest of ln E (model and
    output length together). Returns name -> share, plus 'output length', 'model' and
    'model x output length'.
    """
    total = float(np.var(log_energy))
    if total == 0:
        return {**dict.fromkeys(per_trial, 0.0), "output length": 0.0, "model": 0.0, "model x output length": 0.0}
    shares = {name: float(np.var(term)) / total for name, term in per_trial.items()}
    by_trial = model_and_length.mean(axis=0)
    by_model = model_and_length.mean(axis=1)
    shares["output length"] = float(np.var(by_trial)) / total
    shares["model"] = float(np.var(by_model)) / total
    joint = float(np.var(model_and_length))
    shares["model x output length"] = max(joint - np.var(by_trial) - np.var(by_model), 0.0) / total
    return shares


def rank_correlation(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rank correlation (what @RISK shows); None where x does not vary."""
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(spearmanr(x, y).statistic)
