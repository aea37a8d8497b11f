"""The words every layer shares, declared once: regimes, statistics, random inputs, levers, fleet scenarios.

Each is data, as SALib declares a problem: the engine computes from it, the command line and the Excel
functions check and label by it, and the workbook names its sheets, columns and defined names after it.
A random input carries its HDR variables and its inverse CDF over the declared parameters it names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .method import distributions as dist


@dataclass(frozen=True)
class Regime:
    """A kind of query: its words, its short name in defined and sheet names (Baseline_TTS_Median_Wh, Sim_TTS),
    the parameter of its median output length, and the other names a user may type for it."""

    key: str
    words: str
    short: str
    l_out_median: str
    aliases: tuple[str, ...] = ()


REGIMES: dict[str, Regime] = {r.key: r for r in (
    Regime("traditional", "traditional", "Traditional", "l_out_median_traditional_tokens", ("trad",)),
    Regime("tts", "test-time scaling", "TTS", "l_out_median_tts_tokens",
           ("test-time scaling", "test_time_scaling", "testtimescaling", "reasoning")))}


def regime_named(text: str) -> str | None:
    """The regime a (stripped, lower-case) name or alias stands for, None if none."""
    for regime in REGIMES.values():
        if text == regime.key or text in regime.aliases:
            return regime.key
    return None


@dataclass(frozen=True)
class Statistic:
    """A statistic every result reports: a percentile (interpolated as PERCENTILE.INC) or, quantile None, the mean."""

    key: str
    quantile: float | None


STATISTICS: dict[str, Statistic] = {s.key: s for s in (
    Statistic("median", 0.5), Statistic("mean", None), Statistic("p5", 0.05), Statistic("p25", 0.25),
    Statistic("p75", 0.75), Statistic("p95", 0.95))}  # in the order results list them
# The workbook's columns: the percentiles rising (one multi-cell array formula), then the mean.
BY_QUANTILE = (*sorted((s for s in STATISTICS.values() if s.quantile is not None), key=lambda s: s.quantile),
               *(s for s in STATISTICS.values() if s.quantile is None))


Params = Mapping[str, object]


def alpha_range(lever: str, regime: str, params: Params) -> tuple[float, float]:
    """P5 and P95 of a lever's alpha (the improved scenario has its own P95 for test-time scaling, as the
    authors' 1B scripts)."""
    p95 = "alpha_improved_tts_p95" if lever == "improved" and regime == "tts" else f"alpha_{lever}_p95"
    return params[f"alpha_{lever}_p5"], params[p95]


def _alpha(lever: str) -> Callable[[np.ndarray, Params, str], np.ndarray]:
    return lambda u, p, regime: dist.lognormal_p5_p95_ppf(u, *alpha_range(lever, regime, p))


@dataclass(frozen=True)
class RandomInput:
    """A random input of the method: its words, its HDR variable per query (and per deployment, for the outer
    level of a fleet's spread), and its inverse CDF of (uniforms, parameters, regime)."""

    name: str
    words: str
    hdr_variable: int
    ppf: Callable[[np.ndarray, Params, str], np.ndarray]
    deployment_variable: int | None = None


RANDOM_INPUTS: dict[str, RandomInput] = {r.name: r for r in (
    RandomInput("l_out", "output length L_out: exponential around the regime's median (Sec. 2)", 1,
                lambda u, p, regime: dist.exponential_ppf_from_median(u, p[REGIMES[regime].l_out_median])),
    RandomInput("util", "node power P_node / P_max: log-normal through its P5-P95 (Sec. 2)", 2,
                lambda u, p, regime: dist.util_ppf(u, p["pnode_reading"], p["util_median"], p["util_p5"],
                                                   p["util_p95"], p["util_above_one"] == "cap")),
    RandomInput("pue", "PUE: log-normal through its P5-P95 (Sec. 2)", 3,
                lambda u, p, regime: dist.pue_ppf(u, p["pue_p5"], p["pue_p95"], p["pue_below_one"]), 10),
    RandomInput("alpha_model", "the model lever's alpha (Sec. 3 i)", 4, _alpha("model")),
    RandomInput("alpha_serving", "the serving lever's alpha (Sec. 3 ii)", 5, _alpha("serving")),
    RandomInput("alpha_hardware", "the hardware lever's alpha (Sec. 3 iii)", 6, _alpha("hardware")),
    RandomInput("alpha_improved", "the improved fleet scenario's alpha (Sec. 4)", 7, _alpha("improved"), 13),
    RandomInput("price", "electricity price: two half-log-normals through P5, median and P95 (EIA 2023)", 8,
                lambda u, p, regime: dist.split_lognormal_ppf(u, p["price_usd_per_kwh_median"],
                                                              p["price_usd_per_kwh_p5"], p["price_usd_per_kwh_p95"]),
                11),
    RandomInput("wue", "on-site WUE: log-normal through its P5-P95", 9,
                lambda u, p, regime: dist.lognormal_p5_p95_ppf(u, p["wue_l_per_kwh_p5"], p["wue_l_per_kwh_p95"]),
                12))}
VARIABLE_IDS = {r.name: r.hdr_variable for r in RANDOM_INPUTS.values()}
# A calibrated model's throughput factor (issue 20): drawn only where measurements informed it.
CALIBRATION_VARIABLE_IDS = {"tps_factor": 14}
ESTIMATE_VARIABLE_IDS = {"estimate_error": 15, "active_params": 16}  # an estimated model's throughput factor
DEPLOYMENT_VARIABLE_IDS = dict(sorted(((r.name, r.deployment_variable) for r in RANDOM_INPUTS.values()
                                      if r.deployment_variable), key=lambda item: item[1]))


@dataclass(frozen=True)
class Lever:
    """An efficiency lever: its words and the random alphas it divides every query's energy by."""

    key: str
    words: str
    alphas: tuple[str, ...]


LEVERS: dict[str, Lever] = {lv.key: lv for lv in (
    Lever("model", "model", ("alpha_model",)), Lever("serving", "serving", ("alpha_serving",)),
    Lever("hardware", "hardware", ("alpha_hardware",)),
    # InferWatt's own: one reading of the paper's "combined levers give 8-20x" (Sec. 3); the paper defines none.
    Lever("combined", "all three combined (InferWatt's product of the three)",
          ("alpha_model", "alpha_serving", "alpha_hardware")),
    Lever("improved", "improved (fleet scenario, alpha 1.5-3)", ("alpha_improved",)))}
ALPHA_LEVERS = tuple(k for k, lv in LEVERS.items() if lv.alphas == (f"alpha_{k}",))  # each with an alpha of its own


@dataclass(frozen=True)
class FleetScenario:
    """One of the paper's three fleet scenarios (Sec. 4): whether a share tts_share of its queries is test-time
    scaling, whether every query is divided by the improved alpha, and its part of the defined names."""

    key: str
    words: str
    mixed: bool
    improved: bool
    name: str

    @property
    def figure(self) -> str:
        """Its key in data/paper_results.csv."""
        return f"fleet_{self.key}_gwh_per_day"


FLEET_SCENARIOS: dict[str, FleetScenario] = {s.key: s for s in (
    FleetScenario("baseline", "all traditional", False, False, "Baseline"),
    FleetScenario("mixed", "mix with the test-time-scaling share", True, False, "Mixed"),
    FleetScenario("mixed_improved", "mix, improved alpha", True, True, "Mixed_Improved"))}
