"""The Python API: looks up the catalogue, validates inputs, and calls the method.

Every face of InferWatt (command line, Excel functions, workbook generator) goes
through these functions; none computes the method itself.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from . import catalogue
from .catalogue import check_number, find_model
from .errors import InputError
from .method import distributions as dist
from .method.energy import effective_tokens, energy_per_query_wh, power_linear_in_tps_kw
from .method.fleet import WH_PER_GWH, Beta, beta_factor, fleet_gwh_per_day
from .method.throughput import ThroughputFit, fit_throughput
from .method.uniforms import hdr_uniforms, numpy_uniforms

REGIMES = ("traditional", "tts")
_REGIME_ALIASES = {"traditional": "traditional", "trad": "traditional", "tts": "tts",
                   "test-time scaling": "tts", "test_time_scaling": "tts", "testtimescaling": "tts",
                   "reasoning": "tts"}
_REGIME_MEDIAN = {"traditional": "l_out_median_traditional_tokens", "tts": "l_out_median_tts_tokens"}
ALPHA_LEVERS = ("model", "serving", "hardware", "improved")  # each draws a log-normal alpha of its own
# "combined" is InferWatt's own: the product of the model, serving and hardware alphas, one reading of the
# paper's "combined levers give 8-20x" (Sec. 3); the paper defines no combined scenario.
COMBINED_LEVERS = ("model", "serving", "hardware")
LEVERS = (*ALPHA_LEVERS, "combined")
STATISTICS = ("median", "mean", "p5", "p25", "p75", "p95")

# HDR variable numbers of the random inputs; the workbook uses the same ones.
VARIABLE_IDS = {"l_out": 1, "util": 2, "pue": 3, "alpha_model": 4, "alpha_serving": 5, "alpha_hardware": 6,
                "alpha_improved": 7, "price": 8, "wue": 9}
# HDR variables of the outer (deployment-level) draws of a fleet spread, trials 1..deployment_draws.
DEPLOYMENT_VARIABLE_IDS = {"pue": 10, "price": 11, "wue": 12, "alpha_improved": 13}
# The random alphas each lever divides the energy by (names of VARIABLE_IDS).
LEVER_ALPHAS = {**{lever: (f"alpha_{lever}",) for lever in ALPHA_LEVERS},
                "combined": tuple(f"alpha_{lever}" for lever in COMBINED_LEVERS)}

Seed = int | np.random.Generator | None


# ---------------------------------------------------------------- inputs


def resolve_params(overrides: Mapping[str, object] | None = None) -> dict[str, float | int | str]:
    """Defaults with the given overrides, each validated against its declaration and each other."""
    declared = catalogue.parameters()
    params = catalogue.defaults()
    for name, value in (overrides or {}).items():
        if name not in declared:
            raise InputError("parameter name", name, "one of " + ", ".join(declared))
        if value is not None:
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
        if params[lo] > params[hi]:
            raise InputError(hi, params[hi], f"a number >= {lo} ({params[lo]})")


def normalise_regime(regime: object) -> str:
    """'traditional' or 'tts' from the names analysts use."""
    key = regime.strip().lower() if isinstance(regime, str) else None
    if key not in _REGIME_ALIASES:
        raise InputError("regime", regime, "'traditional' or 'tts' (test-time scaling)")
    return _REGIME_ALIASES[key]


def resolve_models(model: str | Iterable[str]) -> list[str]:
    """Canonical model names: one name, 'baseline' (the >200B mixture) or a list of names."""
    names = [model] if isinstance(model, str) else list(model) if isinstance(model, (list, tuple)) else [model]
    if not names:
        raise InputError("model", model, "a model name, 'baseline' or a non-empty list of model names")
    out: list[str] = []
    for name in names:
        if isinstance(name, str) and name.strip().lower() == "baseline":
            out.extend(catalogue.baseline_models())
        else:
            out.append(find_model(name).name)
    return list(dict.fromkeys(out))


def check_n(n: object) -> int:
    """The number of trials, bounded as declared (so a typo cannot freeze Excel)."""
    return catalogue.parameters()["n_trials"].check(n, "n")


# ---------------------------------------------------------------- throughput


FitKey = tuple[str, str]  # (model, node)


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
def _shipped_fits(strategy: str, min_rows_own_fit: int) -> dict[FitKey, ThroughputFit]:
    return _fit(catalogue.benchmarks(), strategy, min_rows_own_fit)


def throughput_fits(sparse_strategy: str | None = None, min_rows_own_fit: int | None = None,
                    benchmarks: catalogue.Benchmarks | None = None) -> dict[FitKey, ThroughputFit]:
    """Fitted throughput of every (model, node) in the benchmarks (the shipped ones unless given)."""
    params = resolve_params({"sparse_strategy": sparse_strategy, "min_rows_own_fit": min_rows_own_fit})
    return dict(_fits(params, benchmarks))  # a copy: the cache is never handed out


def _fits(params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None
          ) -> Mapping[FitKey, ThroughputFit]:
    """The fits for already validated parameters: the shipped ones from the cache, a user's set fitted."""
    if benchmarks is None:
        return _shipped_fits(params["sparse_strategy"], params["min_rows_own_fit"])
    return _fit(benchmarks, params["sparse_strategy"], params["min_rows_own_fit"])


