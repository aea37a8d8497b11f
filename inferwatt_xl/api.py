"""The Python API: looks up the catalogue, validates inputs, and calls the method.

Every face of InferWatt (command line, Excel functions, workbook generator) goes
through these functions; none computes the method itself.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from . import catalogue, estimates
from . import vocabulary as vocab
from .catalogue import check_number, find_model
from .errors import InputError
from .method import calibration as calibration_math
from .method import distributions as dist
from .method.energy import (
    effective_tokens,
    energy_per_query_wh,
    node_seconds_per_query,
    power_linear_in_tps_kw,
    power_proportional_to_tps_kw,
)
from .method.fleet import WH_PER_GWH, Beta, beta_factor, fleet_gwh_per_day, one_level_gwh_per_day
from .method.legacy_stream import LegacyStream
from .method.throughput import ThroughputFit, fit_throughput
from .method.trimming import two_stage_mask, within_percentiles
from .method.uniforms import hdr_uniforms, numpy_uniforms

if TYPE_CHECKING:
    import pandas as pd

# The shared words (vocabulary.py), under the names the faces have always used.
REGIMES = tuple(vocab.REGIMES)
ALPHA_LEVERS = vocab.ALPHA_LEVERS  # each draws a log-normal alpha of its own
LEVERS = tuple(vocab.LEVERS)
STATISTICS = tuple(vocab.STATISTICS)
VARIABLE_IDS = vocab.VARIABLE_IDS  # HDR variable numbers of the random inputs; the workbook uses the same ones
DEPLOYMENT_VARIABLE_IDS = vocab.DEPLOYMENT_VARIABLE_IDS  # the outer (deployment-level) draws of a fleet spread
LEVER_ALPHAS = {k: lv.alphas for k, lv in vocab.LEVERS.items()}  # the random alphas each lever divides by
alpha_range = vocab.alpha_range

Seed = int | np.random.Generator | None


# ---------------------------------------------------------------- inputs


def resolve_params(overrides: Mapping[str, object] | None = None) -> dict[str, float | int | str]:
    """Defaults, then the values of the preset named in `overrides` (if any), then the other overrides, each
    validated against its declaration and each other."""
    declared = catalogue.parameters()
    params = catalogue.defaults()
    overrides = dict(overrides or {})
    for name in overrides:
        if name not in declared:
            raise InputError("parameter name", name, "one of " + ", ".join(declared))
    if overrides.get("preset") is not None:
        params["preset"] = declared["preset"].check(overrides["preset"])
        if params["preset"] != catalogue.DEFAULT_PRESET:  # the default preset is the declared defaults
            params.update({name: v.value for name, v in catalogue.presets()[params["preset"]].items()})
    for name, value in overrides.items():
        if isinstance(value, str) and not value.strip() and name in catalogue.EMPTY_MEANS_COMPUTED:
            params[name] = None  # "" empties a value that the method then computes (e.g. beta_util from S.V)
        elif value is not None and name != "preset":
            params[name] = declared[name].check(value)
    for names in ORDERED_PARAMETERS:
        _check_order(params, *names)
    return params


# Parameters that must not decrease in this order (percentiles of one distribution, min and max of a range).
ORDERED_PARAMETERS = (("util_p5", "util_median", "util_p95"), ("pue_p5", "pue_p95"),
                      *((f"alpha_{lever}_p5", f"alpha_{lever}_p95") for lever in ALPHA_LEVERS),
                      ("load_min_frac", "load_max_frac"),
                      ("price_usd_per_kwh_p5", "price_usd_per_kwh_median", "price_usd_per_kwh_p95"),
                      ("wue_l_per_kwh_p5", "wue_l_per_kwh_p95"))


def _check_order(params: Mapping[str, object], *names: str) -> None:
    """Percentiles must not decrease (P5 <= median <= P95, min <= max)."""
    for lo, hi in itertools.pairwise(names):
        if lo in params and hi in params and params[lo] > params[hi]:  # (a missing one is the catalogue's error)
            raise InputError(hi, params[hi], f"a number >= {lo} ({params[lo]})")


def normalise_regime(regime: object) -> str:
    """'traditional' or 'tts' from the names analysts use."""
    key = vocab.regime_named(regime.strip().lower()) if isinstance(regime, str) else None
    if key is None:
        raise InputError("regime", regime, "'traditional' or 'tts' (test-time scaling)")
    return key


def normalise_lever(lever: object) -> str | None:
    """A lever's name (any case), or None for no lever (empty, or the word none)."""
    if lever is None or (isinstance(lever, str) and lever.strip().lower() in ("", "none")):
        return None
    if not isinstance(lever, str) or lever.strip().lower() not in LEVERS:
        raise InputError("lever", lever, "one of " + ", ".join(repr(x) for x in LEVERS) + " or none")
    return lever.strip().lower()


def is_baseline(name: object) -> bool:
    return isinstance(name, str) and name.strip().lower() == "baseline"


def baseline_candidates(params: Mapping[str, object]) -> list[str]:
    """The models 'baseline' stands for before any selection: the declared set, or (top3_by_median) the models
    of the paper's H100 throughput data, among which the run picks the three with the highest median."""
    if params["baseline_rule"] == "top3_by_median":
        return [m for m in catalogue.paper_models(params["paper_h100_rows"]) if m in catalogue.models()]
    return catalogue.baseline_models()


def resolve_models(model: str | Iterable[str], params: Mapping[str, object] | None = None) -> list[str]:
    """Canonical model names: one name, 'baseline' (the >200B mixture) or a list of names."""
    names = [model] if isinstance(model, str) else list(model) if isinstance(model, (list, tuple)) else [model]
    if not names:
        raise InputError("model", model, "a model name, 'baseline' or a non-empty list of model names")
    out: list[str] = []
    for name in names:
        name = name.name if isinstance(name, CalibratedModel) else name
        if is_baseline(name):
            out.extend(baseline_candidates(params or resolve_params()))
        else:
            out.append(find_model(name).name)
    return list(dict.fromkeys(out))


def check_n(n: object) -> int:
    """The number of trials, bounded as declared (so a typo cannot freeze Excel)."""
    return catalogue.parameters()["n_trials"].check(n, "n")


# ---------------------------------------------------------------- throughput


FitKey = tuple[str, str]  # (model, node)


def node_spec(node: str, params: Mapping[str, object]) -> catalogue.Node:
    """A node of the catalogue with the P_max a parameter gives it (the paper's H100 nodes, see presets)."""
    spec = catalogue.nodes()[node]
    p_max = params.get(catalogue.NODE_POWER_PARAMETERS.get(node, ""))
    if p_max is None:
        return spec
    if p_max <= spec.p_idle_kw:
        raise InputError(catalogue.NODE_POWER_PARAMETERS[node], p_max, f"a power above the node's P_idle "
                                                                      f"({spec.p_idle_kw} kW)")
    return replace(spec, p_max_kw=p_max)


def shipped_benchmarks(params: Mapping[str, object] | None = None) -> catalogue.Benchmarks:
    """The shipped throughput rows, with the paper's H100 rows the parameters choose."""
    return catalogue.benchmarks(params["paper_h100_rows"] if params else "code")


def _fit(b: catalogue.Benchmarks, strategy: str, min_rows: int) -> dict[FitKey, ThroughputFit]:
    """One fit per (model, node); sparse ones borrow the slopes of rich ones on the same GPU type."""
    keys = list(zip(b.model.tolist(), b.nodes().tolist(), strict=True))
    groups = list(dict.fromkeys(keys))  # group number -> (model, node)
    number = {key: i for i, key in enumerate(groups)}
    gpus = np.array([catalogue.nodes()[node].gpu for _, node in keys])
    fits = fit_throughput(np.array([number[k] for k in keys]), b.input_tokens, b.output_tokens, b.tps_tokens_per_s,
                          strategy, min_rows, gpus)
    return {groups[i]: fit for i, fit in fits.items()}


