"""Fleet scale (paper Sec. 4, Supplement S.V): the factor beta and daily energy."""

from __future__ import annotations

import math
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


def mean_load_frac(load_min_frac: float, load_max_frac: float) -> float:
    """S.V: the mean of a sinusoidal daily load between its minimum and maximum."""
    return (load_min_frac + load_max_frac) / 2


def beta_factor(p_max_kw: float, p_idle_kw: float, load_min_frac: float, load_max_frac: float,
                node_redundancy: float, interconnect_overhead: float, beta_util_fixed: float | None = None) -> Beta:
    """S.V: a sinusoidal daily load between min and max has mean f = (min + max) / 2.

    E_sin = P_idle*24 + (P_max - P_idle)*24*f;  E_uniform = P_max*24;
    beta_util = (1/f) * E_sin / E_uniform: energy per unit of served work relative to full load; a fixed
    beta_util (the authors' code multiplies 1.076) replaces it, the node energies are still reported.
    """
    f = mean_load_frac(load_min_frac, load_max_frac)
    e_sin = p_idle_kw * HOURS_PER_DAY + (p_max_kw - p_idle_kw) * HOURS_PER_DAY * f
    e_uniform = p_max_kw * HOURS_PER_DAY
    beta_util = e_sin / e_uniform / f if beta_util_fixed is None else beta_util_fixed
    return Beta(e_sin, e_uniform, f, beta_util, node_redundancy * beta_util * interconnect_overhead)


def fleet_gwh_per_day(queries_per_day: float, mean_traditional_wh: float, mean_tts_wh: float, tts_share: float,
                      beta: float) -> float:
    """beta * sum of E over a day's queries; for N in the millions the sum is N times the mean."""
    mean_wh = (1 - tts_share) * mean_traditional_wh + tts_share * mean_tts_wh
    return beta * queries_per_day * mean_wh / WH_PER_GWH


def one_level_gwh_per_day(queries_per_day: float, mean_wh: float, second_moment_wh2: float, beta: float,
                          z: float) -> tuple[float, float]:
    """The day's total of N independent queries of a mix, mean -/+ z sqrt(N variance), times beta, in GWh/day:
    the per-query randomness alone (a deployment's own PUE, price and alpha do not average out; see the
    two-level spread)."""
    half_width = z * math.sqrt(max(second_moment_wh2 - mean_wh ** 2, 0.0) * queries_per_day)
    return tuple(beta * (queries_per_day * mean_wh + sign * half_width) / WH_PER_GWH for sign in (-1, 1))