def nodes_with_data(model: str, benchmarks: catalogue.Benchmarks | None = None) -> list[str]:
    """The nodes that have throughput rows for `model`, in catalogue order."""
    b = benchmarks or catalogue.benchmarks()
    have = set(b.nodes()[b.model == model].tolist())
    return [n for n in catalogue.nodes() if n in have]


def resolve_node(model: str, node: object = None, benchmarks: catalogue.Benchmarks | None = None) -> str:
    """The node a model runs on: its catalogue node, or the one asked for if it has throughput data."""
    if node is None or (isinstance(node, str) and not node.strip()):
        return catalogue.models()[model].node if model in catalogue.models() else ""
    name = catalogue.find_node(node).name
    available = nodes_with_data(model, benchmarks)
    if name not in available:
        raise InputError("node", node, f"a node with throughput data for {model}: {', '.join(available) or 'none'}")
    return name


def fit_for(model: str, node: str, params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None,
            fits: Mapping[FitKey, ThroughputFit] | None = None) -> ThroughputFit:
    """The throughput fit of a model on a node (from `fits` when the caller has them), or a clear error
    saying what is missing."""
    fits = _fits(params, benchmarks) if fits is None else fits
    if (model, node) in fits:
        return fits[(model, node)]
    b = benchmarks or catalogue.benchmarks()
    nodes = b.nodes()
    if not ((b.model == model) & (nodes == node)).any():
        raise InputError("model", model, f"a model with throughput benchmarks on {node or 'its node'}")
    gpu = catalogue.nodes()[node].gpu
    same_gpu = np.array([catalogue.nodes()[n].gpu == gpu for n in nodes])
    counts = [int(((b.model == m) & (nodes == n)).sum()) for m, n in set(zip(b.model[same_gpu], nodes[same_gpu],
                                                                          strict=True))]
    raise InputError("min_rows_own_fit", params["min_rows_own_fit"],
                     f"at most {max(counts)}, the benchmark rows of the best-covered model on {gpu}, so that "
                     f"{model} on {node} can borrow its slopes")


def tps(model: str, l_in_tokens: float, l_out_tokens: float, sparse_strategy: str | None = None,
        tps_beyond_range: str | None = None, node: str | None = None) -> float:
    """Fitted output tokens per second of a saturated node serving `model` (its own node unless given)."""
    name = find_model(model).name
    params = resolve_params({"tps_beyond_range": tps_beyond_range, "sparse_strategy": sparse_strategy})
    declared = catalogue.parameters()
    l_in = declared["l_in_tokens"].check(l_in_tokens)
    l_out = check_number("l_out_tokens", l_out_tokens, (">", 0), declared["l_out_median_tts_tokens"].upper)
    fit = fit_for(name, resolve_node(name, node), params)
    return finite(float(fit.tps(l_in, l_out, params["tps_beyond_range"] == "hold")), "throughput")


