"""Throughput of a saturated node: log TPS = b0 + b1 log L_in + b2 log L_out, capped.

Fitted per model on benchmark rows (paper Supplement S.II). Models with too few
rows for three free coefficients borrow the slopes of the data-rich ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRATEGIES = ("max_tps_below_3_rows", "shared_slopes", "pooled", "per_model")
ROWS_FOR_OWN_OLS = 3  # max_tps_below_3_rows: the authors' code fits a model with >= 3 rows, else its largest TPS
# The authors' code evaluates log(max(L_out, 1e-6)) so that a draw rounded to 0 tokens has a throughput (and 0 Wh).
MIN_LOG_TOKENS = 1e-6


@dataclass(frozen=True)
class ThroughputFit:
    """Coefficients of one model's fit; `tps_max` is the plateau (largest observed TPS) and `l_out_max`
    the end of the training range (largest output length in the model's rows)."""

    b0: float
    b1_log_lin: float
    b2_log_lout: float
    tps_max: float
    rows: int
    method: str  # how this model's coefficients were obtained, for reports
    l_out_max: float = np.inf  # own rows, or the rows its borrowed slopes were fitted on
    log_sd: float = 0.0  # an estimate's spread (no benchmark rows): drawn per trial as a log-normal factor

    def tps(self, l_in_tokens: np.ndarray | float, l_out_tokens: np.ndarray | float,
            hold_beyond_range: bool = False) -> np.ndarray:
        """Output tokens per second of the node, capped at the observed maximum.

        hold_beyond_range: past the longest benchmarked output, TPS stays at its value there (the
        paper's main text: "for longer outputs, we hold TPS at the plateau") instead of extrapolating.
        """
        l_out = np.minimum(l_out_tokens, self.l_out_max) if hold_beyond_range else l_out_tokens
        l_out = np.maximum(l_out, MIN_LOG_TOKENS)
        log_tps = self.b0 + self.b1_log_lin * np.log(l_in_tokens) + self.b2_log_lout * np.log(l_out)
        return np.minimum(np.exp(log_tps), self.tps_max)


def _within_model_slopes(groups: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Slopes (b1, b2) of a fixed-effects fit: each group its own intercept, shared slopes.

    Demeaning inside each group removes the intercepts; OLS without intercept on
    the demeaned values then gives the slopes (the workbook does the same sums).
    """
    x_dm = x.copy()
    y_dm = y.copy()
    for g in np.unique(groups):
        m = groups == g
        x_dm[m] -= x[m].mean(axis=0)
        y_dm[m] -= y[m].mean()
    xtx = x_dm.T @ x_dm
    return np.linalg.solve(xtx, x_dm.T @ y_dm)


def fit_throughput(models: np.ndarray, l_in_tokens: np.ndarray, l_out_tokens: np.ndarray, tps: np.ndarray,
                   strategy: str = "shared_slopes", min_rows_own_fit: int = 5,
                   pools: np.ndarray | None = None) -> dict[str, ThroughputFit]:
    """Fit every group of benchmark rows (a model, or a model on a node); returns {group: ThroughputFit}.

    shared_slopes: groups with >= min_rows_own_fit rows get their own OLS; the others take the
    fixed-effects slopes of the rich groups of the same pool (the same GPU type) and their own intercept.
    pooled: all groups of a pool share fixed-effects slopes fitted on all its rows.
    per_model: OLS on each group's own rows (minimum-norm when under-determined).
    max_tps_below_3_rows (the authors' code): own OLS with >= 3 rows, else the largest observed TPS as a constant.
    A sparse group whose pool has no rich group gets no fit (the caller says what is missing).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    models = np.asarray(models)
    pools = np.zeros(len(models), dtype=int) if pools is None else np.asarray(pools)
    l_out_tokens = np.asarray(l_out_tokens, dtype=float)
    x = np.column_stack([np.log(l_in_tokens), np.log(l_out_tokens)]).astype(float)
    tps = np.asarray(tps, dtype=float)
    y = np.log(tps)
    names = list(dict.fromkeys(models.tolist()))
    counts = {name: int((models == name).sum()) for name in names}
    if strategy == "max_tps_below_3_rows":
        return {name: _own_or_constant(models == name, x, y, tps, l_out_tokens) for name in names}
    rich = np.ones(len(models), dtype=bool) if strategy == "pooled" else np.array(
        [counts[m] >= min_rows_own_fit for m in models])

    shared: dict[object, tuple[np.ndarray, float]] = {}  # pool -> (slopes, longest output of their rows)
    if strategy != "per_model":
        for pool in dict.fromkeys(pools.tolist()):
            rows = rich & (pools == pool)
            if rows.any():
                shared[pool] = (_within_model_slopes(models[rows], x[rows], y[rows]), float(l_out_tokens[rows].max()))

    fits = {}
    for name in names:
        m = models == name
        tps_max = float(tps[m].max())
        l_out_max = float(l_out_tokens[m].max())
        own = strategy == "per_model" or (strategy == "shared_slopes" and counts[name] >= min_rows_own_fit)
        if own:
            design = np.column_stack([np.ones(m.sum()), x[m]])
            coef = np.linalg.lstsq(design, y[m], rcond=None)[0]
            method = "own OLS" if m.sum() >= 3 else "own OLS, minimum-norm (under-determined)"
            fits[name] = ThroughputFit(*map(float, coef), tps_max, counts[name], method, l_out_max)
            continue
        pool = pools[m][0]
        if pool not in shared:
            continue
        slopes, trained_to = shared[pool]
        b0 = float((y[m] - x[m] @ slopes).mean())
        method = "pooled slopes" if strategy == "pooled" else "slopes of the data-rich models, own intercept"
        # the slopes were learnt on the data-rich rows: their range is where the fit is trained
        fits[name] = ThroughputFit(b0, float(slopes[0]), float(slopes[1]), tps_max, counts[name], method,
                                   max(l_out_max, trained_to))
    return fits


def _own_or_constant(m: np.ndarray, x: np.ndarray, y: np.ndarray, tps: np.ndarray,
                     l_out_tokens: np.ndarray) -> ThroughputFit:
    """The authors' rule for one group: OLS on its rows when it has at least 3, else its largest TPS."""
    rows, tps_max, l_out_max = int(m.sum()), float(tps[m].max()), float(l_out_tokens[m].max())
    if rows < ROWS_FOR_OWN_OLS:
        return ThroughputFit(float(np.log(tps_max)), 0.0, 0.0, tps_max, rows,
                             f"largest observed TPS (fewer than {ROWS_FOR_OWN_OLS} rows)", l_out_max)
    coef = np.linalg.lstsq(np.column_stack([np.ones(rows), x[m]]), y[m], rcond=None)[0]
    return ThroughputFit(*map(float, coef), tps_max, rows, "own OLS", l_out_max)
