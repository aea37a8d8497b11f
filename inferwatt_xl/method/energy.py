"""Energy of one query (paper Eq. 1) and the node-power variant of Supplement S.IV."""

from __future__ import annotations

import numpy as np

SECONDS_PER_HOUR_OVER_1000 = 3.6  # kW * s -> Wh: 1 kJ = 1/3.6 Wh


def energy_per_query_wh(pue: np.ndarray | float, p_node_kw: np.ndarray | float, l_eff_tokens: np.ndarray | float,
                        tps_tokens_per_s: np.ndarray | float, alpha: np.ndarray | float = 1.0) -> np.ndarray:
    """E = PUE / 3.6 * P_node[kW] * L_eff / TPS / alpha, in Wh per query (Eq. 1 and Sec. 3)."""
    return np.asarray(pue) / SECONDS_PER_HOUR_OVER_1000 * p_node_kw * l_eff_tokens / tps_tokens_per_s / alpha


def node_seconds_per_query(l_eff_tokens: np.ndarray | float, tps_tokens_per_s: np.ndarray | float) -> np.ndarray:
    """Seconds of a whole node a query occupies at the node's saturated throughput: L_eff / TPS (Eq. 1's
    assumption; what a fleet's node count and hardware cost are made of)."""
    return np.asarray(l_eff_tokens) / tps_tokens_per_s


# The authors' S.III code weighs an input token one thirtieth of an output token (L_out + L_in / 30).
INPUT_TOKEN_WEIGHT_S3_CODE = 1 / 30


def effective_tokens(l_in_tokens: float, l_out_tokens: np.ndarray, l_eff: str) -> np.ndarray:
    """L_eff: the output tokens (main analysis), input plus output tokens (the v1 text's S.III), or output
    tokens plus a thirtieth of the input tokens (the authors' S.III code)."""
    if l_eff == "out":
        return np.asarray(l_out_tokens)
    if l_eff == "in_plus_out":
        return l_in_tokens + np.asarray(l_out_tokens)
    if l_eff == "out_plus_in_over_30":
        return np.asarray(l_out_tokens) + l_in_tokens * INPUT_TOKEN_WEIGHT_S3_CODE
    raise ValueError(f"unknown L_eff {l_eff!r}")


def power_linear_in_tps_kw(tps_tokens_per_s: np.ndarray, p_idle_kw: float, p_high_kw: float) -> np.ndarray:
    """S.IV: P_node rises linearly from P_idle at the lowest TPS to p_high at the highest."""
    lo, hi = float(np.min(tps_tokens_per_s)), float(np.max(tps_tokens_per_s))
    if hi == lo:
        return np.full_like(tps_tokens_per_s, p_high_kw, dtype=float)
    return p_idle_kw + (p_high_kw - p_idle_kw) * (tps_tokens_per_s - lo) / (hi - lo)


def power_proportional_to_tps_kw(tps_tokens_per_s: np.ndarray, tps_max: float, p_max_kw: float,
                                 util_at_zero: float, util_span: float) -> np.ndarray:
    """The authors' S.IV code: P_node / P_max = base + span x TPS / TPS_max, not drawn (the code clips TPS / TPS_max
    to [0, 1]; a fitted TPS is capped at TPS_max, so here it always lies there)."""
    return p_max_kw * (util_at_zero + util_span * np.asarray(tps_tokens_per_s) / tps_max)