# ---------------------------------------------------------------- one configuration


def energy_wh(model: str, l_out_tokens: float, util: float, pue: float, l_in_tokens: float | None = None,
              l_eff: str | None = None, alpha: float = 1.0, sparse_strategy: str | None = None,
              tps_tokens_per_s: float | None = None, tps_beyond_range: str | None = None,
              node: str | None = None) -> float:
    """Wh of one query of one configuration (Eq. 1): util = P_node / P_max, no randomness.

    The throughput is the model's fit at (L_in, L_out) unless `tps_tokens_per_s` is given.
    """
    m = find_model(model)
    params = resolve_params({"l_in_tokens": l_in_tokens, "l_eff": l_eff, "sparse_strategy": sparse_strategy,
                             "tps_beyond_range": tps_beyond_range})
    declared = catalogue.parameters()
    l_out = check_number("l_out_tokens", l_out_tokens, (">", 0), declared["l_out_median_tts_tokens"].upper)
    util = check_number("util", util, (">", 0), ("<=", 1))
    pue = check_number("pue", pue, (">=", 1), declared["pue_p95"].upper)
    alpha = check_number("alpha", alpha, (">", 0), declared["alpha_model_p95"].upper)
    node_name = resolve_node(m.name, node)
    p_node_kw = util * catalogue.nodes()[node_name].p_max_kw
    hold = params["tps_beyond_range"] == "hold"
    rate = (fit_for(m.name, node_name, params).tps(params["l_in_tokens"], l_out, hold)
            if tps_tokens_per_s is None else check_number("tps_tokens_per_s", tps_tokens_per_s, (">", 0)))
    l_eff_tokens = effective_tokens(params["l_in_tokens"], l_out, params["l_eff"])
    return finite(float(energy_per_query_wh(pue, p_node_kw, l_eff_tokens, rate, alpha)), "energy per query")


def finite(value: float, what: str) -> float:
    """Every result leaves the API finite: a NaN or infinity means inputs at the edge of float range."""
    if not math.isfinite(value):
        raise InputError(what, value, "a finite number: the inputs are too extreme to compute it")
    return value


def default_configuration() -> dict[str, float]:
    """The single configuration a deterministic energy uses when the user gives none: the median
    P_node / P_max and the median of the PUE range (the middle of each declared distribution)."""
    params = resolve_params()
    return {"util": params["util_median"], "pue": dist.lognormal_median(params["pue_p5"], params["pue_p95"])}


def clear_caches() -> None:
    """Forget every cached draw and fit (for benchmarks of cold calls, or after editing data files)."""
    _hdr_cached.cache_clear()
    _shipped_fits.cache_clear()


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


