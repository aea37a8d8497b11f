"""A throughput law across models and GPUs, and its error measured by leaving whole architectures out.

log(tokens/s per GPU) = c . x, x = (1, log active parameters, log free memory per GPU, log memory bandwidth,
log dense tensor TFLOPS at the precision, log L_in, log L_out): a roofline in log form (decode reads the active
weights at the memory bandwidth; the batch, hence the throughput, grows with the memory left for the KV cache;
prefill is bound by compute), fitted by least squares on every benchmarked row. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEATURES = ("intercept", "log active parameters (B)", "log free memory per GPU (GB)",
            "log memory bandwidth (TB/s)", "log dense tensor TFLOPS", "log L_in", "log L_out")
Z90 = 1.6448536269514722  # the standard normal's 95th percentile: P5-P95 is +-Z90 sd
BYTES_PER_PARAMETER = {"FP4": 0.5, "FP8": 1.0, "BF16": 2.0}


def design(active_params_b: np.ndarray, free_memory_per_gpu_gb: np.ndarray, bandwidth_tb_per_s: np.ndarray,
           tflops: np.ndarray, l_in_tokens: np.ndarray, l_out_tokens: np.ndarray) -> np.ndarray:
    """The rows' features, one row each (the columns of FEATURES)."""
    columns = [active_params_b, free_memory_per_gpu_gb, bandwidth_tb_per_s, tflops, l_in_tokens, l_out_tokens]
    logs = np.log(np.column_stack([np.asarray(c, dtype=float) for c in columns]))
    return np.column_stack([np.ones(len(logs)), logs])


def fit_law(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of y = x c."""
    return np.linalg.lstsq(x, y, rcond=None)[0]


def held_out_errors(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per row, log(predicted / published) of a law fitted without the row's whole group (an architecture:
    every checkpoint of it on every node is left out together, so no row is predicted from its own model)."""
    errors = np.empty(len(y))
    for g in np.unique(groups):
        out = groups == g
        errors[out] = x[out] @ fit_law(x[~out], y[~out]) - y[out]
    return errors


def spread_for_coverage(abs_errors: np.ndarray) -> float:
    """The log-normal sd whose P5-P95 holds 90 % of these held-out errors: their P90 over Z90."""
    return float(np.quantile(abs_errors, 0.9)) / Z90


@dataclass(frozen=True)
class ErrorSummary:
    """Cross-validated error of the law on one GPU generation."""

    generation: str
    rows: int
    models: int
    median_abs_log_error: float
    p90_abs_log_error: float
    share_inside_p5_p95: float  # each held-out row against the spread the other architectures' errors give
    log_sd: float  # the spread an estimate on this generation draws (from every architecture's errors)


def summarise(errors: np.ndarray, groups: np.ndarray, generations: np.ndarray) -> list[ErrorSummary]:
    """Per generation: |log error| median and P90, and the share of held-out rows inside the P5-P95 an estimate
    would have had, its spread measured on the other architectures only (nested: no row sets its own interval)."""
    out = []
    for gen in dict.fromkeys(generations.tolist()):
        on = generations == gen
        a, g = np.abs(errors[on]), groups[on]
        inside = [a[i] <= Z90 * spread_for_coverage(a[g != g[i]]) if (g != g[i]).any() else False
                  for i in range(len(a))]
        out.append(ErrorSummary(gen, int(on.sum()), len(np.unique(g)), float(np.median(a)),
                                float(np.quantile(a, 0.9)), float(np.mean(inside)), spread_for_coverage(a)))
    return out