@lru_cache(maxsize=32)
def _shipped_fits(strategy: str, min_rows_own_fit: int, paper_h100_rows: str) -> dict[FitKey, ThroughputFit]:
    return _fit(catalogue.benchmarks(paper_h100_rows), strategy, min_rows_own_fit)


def throughput_fits(sparse_strategy: str | None = None, min_rows_own_fit: int | None = None,
                    benchmarks: catalogue.Benchmarks | None = None, **overrides: object
                    ) -> dict[FitKey, ThroughputFit]:
    """Fitted throughput of every (model, node) in the benchmarks (the shipped ones unless given)."""
    params = resolve_params({"sparse_strategy": sparse_strategy, "min_rows_own_fit": min_rows_own_fit, **overrides})
    return dict(_fits(params, benchmarks))  # a copy: the cache is never handed out


def _fits(params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None
          ) -> Mapping[FitKey, ThroughputFit]:
    """The fits for already validated parameters: the shipped ones from the cache, a user's set fitted (the rows
    a user registered, e.g. with --benchmarks, fitted with the shipped ones)."""
    if benchmarks is None:
        if catalogue.user_benchmarks() is None:
            return _shipped_fits(params["sparse_strategy"], params["min_rows_own_fit"], params["paper_h100_rows"])
        return _registered_fits(params["sparse_strategy"], params["min_rows_own_fit"], params["paper_h100_rows"],
                                catalogue.user_version())
    return _fit(benchmarks, params["sparse_strategy"], params["min_rows_own_fit"])


@lru_cache(maxsize=8)
def _registered_fits(strategy: str, min_rows_own_fit: int, paper_h100_rows: str, version: int
                     ) -> dict[FitKey, ThroughputFit]:
    """The shipped rows and those the user registered, fitted together once per version of the user's rows."""
    return _fit(catalogue.benchmarks(paper_h100_rows) + catalogue.user_benchmarks(), strategy, min_rows_own_fit)


@lru_cache(maxsize=8)
def _catalogue_fits(strategy: str, min_rows_own_fit: int) -> dict[FitKey, ThroughputFit]:
    """Fits of the rest of the catalogue (every model and node the paper's data does not cover), on their own
    rows only: the paper's fits never see them, so its numbers cannot move."""
    return _fit(catalogue.catalogue_benchmarks(), strategy, min_rows_own_fit)


def _rows_of(benchmarks: catalogue.Benchmarks | None, params: Mapping[str, object] | None
             ) -> list[catalogue.Benchmarks]:
    """Every benchmark set a run's fits come from: the run's own (or the shipped and registered rows), then the
    rest of the catalogue."""
    own = benchmarks or shipped_benchmarks(params)
    user = catalogue.user_benchmarks() if benchmarks is None else None
    return [own, *((user,) if user is not None else ()), catalogue.catalogue_benchmarks()]


def nodes_with_data(model: str, benchmarks: catalogue.Benchmarks | None = None,
                    params: Mapping[str, object] | None = None) -> list[str]:
    """The nodes that have throughput rows for `model`, in catalogue order."""
    have = {nd for b in _rows_of(benchmarks, params) for nd in b.nodes()[b.model == model].tolist()}
    return [n for n in catalogue.nodes() if n in have]


def benchmark_counts(model: str, params: Mapping[str, object] | None = None) -> dict[str, int]:
    """Benchmark rows of `model` per node (the shipped ones, the catalogue's and any the user registered)."""
    counts: dict[str, int] = {}
    for b in _rows_of(None, params):
        for nd in b.nodes()[b.model == model].tolist():
            counts[nd] = counts.get(nd, 0) + 1
    return {n: counts[n] for n in catalogue.nodes() if n in counts}


def throughput_status(model: str, node: str, params: Mapping[str, object]) -> str:
    """How a model's throughput on a node is obtained: 'fitted' (its rows), 'estimated' (its architecture), or
    why it cannot be served there."""
    try:
        fit = fit_for(model, node, params)
    except InputError as err:
        return f"not servable: {err.allowed}"
    return "estimated" if fit.log_sd > 0 else "fitted"


def model_table() -> list[dict[str, object]]:
    """Every model with its nodes: benchmark rows per node, and on every node whether its throughput is fitted,
    estimated or cannot be served (inferwatt models, IW_MODELS)."""
    params = resolve_params()
    rows = []
    for m in catalogue.models().values():
        rows.append({**m.__dict__, "aliases": list(m.aliases), "benchmark_rows": benchmark_counts(m.name, params),
                     "throughput": {nd: throughput_status(m.name, nd, params) for nd in catalogue.nodes()},
                     "caveats": {nd: list(c) for nd in catalogue.nodes()
                                 if (c := estimates.flags(params["paper_h100_rows"]).get((m.name, nd)))},
                     "user_model": m.name not in catalogue.shipped_models()})
    return rows


def node_table() -> list[dict[str, object]]:
    """Every node with its power and its GPU's data sheet, each with its source (inferwatt nodes, IW_NODES)."""
    out = []
    for n in catalogue.nodes().values():
        g = catalogue.gpus()[n.gpu]
        out.append({**n.__dict__, "aliases": list(n.aliases), "generation": g.generation,
                    "gpu_memory_gb": g.memory_gb, "gpu_memory_bandwidth_tb_per_s": g.memory_bandwidth_tb_per_s,
                    **{f"gpu_{p.lower()}_dense_tflops": g.tflops[p] for p in catalogue.PRECISIONS},
                    "gpu_tdp_w": g.tdp_w, "gpu_source": g.source})
    return out


def resolve_node(model: str, node: object = None, benchmarks: catalogue.Benchmarks | None = None,
                 params: Mapping[str, object] | None = None) -> str:
    """The node a model runs on: its catalogue node, or the one asked for (any node of the catalogue: without
    throughput rows there, its throughput is estimated from its architecture)."""
    if node is None or (isinstance(node, str) and not node.strip()):
        return catalogue.models()[model].node if model in catalogue.models() else ""
    return catalogue.find_node(node).name


def fit_for(model: str, node: str, params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None,
            fits: Mapping[FitKey, ThroughputFit] | None = None) -> ThroughputFit:
    """The throughput fit of a model on a node (from `fits` when the caller has them): its benchmark rows', else
    the rest of the catalogue's, else the architecture's estimate; or a clear error saying what is missing."""
    fits = _fits(params, benchmarks) if fits is None else fits
    if (model, node) in fits:
        return fits[(model, node)]
    rest = _catalogue_fits(params["sparse_strategy"], params["min_rows_own_fit"])
    if (model, node) in rest:
        return rest[(model, node)]
    have_rows = any(((b.model == model) & (b.nodes() == node)).any() for b in _rows_of(benchmarks, params))
    if not have_rows:
        if model not in catalogue.models():
            raise InputError("model", model, f"a model with throughput benchmarks on {node or 'its node'}, or a "
                                             "model of the catalogue (its architecture gives an estimate)")
        return _estimated(catalogue.models()[model], node)
    b = benchmarks or shipped_benchmarks(params)
    nodes = b.nodes()
    gpu = catalogue.nodes()[node].gpu
    same_gpu = np.array([catalogue.nodes()[n].gpu == gpu for n in nodes])
    counts = [int(((b.model == m) & (nodes == n)).sum()) for m, n in set(zip(b.model[same_gpu], nodes[same_gpu],
                                                                          strict=True))] or [0]
    raise InputError("min_rows_own_fit", params["min_rows_own_fit"],
                     f"at most {max(counts)}, the benchmark rows of the best-covered model on {gpu}, so that "
                     f"{model} on {node} can borrow its slopes")


@lru_cache(maxsize=256)
def _estimated(model: catalogue.Model, node: str) -> ThroughputFit:
    return estimates.estimated_fit(model, node)