def price_draws(u: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    """USD/kWh through the declared P5, median and P95 (two half-log-normals, like the US states' spread)."""
    return dist.split_lognormal_ppf(u, params["price_usd_per_kwh_median"], params["price_usd_per_kwh_p5"],
                                    params["price_usd_per_kwh_p95"])


def wue_draws(u: np.ndarray, params: Mapping[str, object]) -> np.ndarray:
    """On-site WUE in L/kWh of IT energy, log-normal through its P5 and P95."""
    return dist.lognormal_p5_p95_ppf(u, params["wue_l_per_kwh_p5"], params["wue_l_per_kwh_p95"])


def deployment_draws(params: Mapping[str, object], seed: Seed, improved: bool) -> dict[str, np.ndarray]:
    """The outer level of a fleet spread: one PUE, price, WUE (and improved alpha) per deployment.

    These hold for a whole deployment and do not average out over its queries (issue 9).
    """
    m = params["deployment_draws"]
    names = ("pue", "price", "wue", *(("alpha_improved",) if improved else ()))
    u = draw_uniforms(names, m, seed, DEPLOYMENT_VARIABLE_IDS)
    return {"pue": dist.pue_ppf(u["pue"], params["pue_p5"], params["pue_p95"], params["pue_below_one"]),
            "price": price_draws(u["price"], params), "wue": wue_draws(u["wue"], params),
            "alpha": dist.lognormal_p5_p95_ppf(u["alpha_improved"], params["alpha_improved_p5"],
                                               params["alpha_improved_p95"]) if improved else np.ones(m)}


@dataclass
class SimulationResult:
    """Draws and energy of a Monte Carlo run; `energy_wh` pools the models (equal mixture)."""

    models: list[str]
    regime: str
    n: int
    seed: int | str
    lever: str | None
    params: dict[str, float | int | str]
    draws: dict[str, np.ndarray]  # shared inputs: l_out_tokens, util, pue, alpha
    energy_by_model_wh: dict[str, np.ndarray]
    energy_wh: np.ndarray = field(repr=False)
    nodes: dict[str, str] = field(default_factory=dict)  # the node each model was served on
    benchmarks: catalogue.Benchmarks | None = field(default=None, repr=False)  # a user's set, None: shipped

    def pooled(self, draw: np.ndarray) -> np.ndarray:
        """A per-trial draw shared by all models, aligned with the pooled `energy_wh` (models one after another)."""
        return np.tile(draw, len(self.models))

    @cached_property
    def node_seconds_by_model(self) -> dict[str, np.ndarray]:
        """Seconds of a whole node each query occupies at the node's saturated throughput: L_eff / TPS."""
        d, params = self.draws, self.params
        l_eff_tokens = effective_tokens(params["l_in_tokens"], d["l_out_tokens"], params["l_eff"])
        fits = _fits(params, self.benchmarks)
        hold = params["tps_beyond_range"] == "hold"
        return {m: l_eff_tokens / fit_for(m, nd, params, self.benchmarks, fits).tps(params["l_in_tokens"],
                                                                                    d["l_out_tokens"], hold)
                for m, nd in self.nodes.items()}

    @cached_property
    def base_mean_wh(self) -> float:
        """Mean energy per query at PUE 1 and without the lever's alpha: what a deployment's own PUE and
        alpha multiply in a fleet spread."""
        return float(np.mean(self.energy_wh * self.pooled(self.draws["alpha"]) / self.pooled(self.draws["pue"])))

    @cached_property
    def stats(self) -> dict[str, float]:
        """median, mean, p5, p25, p75, p95 of the pooled energy in Wh/query (PERCENTILE.INC)."""
        return {k: finite(v, f"{k} energy per query") for k, v in summarise(self.energy_wh).items()}

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the command line: identity and statistics with units."""
        return {"model": self.models[0] if len(self.models) == 1 else self.models, "regime": self.regime,
                "n": self.n, "seed": self.seed, "lever": self.lever, "nodes": self.nodes,
                **{f"{k}_wh": v for k, v in self.stats.items()}}


def summarise(values: np.ndarray) -> dict[str, float]:
    """The six statistics the product reports; percentiles interpolate like PERCENTILE.INC."""
    q = np.percentile(values, [5, 25, 50, 75, 95])
    return {"median": float(q[2]), "mean": float(values.mean()), "p5": float(q[0]), "p25": float(q[1]),
            "p75": float(q[3]), "p95": float(q[4])}


def simulate(model: str | Iterable[str] = "baseline", regime: str = "traditional", n: int | None = None,
             seed: Seed = None, *, lever: str | None = None, l_out_median_tokens: float | None = None,
             benchmarks: catalogue.Benchmarks | None = None, node: str | Mapping[str, str] | None = None,
             **overrides: object) -> SimulationResult:
    """Monte Carlo of the energy per query of one or more models in one regime.

    The same trial's draws of L_out, P_node/P_max, PUE and alpha are shared by all
    models (common random numbers); a list of models (or 'baseline') pools their
    draws as an equal mixture. `seed` is an int (HDR generator, same numbers as the
    workbook) or a numpy Generator. `node` serves every model on that node, or each model on the node a
    mapping {model: node} gives (each model's own node where none is given). `overrides` are parameters
    of data/parameters.csv.
    """
    names = resolve_models(model)
    per_model = {find_model(k).name: v for k, v in node.items()} if isinstance(node, Mapping) else None
    for name in per_model or ():
        if name not in names:
            raise InputError("node", f"{name}={per_model[name]}", "a node for a model of this run: " + ", ".join(names))
    nodes = {name: resolve_node(name, per_model.get(name) if per_model is not None else node, benchmarks)
             for name in names}
    regime = normalise_regime(regime)
    params = resolve_params(overrides)
    n = params["n_trials"] if n is None else check_n(n)
    if seed is None:
        seed = params["seed"]
    if lever is not None and (not isinstance(lever, str) or lever.strip().lower() not in LEVERS):
        raise InputError("lever", lever, "one of " + ", ".join(repr(x) for x in LEVERS) + " or none")
    lever = lever.strip().lower() if lever else None
    median = params[_REGIME_MEDIAN[regime]]
    if l_out_median_tokens is not None:
        declared = catalogue.parameters()[_REGIME_MEDIAN[regime]]
        median = check_number("l_out_median_tokens", l_out_median_tokens, declared.lower, declared.upper)

    alpha_names = LEVER_ALPHAS[lever] if lever else ()
    u = draw_uniforms(("l_out", "util", "pue", *alpha_names), n, seed)
    l_out = dist.exponential_ppf_from_median(u["l_out"], median)
    util = dist.util_ppf(u["util"], params["pnode_reading"], params["util_median"], params["util_p5"],
                         params["util_p95"])
    pue = dist.pue_ppf(u["pue"], params["pue_p5"], params["pue_p95"], params["pue_below_one"])
    alpha = np.ones(n)
    for name in alpha_names:
        lever_name = name.removeprefix("alpha_")
        alpha = alpha * dist.lognormal_p5_p95_ppf(u[name], params[f"alpha_{lever_name}_p5"],
                                                  params[f"alpha_{lever_name}_p95"])

    energy = energy_by_model(nodes, params, l_out, util, pue, alpha, benchmarks)
    pooled = np.concatenate(list(energy.values())) if len(names) > 1 else energy[names[0]]
    seed_out = "generator" if isinstance(seed, np.random.Generator) else catalogue.parameters()["seed"].check(seed)
    return SimulationResult(names, regime, n, seed_out, lever, params,
                            {"l_out_tokens": l_out, "util": util, "pue": pue, "alpha": alpha},
                            energy, pooled, nodes, benchmarks)


def energy_by_model(nodes: Mapping[str, str], params: Mapping[str, object], l_out: np.ndarray, util: np.ndarray,
                    pue: np.ndarray, alpha: np.ndarray,
                    benchmarks: catalogue.Benchmarks | None = None) -> dict[str, np.ndarray]:
    """Eq. 1 for every trial's draws and each model on its node (S.IV power when pnode_model asks)."""
    l_eff_tokens = effective_tokens(params["l_in_tokens"], l_out, params["l_eff"])
    fits = _fits(params, benchmarks)  # once for all models: a user's benchmark set is fitted once
    energy = {}
    for name, node in nodes.items():
        spec = catalogue.nodes()[node]
        rate = fit_for(name, node, params, benchmarks, fits).tps(params["l_in_tokens"], l_out,
                                                                 params["tps_beyond_range"] == "hold")
        if params["pnode_model"] == "linear_tps":
            p_node_kw = power_linear_in_tps_kw(rate, spec.p_idle_kw, params["util_linear_max"] * spec.p_max_kw)
        else:
            p_node_kw = util * spec.p_max_kw
        energy[name] = energy_per_query_wh(pue, p_node_kw, l_eff_tokens, rate, alpha)
    return energy


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

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def hardware(model: str, n: int | None = None, seed: Seed = None, **overrides: object) -> list[HardwareRow]:
    """Every node with throughput data for `model`: median Wh/query in both regimes and the ratio to H100."""
    name = find_model(model).name
    params = resolve_params(overrides)
    nodes = nodes_with_data(name)
    h100 = next((nd for nd in [catalogue.models()[name].node, *nodes]
                 if nd in nodes and catalogue.nodes()[nd].gpu.startswith("H100")), None)
    b = catalogue.benchmarks()
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
            tps_per_gpu(nd) / tps_per_gpu(h100) if h100 else None))
    return rows


