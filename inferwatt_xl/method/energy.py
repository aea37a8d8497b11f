"""Energy of one query (paper Eq. 1) and the node-power variant of Supplement S.IV."""

from __future__ import annotations

import numpy as np

SECONDS_PER_HOUR_OVER_1000 = 3.6  # kW * s -> Wh: 1 kJ = 1/3.6 Wh


def energy_per_query_wh(pue: np.ndarray | float, p_node_kw: np.ndarray | float, l_eff_tokens: np.ndarray | float,
                        tps_tokens_per_s: np.ndarray | float, alpha: np.ndarray | float = 1.0) -> np.ndarray:
    """E = PUE / 3.6 * P_node[kW] * L_eff / TPS / alpha, in Wh per query (Eq. 1 and Sec. 3)."""
    return np.asarray(pue) / SECONDS_PER_HOUR_OVER_1000 * p_node_kw * l_eff_tokens / tps_tokens_per_s / alpha


def effective_tokens(l_in_tokens: float, l_out_tokens: np.ndarray, l_eff: str) -> np.ndarray:
    """L_eff: the output tokens (main analysis) or input plus output tokens (S.III)."""
    if l_eff == "out":
        return np.asarray(l_out_tokens)
    if l_eff == "in_plus_out":
        return l_in_tokens + np.asarray(l_out_tokens)
    raise ValueError(f"unknown L_eff {l_eff!r}")


def power_linear_in_tps_kw(tps_tokens_per_s: np.ndarray, p_idle_kw: float, p_high_kw: float) -> np.ndarray:
    """S.IV: P_node rises linearly from P_idle at the lowest TPS to p_high at the highest."""
    lo, hi = float(np.min(tps_tokens_per_s)), float(np.max(tps_tokens_per_s))
    if hi == lo:
        return np.full_like(tps_tokens_per_s, p_high_kw, dtype=float)
    return p_idle_kw + (p_high_kw - p_idle_kw) * (tps_tokens_per_s - lo) / (hi - lo)
