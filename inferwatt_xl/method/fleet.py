"""Fleet scale (paper Sec. 4, Supplement S.V): the factor beta and daily energy."""

from __future__ import annotations

from dataclasses import dataclass

HOURS_PER_DAY = 24
WH_PER_GWH = 1e9


@dataclass(frozen=True)
class Beta:
    """beta = redundancy * beta_util * interconnect, with the node energies behind beta_util."""

    e_node_sin_kwh_per_day: float
    e_node_uniform_kwh_per_day: float
    mean_load_frac: float
    beta_util: float
    beta: float


def beta_factor(p_max_kw: float, p_idle_kw: float, load_min_frac: float, load_max_frac: float,
                node_redundancy: float, interconnect_overhead: float, beta_util_fixed: float | None = None) -> Beta:
    """S.V: a sinusoidal daily load between min and max has mean f = (min + max) / 2.

    E_sin = P_idle*24 + (P_max - P_idle)*24*f;  E_uniform = P_max*24;
    beta_util = (1/f) * E_sin / E_uniform: energy per unit of served work relative to full load; a fixed
    beta_util (the authors' code multiplies 1.076) replaces it, the node energies are still reported.
    """
    f = (load_min_frac + load_max_frac) / 2
    e_sin = p_idle_kw * HOURS_PER_DAY + (p_max_kw - p_idle_kw) * HOURS_PER_DAY * f
    e_uniform = p_max_kw * HOURS_PER_DAY
    beta_util = e_sin / e_uniform / f if beta_util_fixed is None else beta_util_fixed
    return Beta(e_sin, e_uniform, f, beta_util, node_redundancy * beta_util * interconnect_overhead)


def fleet_gwh_per_day(queries_per_day: float, mean_traditional_wh: float, mean_tts_wh: float, tts_share: float,
                      beta: float) -> float:
    """beta * sum of E over a day's queries; for N in the millions the sum is N times the mean."""
    mean_wh = (1 - tts_share) * mean_traditional_wh + tts_share * mean_tts_wh
    return beta * queries_per_day * mean_wh / WH_PER_GWH
