"""Beyond energy: money, carbon, water and capacity from the energy of Eq. 1 (InferWatt's, not the paper's).

Units chain without hidden factors: Wh x L/kWh = mL, Wh x gCO2e/kWh = mgCO2e, so each
per-query quantity is the energy times an intensity over WH_PER_KWH.
"""

from __future__ import annotations

import numpy as np

from .fleet import HOURS_PER_DAY

WH_PER_KWH = 1000.0
SECONDS_PER_DAY = HOURS_PER_DAY * 3600
DAYS_PER_YEAR = 365  # a calendar year; amortisation and yearly totals use the same
KWH_PER_GWH = 1e6
ML_PER_M3 = 1e6
G_PER_T = 1e6
GWH_PER_TWH = 1000


def electricity_cost_usd(energy_wh: np.ndarray, price_usd_per_kwh: np.ndarray | float) -> np.ndarray:
    """Facility energy times the price per kWh."""
    return np.asarray(energy_wh) / WH_PER_KWH * price_usd_per_kwh


def carbon_g(energy_wh: np.ndarray, carbon_intensity_g_per_kwh: float) -> np.ndarray:
    """Operational (scope 2, location-based) carbon: facility energy times the grid's intensity."""
    return np.asarray(energy_wh) / WH_PER_KWH * carbon_intensity_g_per_kwh


def water_ml(energy_wh: np.ndarray, pue: np.ndarray | float, wue_l_per_kwh: np.ndarray | float,
             water_intensity_l_per_kwh: float) -> np.ndarray:
    """On-site cooling water (WUE is per kWh of IT energy: the facility energy over PUE) plus the water
    consumed to generate the facility's electricity. Wh x L/kWh = mL."""
    energy_wh = np.asarray(energy_wh)
    return energy_wh / pue * wue_l_per_kwh + energy_wh * water_intensity_l_per_kwh


def hardware_usd(node_seconds: np.ndarray, usd_per_node: float, lifetime_years: float) -> np.ndarray:
    """Straight-line amortisation of the node's price over every second of its lifetime, charged for the
    node-seconds a query occupies at saturated throughput (Eq. 1's assumption)."""
    return np.asarray(node_seconds) * usd_per_node / (lifetime_years * DAYS_PER_YEAR * SECONDS_PER_DAY)


def hardware_usd_per_day(nodes: float, usd_per_node: float, lifetime_years: float) -> float:
    """A fleet's nodes amortised straight-line over their lifetime, per day."""
    return nodes * usd_per_node / (lifetime_years * DAYS_PER_YEAR)


def twh_per_year(gwh_per_day: float) -> float:
    """A daily energy over a calendar year: GWh/day x 365 / 1000."""
    return gwh_per_day * DAYS_PER_YEAR / GWH_PER_TWH


def nodes_needed(queries_per_day: float, mean_node_seconds: float, mean_load_frac: float,
                 node_redundancy: float) -> float:
    """Nodes that serve the day's queries when the load swings around a mean fraction of capacity
    (S.V's sinusoid, mean f) plus the redundant ones: redundancy * N * s / 86,400 / f (not rounded)."""
    return node_redundancy * queries_per_day * mean_node_seconds / SECONDS_PER_DAY / mean_load_frac


def peak_to_mean_power(p_max_kw: float, p_idle_kw: float, mean_load_frac: float, load_max_frac: float) -> float:
    """Node power at the daily peak over its daily mean, on S.V's linear idle-to-P_max power curve."""
    return (p_idle_kw + (p_max_kw - p_idle_kw) * load_max_frac) / (p_idle_kw + (p_max_kw - p_idle_kw) * mean_load_frac)


def average_mw(gwh_per_day: np.ndarray | float) -> np.ndarray:
    """Average power of a daily energy: GWh/day x 1000 / 24 = MW."""
    return np.asarray(gwh_per_day) * 1000 / HOURS_PER_DAY