# ---------------------------------------------------------------- fleet


def beta(**overrides: object) -> Beta:
    """The fleet factor beta of Supplement S.V from its inputs (parameters of the 'fleet' group)."""
    params = resolve_params(overrides)
    node = catalogue.nodes()[params["beta_node"]]
    result = beta_factor(node.p_max_kw, node.p_idle_kw, params["load_min_frac"], params["load_max_frac"],
                         params["node_redundancy"], params["interconnect_overhead"])
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
        """Each deployment's mean Wh/query: the mix's energy at PUE 1 without alpha, times its PUE over its alpha."""
        d = self.deployments
        return d["pue"] / d["alpha"] * self.mix(lambda sim: sim.base_mean_wh)


def fleet_runs(queries_per_day: float | None = None, tts_share: float | None = None, improved: bool = False,
               model: str | Iterable[str] = "baseline", n: int | None = None, seed: Seed = None,
               node: str | Mapping[str, str] | None = None, **overrides: object) -> FleetRuns:
    """Simulate the regimes a fleet serves (test-time scaling only if it has a share) and its deployments."""
    params = resolve_params({"queries_per_day": queries_per_day, "tts_share": tts_share, **overrides})
    if not isinstance(improved, (bool, np.bool_)):
        raise InputError("improved", improved, "true or false")
    seed = params["seed"] if seed is None else seed
    lever = "improved" if improved else None
    shares = {"traditional": 1 - params["tts_share"], "tts": params["tts_share"]}
    sims = {regime: simulate(model, regime, n, seed, lever=lever, node=node, **overrides)
            for regime in REGIMES if regime == "traditional" or shares[regime] > 0}
    b = beta(**{k: params[k] for k in ("beta_node", "load_min_frac", "load_max_frac", "node_redundancy",
                                       "interconnect_overhead")}).beta
    return FleetRuns(params, sims, shares, b, deployment_draws(params, seed, bool(improved)), seed)


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
    spread: str = FLEET_SPREAD

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the command line."""
        return dict(self.__dict__)


def fleet(queries_per_day: float | None = None, tts_share: float | None = None, improved: bool = False,
          model: str | Iterable[str] = "baseline", n: int | None = None, seed: Seed = None,
          node: str | Mapping[str, str] | None = None, **overrides: object) -> FleetResult:
    """GWh/day of `queries_per_day` queries, a share `tts_share` of them test-time scaling.

    beta * N * (mixture mean of E); `improved` divides every query by the alpha of
    the paper's conservative improved scenario (1.5-3x). The P5-P95 is InferWatt's two-level spread.
    """
    runs = fleet_runs(queries_per_day, tts_share, improved, model, n, seed, node, **overrides)
    means = {regime: sim.stats["mean"] for regime, sim in runs.simulations.items()}
    gwh = finite(fleet_gwh_per_day(runs.queries_per_day, means["traditional"], means.get("tts", 0.0),
                                    runs.shares["tts"], runs.beta), "GWh per day")
    spread = np.percentile(runs.per_day(runs.deployment_base_wh) / WH_PER_GWH, [5, 50, 95])
    # One level: the day's total of N independent queries of the mix, mean +/- z95 * sqrt(N * variance).
    second_moment = runs.mix(lambda sim: float(np.mean(sim.energy_wh ** 2)))
    mean_wh = runs.mix(lambda sim: sim.stats["mean"])
    half_width = dist.Z95 * math.sqrt(max(second_moment - mean_wh ** 2, 0.0) * runs.queries_per_day)
    one_level = [runs.beta * (runs.queries_per_day * mean_wh + sign * half_width) / WH_PER_GWH for sign in (-1, 1)]
    return FleetResult(gwh, *(finite(float(x), "GWh per day") for x in (*spread, *one_level)), runs.beta,
                       runs.queries_per_day, runs.shares["tts"], bool(improved), means["traditional"],
                       means.get("tts"), runs.params["deployment_draws"])