def caveats(model: str, node: str, params: Mapping[str, object] | None = None,
            benchmarks: catalogue.Benchmarks | None = None) -> tuple[str, ...]:
    """What a result for this model on this node prints beside it: flagged rows, an estimate and its error."""
    params = params or resolve_params()
    try:
        fit = fit_for(model, node, params, benchmarks)
    except InputError:
        fit = None
    return estimates.caveats(model, node, {(model, node): fit} if fit else None, params["paper_h100_rows"])


def estimate_factors(nodes: Mapping[str, str], params: Mapping[str, object], n: int, seed: Seed,
                     benchmarks: catalogue.Benchmarks | None = None) -> dict[str, np.ndarray]:
    """Per estimated model (no benchmark rows on its node), its throughput factor per trial: the law's
    cross-validated log-normal error (HDR variable 15) times, for a closed model, its active parameters drawn
    log-uniform over the published range (variable 16) to the law's power. Models with benchmarks: none."""
    fits = _fits(params, benchmarks)
    spread = {m: fit_for(m, nd, params, benchmarks, fits) for m, nd in nodes.items()}
    ranged = {m: catalogue.models()[m].active_params_range_b for m in nodes if m in catalogue.models()}
    chosen = [m for m in nodes if spread[m].log_sd > 0 or ranged.get(m)]
    if not chosen:
        return {}
    require_hdr(params, "a model without benchmark rows on its node (an estimate)")
    u = draw_uniforms(("estimate_error", "active_params"), n, seed, vocab.ESTIMATE_VARIABLE_IDS)
    z = dist.normal_scores(u["estimate_error"][None, :])[0]
    out = {}
    for m in chosen:
        factor = np.exp(spread[m].log_sd * z)
        if ranged.get(m):
            low, high = ranged[m]
            active = np.exp(math.log(low) + u["active_params"] * (math.log(high) - math.log(low)))
            factor = factor * (active / catalogue.models()[m].active_params_b) ** estimates.active_params_exponent()
        out[m] = factor
    return out


def tps(model: str, l_in_tokens: float, l_out_tokens: float, sparse_strategy: str | None = None,
        tps_beyond_range: str | None = None, node: str | None = None, **overrides: object) -> float:
    """Fitted output tokens per second of a saturated node serving `model` (its own node unless given)."""
    model, node, overrides = with_calibrated(model, node, overrides)
    name = find_model(model).name
    params = resolve_params({**overrides, "tps_beyond_range": tps_beyond_range, "sparse_strategy": sparse_strategy})
    declared = catalogue.parameters()
    l_in = declared["l_in_tokens"].check(l_in_tokens)
    l_out = check_number("l_out_tokens", l_out_tokens, (">", 0), declared["l_out_median_tts_tokens"].upper)
    node_name = resolve_node(name, node, params=params)
    factor = median_throughput_factor(params, name, node_name)
    fit = fit_for(name, node_name, params)
    return finite(float(fit.tps(l_in, l_out, params["tps_beyond_range"] == "hold")) * factor, "throughput")


# ---------------------------------------------------------------- one configuration


def energy_wh(model: str, l_out_tokens: float, util: float, pue: float, l_in_tokens: float | None = None,
              l_eff: str | None = None, alpha: float = 1.0, sparse_strategy: str | None = None,
              tps_tokens_per_s: float | None = None, tps_beyond_range: str | None = None,
              node: str | None = None, **overrides: object) -> float:
    """Wh of one query of one configuration (Eq. 1): util = P_node / P_max, no randomness.

    The throughput is the model's fit at (L_in, L_out) unless `tps_tokens_per_s` is given.
    """
    model, node, overrides = with_calibrated(model, node, overrides)
    m = find_model(model)
    params = resolve_params({**overrides, "l_in_tokens": l_in_tokens, "l_eff": l_eff,
                             "sparse_strategy": sparse_strategy, "tps_beyond_range": tps_beyond_range})
    declared = catalogue.parameters()
    l_out = check_number("l_out_tokens", l_out_tokens, (">", 0), declared["l_out_median_tts_tokens"].upper)
    util = check_number("util", util, (">", 0), ("<=", 1))
    pue = check_number("pue", pue, (">=", 1), declared["pue_p95"].upper)
    alpha = check_number("alpha", alpha, (">", 0), declared["alpha_model_p95"].upper)
    node_name = resolve_node(m.name, node, params=params)
    p_node_kw = util * node_spec(node_name, params).p_max_kw
    hold = params["tps_beyond_range"] == "hold"
    if tps_tokens_per_s is None:
        rate = fit_for(m.name, node_name, params).tps(params["l_in_tokens"], l_out, hold) * \
            median_throughput_factor(params, m.name, node_name)
    else:
        rate = check_number("tps_tokens_per_s", tps_tokens_per_s, (">", 0))
    l_eff_tokens = effective_tokens(params["l_in_tokens"], l_out, params["l_eff"])
    return finite(float(energy_per_query_wh(pue, p_node_kw, l_eff_tokens, rate, alpha)), "energy per query")


def finite(value: float, what: str) -> float:
    """Every result leaves the API finite: a NaN or infinity means inputs at the edge of float range."""
    if not math.isfinite(value):
        raise InputError(what, value, "a finite number: the inputs are too extreme to compute it")
    return value


def require_hdr(params: Mapping[str, object], what: str) -> None:
    """rng = paper reproduces what the authors' scripts compute (energy per query and the fleet); other results
    rest on common random numbers and the HDR draws the workbook shares."""
    if params["rng"] != "hdr":
        raise InputError("rng", params["rng"], f"'hdr' for {what} (rng = paper reproduces the authors' scripts: "
                                               "simulate, fleet and reproduce)")


def default_configuration(**overrides: object) -> dict[str, float]:
    """The single configuration a deterministic energy uses when the user gives none: the median
    P_node / P_max and the median of the PUE range (the middle of each declared distribution)."""
    params = resolve_params(overrides)
    util = draws_of("util", np.array([0.5]), params)
    return {"util": float(util[0]), "pue": dist.lognormal_median(params["pue_p5"], params["pue_p95"])}


def clear_caches() -> None:
    """Forget every cached draw and fit (for benchmarks of cold calls, or after editing data files)."""
    _hdr_cached.cache_clear()
    for f in (_shipped_fits, _registered_fits, _catalogue_fits, _estimated, _shipped_throughput_log_sd):
        f.cache_clear()
    estimates.clear_caches()


# ---------------------------------------------------------------- Monte Carlo


@lru_cache(maxsize=256)
def _hdr_cached(n: int, variable: int, seed: int) -> np.ndarray:
    u = hdr_uniforms(n, variable, seed)
    u.flags.writeable = False
    return u


def draw_uniforms(names: Iterable[str], n: int, seed: Seed,
                  variables: Mapping[str, int] = VARIABLE_IDS) -> dict[str, np.ndarray]:
    """Uniforms per random input: HDR for an int seed (shared with the workbook), numpy for a Generator."""
    if isinstance(seed, np.random.Generator):
        return {name: numpy_uniforms(n, seed) for name in names}
    seed = catalogue.parameters()["seed"].check(seed)
    return {name: _hdr_cached(n, variables[name], seed) for name in names}


def draws_of(name: str, u: np.ndarray, params: Mapping[str, object], regime: str = "traditional") -> np.ndarray:
    """A random input's values from its uniforms: its inverse CDF (vocabulary.RANDOM_INPUTS) at the parameters."""
    return vocab.RANDOM_INPUTS[name].ppf(u, params, regime)


