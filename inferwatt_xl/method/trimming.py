"""The authors' trimming of Monte Carlo draws before their statistics (Joule code, Figure 2).

simulation_traditional_queries.py keeps, per model, the draws within that model's P5-P95 (inclusive), then
those within P10-P90 of what is left, and pools the survivors; a lever's divided sample is trimmed to P5-P95
again. InferWatt reports statistics of all draws by default and these beside them.
"""

from __future__ import annotations

import numpy as np


def within_percentiles(values: np.ndarray, low_pct: float, high_pct: float) -> np.ndarray:
    """Mask of the values within their own low and high percentiles, bounds included (np.percentile)."""
    low, high = np.percentile(values, [low_pct, high_pct])
    return (values >= low) & (values <= high)


def two_stage_mask(values: np.ndarray) -> np.ndarray:
    """The code's two stages for one model's draws: within P5-P95, then within P10-P90 of those."""
    keep = within_percentiles(values, 5, 95)
    inner = within_percentiles(values[keep], 10, 90)
    out = np.zeros(len(values), dtype=bool)
    out[np.flatnonzero(keep)[inner]] = True
    return out