def price_draws(u: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    """USD/kWh through the declared P5, median and P95 (two half-log-normals, like the US states' spread)."""
    return draws_of("price", u, params)


def wue_draws(u: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    """On-site WUE in L/kWh of IT energy, log-normal through its P5 and P95."""
    return draws_of("wue", u, params)


def deployment_draws(params: Mapping[str, object], seed: Seed, improved: bool) -> dict[str, np.ndarray]:
    """The outer level of a fleet spread: one PUE, price, WUE (and improved alpha) per deployment.

    These hold for a whole deployment and do not average out over its queries (issue 9).
    """
    m = params["deployment_draws"]
    names = ("pue", "price", "wue", *(("alpha_improved",) if improved else ()))
    u = draw_uniforms(names, m, seed, DEPLOYMENT_VARIABLE_IDS)
    alphas = {regime: draws_of("alpha_improved", u["alpha_improved"], params, regime)
              if improved else np.ones(m) for regime in REGIMES}  # one uniform: a deployment is better or worse
    return {"pue": draws_of("pue", u["pue"], params), "pue_uniforms": u["pue"],
            "price": draws_of("price", u["price"], params),
            "wue": draws_of("wue", u["wue"], params),
            "alpha": alphas["traditional"], "alpha_tts": alphas["tts"]}


Draw = np.ndarray | dict[str, np.ndarray]  # shared by the models (HDR), or one array per model (rng = paper)


def model_draw(draw: Draw, model: str) -> np.ndarray:
    """A model's values of a draw: the shared array, or its own under rng = paper."""
    return draw[model] if isinstance(draw, dict) else draw


@dataclass
class SimulationResult:
    """Draws and energy of a Monte Carlo run; `energy_wh` pools the models (equal mixture)."""

    models: list[str]
    regime: str
    n: int
    seed: int | str
    lever: str | None
    params: dict[str, float | int | str]
    draws: dict[str, Draw]  # l_out_tokens, util, pue, alpha: shared (HDR) or per model (rng = paper)
    energy_by_model_wh: dict[str, np.ndarray]
    energy_wh: np.ndarray = field(repr=False)
    nodes: dict[str, str] = field(default_factory=dict)  # the node each model was served on
    benchmarks: catalogue.Benchmarks | None = field(default=None, repr=False)  # a user's set, None: shipped
    trim_source: Callable[[], np.ndarray] | None = field(default=None, repr=False)  # gives the trimmed sample
    calibrated: tuple[str, ...] = ()  # the models drawn from a calibration's posterior (on their node)

    @cached_property
    def caveats(self) -> dict[str, tuple[str, ...]]:
        """Per model, what its result should be read with: flagged rows, an estimate's error, a closed model."""
        out = {m: caveats(m, nd, self.params, self.benchmarks) for m, nd in self.nodes.items()}
        return {m: c for m, c in out.items() if c}

    @cached_property
    def trimmed_sample_wh(self) -> np.ndarray | None:
        """The authors' trimmed sample (each model's draws within P10-P90 of its P5-P95, pooled; a lever's trimmed
        to P5-P95 again), computed when first asked for."""
        return None if self.trim_source is None else self.trim_source()

    @property
    def sample_wh(self) -> np.ndarray:
        """What the statistics are of: every draw, or the trimmed sample when trim = paper."""
        return self.trimmed_sample_wh if self.params["trim"] == "paper" else self.energy_wh

    def pooled(self, draw: Draw) -> np.ndarray:
        """A per-trial draw aligned with the pooled `energy_wh` (models one after another)."""
        if isinstance(draw, dict):
            return np.concatenate([draw[m] for m in self.models])
        return np.tile(draw, len(self.models))

    @property
    def nodes_follow_lever(self) -> bool:
        """Whether the run's lever divides node-seconds too (lever_effect = throughput)."""
        return self.lever is not None and self.params["lever_effect"] == "throughput"

    @cached_property
    def node_seconds_by_model(self) -> dict[str, np.ndarray]:
        """Seconds of a whole node each query occupies at the node's saturated throughput: L_eff / TPS, divided by
        the lever's alpha when lever_effect = throughput (the lever raises TPS at the node's power)."""
        d, params = self.draws, self.params
        fits = _fits(params, self.benchmarks)
        hold = params["tps_beyond_range"] == "hold"
        out = {}
        for m, nd in self.nodes.items():
            l_out = model_draw(d["l_out_tokens"], m)
            rate = fit_for(m, nd, params, self.benchmarks, fits).tps(params["l_in_tokens"], l_out, hold) * \
                model_draw(d["tps_factor"], m)
            seconds = node_seconds_per_query(effective_tokens(params["l_in_tokens"], l_out, params["l_eff"]), rate)
            out[m] = seconds / model_draw(d["alpha"], m) if self.nodes_follow_lever else seconds
        return out

    @cached_property
    def base_mean_wh(self) -> float:
        """Mean energy per query at PUE 1 and without the lever's alpha: what a deployment's own PUE and
        alpha multiply in a fleet spread."""
        return float(np.mean(self.energy_wh * self.pooled(self.draws["alpha"]) / self.pooled(self.draws["pue"])))

    @cached_property
    def mean_at_pue_one_wh(self) -> float:
        """Mean energy per query at PUE 1, the lever's alpha kept: what a deployment's own PUE multiplies when the
        lever acts per query."""
        return float(np.mean(self.energy_wh / self.pooled(self.draws["pue"])))

    @cached_property
    def stats(self) -> dict[str, float]:
        """median, mean, p5, p25, p75, p95 in Wh/query (PERCENTILE.INC) of the statistics' sample."""
        return {k: finite(v, f"{k} energy per query") for k, v in summarise(self.sample_wh).items()}

    @cached_property
    def trimmed_stats(self) -> dict[str, float] | None:
        """The same statistics of the authors' trimmed sample (what the paper prints), beside ours."""
        if self.trimmed_sample_wh is None:
            return None
        return {k: finite(v, f"{k} energy per query") for k, v in summarise(self.trimmed_sample_wh).items()}

    @property
    def mean_all_draws_wh(self) -> float:
        """Mean of every draw: what a fleet's total scales (the authors' fleet uses untrimmed draws)."""
        return finite(float(np.mean(self.energy_wh)), "mean energy per query")

    def to_frame(self) -> pd.DataFrame:
        """The statistics as a DataFrame: one row, energy_wh, with its unit and six statistics."""
        return statistics_frame({"energy_wh": self.stats}, {"energy_wh": "Wh/query"})

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the command line: identity and statistics with units."""
        trimmed = self.trimmed_stats
        return {"model": self.models[0] if len(self.models) == 1 else self.models, "regime": self.regime,
                "n": self.n, "seed": self.seed, "lever": self.lever, "nodes": self.nodes,
                "preset": self.params["preset"], "rng": self.params["rng"], "trim": self.params["trim"],
                "calibrated": {m: self.nodes[m] for m in self.calibrated},
                "caveats": {m: list(c) for m, c in self.caveats.items()},
                **{f"{k}_wh": v for k, v in self.stats.items()},
                "paper_trimmed": None if trimmed is None else {f"{k}_wh": v for k, v in trimmed.items()}}


def statistics_frame(stats: Mapping[str, Mapping[str, float] | None], units: Mapping[str, str]) -> pd.DataFrame:
    """Measures as rows, their unit and the six statistics as columns (NaN where an input is missing)."""
    import pandas as pd  # only when a frame is asked for: importing the package stays fast

    rows = {m: {"unit": units[m], **(dict.fromkeys(STATISTICS, float("nan")) if s is None else s)}
            for m, s in stats.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["unit", *STATISTICS])


def one_row_frame(values: Mapping[str, object]) -> pd.DataFrame:
    """A result's JSON shape as a one-row DataFrame (lists and mappings kept as objects in their cell)."""
    import pandas as pd

    return pd.DataFrame([dict(values)])


def summarise(values: np.ndarray) -> dict[str, float]:
    """The six statistics the product reports; percentiles interpolate like PERCENTILE.INC."""
    percentiles = {k: round(100 * s.quantile, 10) for k, s in vocab.STATISTICS.items() if s.quantile is not None}
    out = dict(zip(percentiles, (float(x) for x in np.percentile(values, list(percentiles.values()))), strict=True))
    return {k: float(values.mean()) if s.quantile is None else out[k] for k, s in vocab.STATISTICS.items()}


PAPER_STREAM_LEVERS = ("hardware", "model", "serving")  # the order the authors' scripts draw the levers


def paper_stream_order(params: Mapping[str, object], names: Iterable[str]) -> list[str]:
    """The order the authors' scripts draw models in: those of their data with >= 3 rows in the file's order,
    then the others (their dict {**regression_models, **max_tps_models}); models beyond it after them."""
    rows = catalogue.paper_rows(params["paper_h100_rows"])  # the paper's table only, not the newer nodes
    paper = list(dict.fromkeys(rows.model.tolist()))
    counts = {m: int((rows.model == m).sum()) for m in paper}
    order = [m for m in paper if counts[m] >= 3] + [m for m in paper if counts[m] < 3]
    return order + [m for m in names if m not in order]


def simulate(model: str | Iterable[str] = "baseline", regime: str = "traditional", n: int | None = None,
             seed: Seed = None, *, lever: str | None = None, l_out_median_tokens: float | None = None,
             benchmarks: catalogue.Benchmarks | None = None, node: str | Mapping[str, str] | None = None,
             **overrides: object) -> SimulationResult:
    """Monte Carlo of the energy per query of one or more models in one regime.

    With rng = hdr the same trial's draws of L_out, P_node/P_max, PUE and alpha are shared by all models
    (common random numbers); with rng = paper each model draws its own from numpy's legacy generator in the
    authors' order. A list of models (or 'baseline') pools their draws as an equal mixture. `seed` is an int
    or a numpy Generator (HDR only). `node` serves every model on that node, or each model on the node a
    mapping {model: node} gives. `overrides` are parameters of data/parameters.csv (a `preset` first).
    """
    model, node, overrides = with_calibrated(model, node, overrides)
    params = resolve_params(overrides)
    requested = [model] if isinstance(model, str) else list(model) if isinstance(model, (list, tuple)) else [model]
    top3 = params["baseline_rule"] == "top3_by_median" and any(is_baseline(x) for x in requested)
    names = resolve_models(model, params)
    per_model = {find_model(k).name: v for k, v in node.items()} if isinstance(node, Mapping) else None
    for name in per_model or ():
        if name not in names:
            raise InputError("node", f"{name}={per_model[name]}", "a node for a model of this run: " + ", ".join(names))
    nodes = {name: resolve_node(name, per_model.get(name) if per_model is not None else node, benchmarks, params)
             for name in names}
    regime = normalise_regime(regime)
    n = params["n_trials"] if n is None else check_n(n)
    if seed is None:
        seed = params["seed"]
    lever = normalise_lever(lever)
    median_name = vocab.REGIMES[regime].l_out_median
    median = params[median_name]
    if l_out_median_tokens is not None:
        declared = catalogue.parameters()[median_name]
        median = check_number("l_out_median_tokens", l_out_median_tokens, declared.lower, declared.upper)
    paper_rng = params["rng"] == "paper"
    if paper_rng and isinstance(seed, np.random.Generator):
        raise InputError("seed", "a numpy Generator", "an int seed with rng = paper (numpy's legacy generator)")

    stream = LegacyStream(catalogue.parameters()["seed"].check(seed)) if paper_rng else None
    if paper_rng:  # every model the authors' scripts draw, in their order, so the stream is theirs
        order = paper_stream_order(params, names)
        drawn = {m: (stream.exponential_from_median(median, n),
                     stream.lognormal(params["util_p5"], params["util_p95"], n),
                     stream.lognormal(params["pue_p5"], params["pue_p95"], n)) for m in order}
        l_out = {m: drawn[m][0] for m in names}
        util = {m: _util_bound(drawn[m][1], params) for m in names}
        pue = {m: drawn[m][2] for m in names}
    else:
        u = draw_uniforms(("l_out", "util", "pue"), n, seed)
        drawn_at = {**params, median_name: median}  # the median asked for, if any
        l_out, util, pue = (draws_of(name, u[name], drawn_at, regime) for name in ("l_out", "util", "pue"))
    if params["l_out_rounding"] == "nearest":
        l_out = {m: np.round(v) for m, v in l_out.items()} if paper_rng else np.round(l_out)

    calibrated = calibrations_in_run(params, nodes)
    tps_factor: Draw = np.ones(n)
    if calibrated:
        util, pue, tps_factor = calibrated_draws(calibrated, names, util, pue, u, n, seed, params)
    estimated = estimate_factors(nodes, params, n, seed, benchmarks)
    both = sorted(set(estimated) & set(calibrated))
    if both:
        raise InputError("calibration", f"{both[0]} on {nodes[both[0]]}", "a model with benchmark rows on the node "
                                                                         "it was calibrated on (an estimate cannot "
                                                                         "be calibrated yet)")
    if estimated:
        tps_factor = {m: model_draw(tps_factor, m) * estimated.get(m, 1.0) for m in names}
    base = energy_by_model(nodes, params, l_out, util, pue, 1.0, benchmarks, tps_factor)
    if top3:  # the code's rule: the three candidates with the highest median energy, most energy-hungry first
        candidates = baseline_candidates(params)
        chosen = sorted(candidates, key=lambda m: -float(np.median(base[m])))[:3]
        names = list(dict.fromkeys([*chosen, *(m for m in names if m not in candidates or
                                               any(not is_baseline(x) and find_model(x).name == m
                                                   for x in requested))]))
        nodes = {m: nodes[m] for m in names}
        base = {m: base[m] for m in names}
        l_out, util, pue, tps_factor = ({m: d[m] for m in names} if isinstance(d, dict) else d
                                        for d in (l_out, util, pue, tps_factor))

    pooled_base = np.concatenate([base[m] for m in names])

    def kept_draws() -> np.ndarray:  # the authors' trimming, per model, aligned with the pooled draws
        return np.concatenate([two_stage_mask(base[m]) for m in names])

    # the code draws a per-query lever's alphas for the trimmed draws only: then their count is needed now
    kept = kept_draws() if paper_rng and lever not in (None, "improved") and params["trim"] == "paper" else None
    alpha_pooled, alpha_kept = _lever_alphas(lever, regime, params, n, seed, len(names), stream, kept)
    energy_pooled = pooled_base if alpha_pooled is None else pooled_base / alpha_pooled
    energy = dict(zip(names, np.split(energy_pooled, len(names)), strict=True)) if alpha_pooled is not None else base

    def trimmed_sample() -> np.ndarray:  # computed only when asked for: the statistics or the paper's beside them
        mask = kept_draws() if kept is None else kept
        trimmed = pooled_base[mask] / (alpha_pooled[mask] if alpha_pooled is not None else alpha_kept)
        if lever:  # a lever's divided sample is trimmed to P5-P95 again (simulation_traditional_queries.py 549-556)
            trimmed = trimmed[within_percentiles(trimmed, 5, 95)]
        return trimmed

    if alpha_pooled is None and paper_rng and lever:
        alpha_draw: Draw = {m: np.ones(n) for m in names}  # the lever acts on the trimmed sample only, as the code
    elif alpha_pooled is None:
        alpha_draw = np.ones(n)
    else:
        alpha_draw = dict(zip(names, np.split(alpha_pooled, len(names)), strict=True)) if paper_rng else \
            alpha_pooled[:n]
    seed_out = "generator" if isinstance(seed, np.random.Generator) else catalogue.parameters()["seed"].check(seed)
    return SimulationResult(names, regime, n, seed_out, lever, params,
                            {"l_out_tokens": l_out, "util": util, "pue": pue, "alpha": alpha_draw,
                             "tps_factor": tps_factor},
                            energy, energy_pooled, nodes, benchmarks, trimmed_sample,
                            tuple(m for m in names if m in calibrated))


def _util_bound(util: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    return np.minimum(util, 1.0) if params["util_above_one"] == "cap" else util


def _lever_alphas(lever: str | None, regime: str, params: Mapping[str, object], n: int, seed: Seed, models: int,
                  stream: LegacyStream | None, kept: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | float]:
    """A lever's alphas: aligned with every pooled draw (first), or (rng = paper, trim = paper, a per-query
    lever) with the trimmed sample only, as the authors' scripts draw them (second)."""
    if not lever:
        return None, 1.0
    if stream is None:  # HDR: one alpha per trial, shared by the models
        alpha = np.ones(n)
        for name in LEVER_ALPHAS[lever]:
            alpha = alpha * draws_of(name, draw_uniforms((name,), n, seed)[name], params, regime)
        return np.tile(alpha, models), 1.0
    if lever == "improved":  # the 1B scripts reseed, redraw the L_out sample of Figure 3, then draw this alpha
        fleet_stream = LegacyStream(stream.seed)
        fleet_stream.exponential_from_median(params[vocab.REGIMES[regime].l_out_median], n)
        return fleet_stream.lognormal(*alpha_range("improved", regime, params), models * n), 1.0
    size = int(kept.sum()) if kept is not None else models * n
    alphas = {lv: stream.lognormal(*alpha_range(lv, regime, params), size) for lv in PAPER_STREAM_LEVERS}
    alpha = np.prod([alphas[name.removeprefix("alpha_")] for name in LEVER_ALPHAS[lever]], axis=0)
    return (None, alpha) if params["trim"] == "paper" else (alpha, 1.0)


def energy_by_model(nodes: Mapping[str, str], params: Mapping[str, object], l_out: Draw, util: Draw,
                    pue: Draw, alpha: np.ndarray | float,
                    benchmarks: catalogue.Benchmarks | None = None, tps_factor: Draw | float = 1.0
                    ) -> dict[str, np.ndarray]:
    """Eq. 1 for every trial's draws and each model on its node (S.IV power when pnode_model asks); a calibrated
    model's fitted TPS times its drawn throughput factor."""
    fits = _fits(params, benchmarks)  # once for all models: a user's benchmark set is fitted once
    energy = {}
    for name, node in nodes.items():
        spec = node_spec(node, params)
        lo = model_draw(l_out, name)
        fit = fit_for(name, node, params, benchmarks, fits)
        rate = fit.tps(params["l_in_tokens"], lo, params["tps_beyond_range"] == "hold") * model_draw(tps_factor, name)
        if params["pnode_model"] == "linear_tps":
            p_node_kw = power_linear_in_tps_kw(rate, spec.p_idle_kw, params["util_linear_max"] * spec.p_max_kw)
        elif params["pnode_model"] == "proportional_tps":
            p_node_kw = power_proportional_to_tps_kw(rate, fit.tps_max, spec.p_max_kw, params["util_at_zero_tps"],
                                                     params["util_span_to_tps_max"])
        else:
            p_node_kw = model_draw(util, name) * spec.p_max_kw
        l_eff_tokens = effective_tokens(params["l_in_tokens"], lo, params["l_eff"])
        energy[name] = energy_per_query_wh(model_draw(pue, name), p_node_kw, l_eff_tokens, rate, alpha)
    return energy


# ---------------------------------------------------------------- calibration (issue 20)


@lru_cache(maxsize=64)
def _parsed_calibration(text: str) -> dict[FitKey, calibration_math.CalibratedFactors]:
    return {(c.model, c.node): c for c in calibration_math.parse_text(text)}


def calibrations(params: Mapping[str, object]) -> dict[FitKey, calibration_math.CalibratedFactors]:
    """The posteriors the `calibration` parameter carries, by (model, node)."""
    return dict(_parsed_calibration(params.get("calibration") or ""))


def calibrations_in_run(params: Mapping[str, object], nodes: Mapping[str, str]
                        ) -> dict[str, calibration_math.CalibratedFactors]:
    """The models of a run that are calibrated on the node they run on; checks the run can draw them."""
    found = calibrations(params)
    out = {m: found[(m, nd)] for m, nd in nodes.items() if (m, nd) in found}
    if out:
        require_hdr(params, "a calibrated run")
        if params["pnode_model"] != "independent":
            raise InputError("pnode_model", params["pnode_model"], "'independent' in a calibrated run (measurements "
                                                                   "update the drawn node power)")
    return out


def log_prior(params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None
              ) -> calibration_math.Gaussian:
    """The method's own uncertainty of the three factors, as Gaussians in log space: the throughput fit's pooled
    residual spread, the P_node / P_max log-normal of Sec. 2 (exact for the p5p95 and median readings; the split
    reading by its median and P5-P95 width), the PUE log-normal through its P5-P95."""
    mu_pue, sd_pue = dist.lognormal_mu_sigma(params["pue_p5"], params["pue_p95"])
    mu_util, sd_util = dist.lognormal_mu_sigma(params["util_p5"], params["util_p95"])
    if params["pnode_reading"] != "p5p95":
        mu_util = math.log(params["util_median"])
    return calibration_math.prior(throughput_log_sd(params, benchmarks), mu_util, sd_util, mu_pue, sd_pue)


def throughput_log_sd(params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None) -> float:
    """The residual standard deviation of ln TPS of the throughput fits with more rows than coefficients, pooled
    (residual sum of squares over degrees of freedom): how far a node's real throughput may lie from its fit."""
    if benchmarks is None:
        return _shipped_throughput_log_sd(params["sparse_strategy"], params["min_rows_own_fit"],
                                          params["paper_h100_rows"], params["tps_beyond_range"])
    return _throughput_log_sd(benchmarks, _fits(params, benchmarks), params["tps_beyond_range"] == "hold")


@lru_cache(maxsize=8)
def _shipped_throughput_log_sd(strategy: str, min_rows: int, paper_h100_rows: str, beyond: str) -> float:
    return _throughput_log_sd(catalogue.benchmarks(paper_h100_rows), _shipped_fits(strategy, min_rows,
                                                                                 paper_h100_rows), beyond == "hold")


def _throughput_log_sd(b: catalogue.Benchmarks, fits: Mapping[FitKey, ThroughputFit], hold: bool) -> float:
    models, nodes = b.model, b.nodes()
    squares, dof = 0.0, 0
    for (model, node), fit in fits.items():
        rows = (models == model) & (nodes == node)
        free = int(rows.sum()) - 3
        if fit.method.startswith("own OLS") and free > 0:
            residual = np.log(b.tps_tokens_per_s[rows]) - np.log(fit.tps(b.input_tokens[rows], b.output_tokens[rows],
                                                                           hold))
            squares, dof = squares + float(residual @ residual), dof + free
    if dof == 0:
        raise InputError("benchmarks", "no fit with more rows than its three coefficients",
                         "benchmark rows from which the throughput's spread can be estimated")
    return math.sqrt(squares / dof)


FACTOR_DRAWS = ("tps_factor", "util", "pue")  # the draws of the factors of calibration_math.FACTORS, in order


def calibrated_draws(calibrated: Mapping[str, calibration_math.CalibratedFactors], names: Iterable[str],
                     util: np.ndarray, pue: np.ndarray, u: Mapping[str, np.ndarray], n: int, seed: Seed,
                     params: Mapping[str, object]) -> tuple[Draw, Draw, Draw]:
    """Per model: a calibrated model's informed factors from its posterior, drawn from the normal scores of the
    same uniforms (common random numbers); every other factor and model keeps the prior's draws exactly."""
    u_factor = draw_uniforms(("tps_factor",), n, seed, vocab.CALIBRATION_VARIABLE_IDS)["tps_factor"]
    scores = dist.normal_scores(np.vstack([u_factor, u["util"], u["pue"]]))
    prior_draws = {"tps_factor": np.ones(n), "util": util, "pue": pue}
    out: dict[str, dict[str, np.ndarray]] = {k: {} for k in FACTOR_DRAWS}
    for m in names:
        c = calibrated.get(m)
        values = np.exp(calibration_math.draws(c.posterior, scores)) if c else None
        for k, key in enumerate(FACTOR_DRAWS):
            out[key][m] = _bounded(key, values[k], params) if c and c.informed[k] else prior_draws[key]
    return out["util"], out["pue"], out["tps_factor"]


def _bounded(key: str, values: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    """A posterior draw under the method's bounds: P_node / P_max capped at 1 when util_above_one = cap; PUE at
    least 1 unless pue_below_one = keep (a truncated prior's posterior is clipped: not conjugate)."""
    if key == "util":
        return _util_bound(values, params)
    if key == "pue" and params["pue_below_one"] != "keep":
        return np.maximum(values, 1.0)
    return values


def median_throughput_factor(params: Mapping[str, object], model: str, node: str) -> float:
    """A calibrated model's posterior median throughput factor (1 without calibration): what a single
    configuration's TPS and energy use."""
    c = calibrations(params).get((model, node))
    return math.exp(c.posterior.mean[0]) if c and c.informed[0] else 1.0


@dataclass(frozen=True)
class CalibratedModel:
    """A model calibrated to measurements on one node (iw.calibrate): usable wherever a model name is; its
    posterior travels as the `calibration` parameter's text."""

    name: str
    node: str
    calibration: str  # empty when no measurement informed any factor: the model as the method gives it


def declared_name(model: object) -> object:
    """A user's model given as a catalogue.Model or a mapping (name, total_params_b, ...): declared, its name;
    anything else as it is."""
    if isinstance(model, catalogue.Model):
        model = {**model.__dict__, "aliases": "|".join(model.aliases), "in_baseline": str(model.in_baseline),
                 **dict(zip(("active_params_low_b", "active_params_high_b"), model.active_params_range_b or (),
                            strict=False))}
        model.pop("active_params_range_b")
    if isinstance(model, Mapping):
        return catalogue.register_model(dict(model), "model").name
    return model


def with_calibrated(model: object, node: object, overrides: Mapping[str, object]
                    ) -> tuple[object, object, dict[str, object]]:
    """Calibrated models among `model` become their names, served on the node they were calibrated on, their
    posteriors added to the `calibration` parameter; a model of the user's own (a catalogue.Model or a mapping of
    data/models.csv's columns) is declared and becomes its name."""
    model = [declared_name(x) for x in model] if isinstance(model, (list, tuple)) else declared_name(model)
    items = model if isinstance(model, (list, tuple)) else [model]
    calibrated = [x for x in items if isinstance(x, CalibratedModel)]
    if not calibrated:
        return model, node, dict(overrides)
    names = [x.name if isinstance(x, CalibratedModel) else x for x in items]
    nodes = dict(node) if isinstance(node, Mapping) else {}
    for c in calibrated:
        if isinstance(node, str) and node.strip() and catalogue.find_node(node).name != c.node:
            raise InputError("node", node, f"{c.node}, the node {c.name} was calibrated on (or calibrate it on "
                                           f"{node})")
        nodes.setdefault(c.name, c.node)
    if isinstance(node, str) and node.strip():
        nodes = node
    elif not isinstance(model, (list, tuple)) and not isinstance(node, Mapping):
        nodes = calibrated[0].node  # one model: its node, as a name (what tps and energy_wh take)
    texts = [overrides.get("calibration") or "", *(c.calibration for c in calibrated)]
    out = {**overrides, "calibration": calibration_math.TEXT_SEPARATOR.join(t for t in texts if t)}
    return (names if isinstance(model, (list, tuple)) else names[0]), nodes, out


# ---------------------------------------------------------------- hardware


@dataclass(frozen=True)
class HardwareRow:
    """One node's measured energy for a model, beside the model's H100 node (the paper's hardware)."""

    model: str
    node: str
    gpus: int
    gpu: str
    precision: str  # of the benchmark rows (Blackwell's published rows are FP4)
    benchmark_rows: int
    traditional_median_wh: float
    tts_median_wh: float
    h100_node: str | None
    alpha_vs_h100_traditional: float | None  # H100 median / this median: the measured hardware lever
    alpha_vs_h100_tts: float | None
    tps_per_gpu_vs_h100: float | None  # at L_in and the traditional median L_out (MLPerf's kind of ratio)
    throughput: str = ""  # how the node's throughput was obtained (own rows, borrowed slopes, an estimate)
    caveats: str = ""  # flagged rows (read off a chart, at odds with a node of the same generation)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def hardware(model: str, n: int | None = None, seed: Seed = None, nodes: Iterable[str] | None = None,
             **overrides: object) -> list[HardwareRow]:
    """Every node with throughput data for `model` (or those of `nodes` among them): median Wh/query in both
    regimes and the ratio to H100, with each node's caveats."""
    model, _, overrides = with_calibrated(model, None, overrides)  # applies on the node it was calibrated on
    name = find_model(model).name
    params = resolve_params(overrides)
    require_hdr(params, "the hardware comparison")
    only = None if nodes is None else set(nodes)
    nodes = [nd for nd in nodes_with_data(name, params=params) if only is None or nd in only]
    h100 = next((nd for nd in [catalogue.models()[name].node, *nodes]
                 if nd in nodes and catalogue.nodes()[nd].gpu.startswith("H100")), None)
    b = functools.reduce(operator.add, _rows_of(None, params))  # every row the run's fits come from
    medians = {nd: {regime: simulate(name, regime, n, seed, node=nd, **overrides).stats["median"]
                    for regime in REGIMES} for nd in nodes}
    l_in, l_out = params["l_in_tokens"], params["l_out_median_traditional_tokens"]

    def tps_per_gpu(nd: str) -> float:
        return float(fit_for(name, nd, params).tps(l_in, l_out, params["tps_beyond_range"] == "hold")
                     ) / catalogue.nodes()[nd].gpus

    rows = []
    for nd in nodes:
        spec, mask = catalogue.nodes()[nd], (b.model == name) & (b.nodes() == nd)
        precisions = sorted({p for p, keep in zip(b.precision, mask, strict=True) if keep and p}) or [
            catalogue.models()[name].precision]
        rows.append(HardwareRow(
            name, nd, spec.gpus, spec.gpu, "/".join(precisions), int(mask.sum()), medians[nd]["traditional"],
            medians[nd]["tts"], h100,
            medians[h100]["traditional"] / medians[nd]["traditional"] if h100 else None,
            medians[h100]["tts"] / medians[nd]["tts"] if h100 else None,
            tps_per_gpu(nd) / tps_per_gpu(h100) if h100 else None, fit_for(name, nd, params).method,
            "; ".join(caveats(name, nd, params))))
    return rows


# ---------------------------------------------------------------- fleet


def beta(**overrides: object) -> Beta:
    """The fleet factor beta of Supplement S.V from its inputs (parameters of the 'fleet' group)."""
    return beta_of(resolve_params(overrides))


def beta_of(params: Mapping[str, object]) -> Beta:
    """beta from already resolved parameters (a run's own, preset included)."""
    node = node_spec(params["beta_node"], params)
    result = beta_factor(node.p_max_kw, node.p_idle_kw, params["load_min_frac"], params["load_max_frac"],
                         params["node_redundancy"], params["interconnect_overhead"], params["beta_util_fixed"])
    finite(result.beta, "beta")
    return result


FLEET_SPREAD = ("P5-P95 of a two-level Monte Carlo: each of deployment_draws deployments draws its own PUE, "
                "electricity price and WUE (and the improved alpha), which do not average out over its queries; "
                "the per-query randomness inside is averaged over the day's queries.")


@dataclass(frozen=True)
class FleetRuns:
    """The simulations behind a fleet: one per regime with queries, their shares, beta and the deployments."""

    params: dict[str, float | int | str]
    simulations: dict[str, SimulationResult]
    shares: dict[str, float]  # regime -> share of the day's queries
    beta: float
    deployments: dict[str, np.ndarray]  # outer draws: pue, price, wue, alpha
    seed: Seed  # the seed the runs used (the declared default when none was given)
    lever: str | None = None  # the lever every query of the fleet is served with

    @property
    def caveats(self) -> dict[str, list[str]]:
        """Every model's caveats over the regimes' runs (flagged rows, estimates, closed models)."""
        out: dict[str, list[str]] = {}
        for sim in self.simulations.values():
            for m, cs in sim.caveats.items():
                out.setdefault(m, [])
                out[m] += [c for c in cs if c not in out[m]]
        return out

    def mix(self, per_query: Callable[[SimulationResult], float]) -> float:
        """A per-query mean over the day's mix of regimes."""
        return sum(share * per_query(self.simulations[r]) for r, share in self.shares.items() if share)

    @property
    def queries_per_day(self) -> float:
        return self.params["queries_per_day"]

    def per_day(self, per_query_mean: float | np.ndarray) -> float | np.ndarray:
        """beta x N x a per-query mean: the day's total (S.V)."""
        return self.beta * self.queries_per_day * per_query_mean

    @cached_property
    def deployment_base_wh(self) -> np.ndarray:
        """Each deployment's mean Wh/query: the mix's energy at PUE 1 times its PUE; the improved scenario's alpha
        is a deployment's own (divided out of the per-query mean, then drawn per deployment), another lever's
        stays in every query's energy."""
        d = self.deployments
        alpha = {"traditional": d["alpha"], "tts": d["alpha_tts"]}
        if d.get("pue_by_model"):
            return self._it_by_model_wh()[1]

        def at_pue_one(sim: SimulationResult) -> float:
            return sim.base_mean_wh if self.lever == "improved" else sim.mean_at_pue_one_wh

        return d["pue"] * sum(share * at_pue_one(self.simulations[r]) / alpha[r]
                              for r, share in self.shares.items() if share)

    @cached_property
    def deployment_pue(self) -> np.ndarray:
        """Each deployment's PUE: its own draw, or (a model calibrated with an informed PUE draws its PUE from its
        posterior, from the same uniforms) the mix's facility energy over its IT energy."""
        if not self.deployments.get("pue_by_model"):
            return self.deployments["pue"]
        it_wh, facility_wh = self._it_by_model_wh()
        return facility_wh / it_wh

    def _it_by_model_wh(self) -> tuple[np.ndarray, np.ndarray]:
        """Per deployment, the mix's mean Wh/query at PUE 1 and at its models' PUEs (equal mixture)."""
        d = self.deployments
        alpha = {"traditional": d["alpha"], "tts": d["alpha_tts"]}
        models = next(iter(self.simulations.values())).models
        it_total, facility_total = 0.0, 0.0
        for m in models:
            it = 0.0
            for r, share in self.shares.items():
                if not share:
                    continue
                sim = self.simulations[r]
                energy = sim.energy_by_model_wh[m] / model_draw(sim.draws["pue"], m)
                if self.lever == "improved":
                    energy = energy * model_draw(sim.draws["alpha"], m)
                it = it + share * float(np.mean(energy)) / alpha[r]
            it_total = it_total + it / len(models)
            facility_total = facility_total + d["pue_by_model"].get(m, d["pue"]) * it / len(models)
        return it_total, facility_total


def fleet_runs(queries_per_day: float | None = None, tts_share: float | None = None, improved: bool = False,
               model: str | Iterable[str] = "baseline", n: int | None = None, seed: Seed = None,
               node: str | Mapping[str, str] | None = None, *, lever: str | None = None,
               **overrides: object) -> FleetRuns:
    """Simulate the regimes a fleet serves (test-time scaling only if it has a share) and its deployments, every
    query with `lever` (improved = True is the improved lever)."""
    model, node, overrides = with_calibrated(model, node, overrides)
    params = resolve_params({"queries_per_day": queries_per_day, "tts_share": tts_share, **overrides})
    if not isinstance(improved, (bool, np.bool_)):
        raise InputError("improved", improved, "true or false")
    seed = params["seed"] if seed is None else seed
    lever = normalise_lever(lever)
    if improved and lever not in (None, "improved"):
        raise InputError("lever", lever, "empty when improved is true (the improved scenario is a lever itself)")
    lever = "improved" if improved else lever
    shares = {"traditional": 1 - params["tts_share"], "tts": params["tts_share"]}
    sims = {regime: simulate(model, regime, n, seed, lever=lever, node=node, **overrides)
            for regime in REGIMES if regime == "traditional" or shares[regime] > 0}
    b = beta_of(params).beta
    deployments = deployment_draws(params, seed, lever == "improved")
    calibrated = calibrations_in_run(params, sims["traditional"].nodes)
    deployments["pue_by_model"] = {m: _bounded("pue", _posterior_marginal(c, 2, deployments["pue_uniforms"]), params)
                                   for m, c in calibrated.items() if c.informed[2]}
    return FleetRuns(params, sims, shares, b, deployments, seed, lever)


def _posterior_marginal(c: calibration_math.CalibratedFactors, factor: int, u: np.ndarray) -> np.ndarray:
    """One factor's posterior marginal at uniforms u (a deployment's PUE: the outer level of a fleet)."""
    return np.exp(c.posterior.mean[factor] + c.posterior.sd[factor] * dist.normal_scores(u))


@dataclass(frozen=True)
class FleetResult:
    """Daily energy of a fleet, its spread over deployments, and what it was computed from."""

    gwh_per_day: float
    gwh_per_day_p5: float  # two-level: over deployments (FLEET_SPREAD)
    gwh_per_day_p50: float
    gwh_per_day_p95: float
    gwh_per_day_one_level_p5: float  # per-query randomness alone, summed over the day's queries
    gwh_per_day_one_level_p95: float
    beta: float
    queries_per_day: float
    tts_share: float
    improved: bool
    mean_traditional_wh: float
    mean_tts_wh: float | None  # None when no query is test-time scaling (it was not simulated)
    deployment_draws: int
    lever: str | None = None
    spread: str = FLEET_SPREAD
    caveats: dict[str, list[str]] = field(default_factory=dict)  # per model: flagged rows, estimates

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the command line."""
        return dict(self.__dict__)

    def to_frame(self) -> pd.DataFrame:
        """The JSON shape as a one-row DataFrame."""
        return one_row_frame(self.to_dict())


def fleet(queries_per_day: float | None = None, tts_share: float | None = None, improved: bool = False,
          model: str | Iterable[str] = "baseline", n: int | None = None, seed: Seed = None,
          node: str | Mapping[str, str] | None = None, *, lever: str | None = None,
          **overrides: object) -> FleetResult:
    """GWh/day of `queries_per_day` queries, a share `tts_share` of them test-time scaling.

    beta * N * (mixture mean of E); `improved` divides every query by the alpha of
    the paper's conservative improved scenario (1.5-3x), `lever` by another lever's. The P5-P95 is InferWatt's
    two-level spread.
    """
    runs = fleet_runs(queries_per_day, tts_share, improved, model, n, seed, node, lever=lever, **overrides)
    means = {regime: sim.mean_all_draws_wh for regime, sim in runs.simulations.items()}
    gwh = finite(fleet_gwh_per_day(runs.queries_per_day, means["traditional"], means.get("tts", 0.0),
                                    runs.shares["tts"], runs.beta), "GWh per day")
    spread = np.percentile(runs.per_day(runs.deployment_base_wh) / WH_PER_GWH, [5, 50, 95])
    # One level: the day's total of N independent queries of the mix, mean +/- z95 * sqrt(N * variance).
    second_moment = runs.mix(lambda sim: float(np.mean(sim.energy_wh ** 2)))
    mean_wh = runs.mix(lambda sim: sim.mean_all_draws_wh)
    one_level = one_level_gwh_per_day(runs.queries_per_day, mean_wh, second_moment, runs.beta, dist.Z95)
    return FleetResult(gwh, *(finite(float(x), "GWh per day") for x in (*spread, *one_level)), runs.beta,
                       runs.queries_per_day, runs.shares["tts"], runs.lever == "improved", means["traditional"],
                       means.get("tts"), runs.params["deployment_draws"], runs.lever, caveats=runs.caveats)
