"""What the throughput data can and cannot say: an estimate for a model on a node with no benchmark rows (its
error measured, not assumed), and the caveats of rows that disagree with the rest or were read off a chart.

The law (method/estimate.py) is fitted once, on first use, on every shipped benchmark row that is not flagged
(the paper's H100 rows as the authors' code has them, TensorRT-LLM's rows for every other model and node).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from . import catalogue
from .errors import InputError
from .method import estimate as law
from .method.throughput import ThroughputFit, fit_throughput

# A row read off a figure, not a table (its source says so): the reader's eye is part of the number.
CHART_SOURCE = re.compile(r"\b(figure|chart)\b", re.IGNORECASE)
# Two nodes of one GPU generation whose fitted tokens/s per GPU for the same model differ by more than this factor
# are both flagged. Between TensorRT-LLM's own rows the largest such ratio is 2.87 (Llama 4 Maverick, H200 over
# H100; tests/test_estimates.py measures it), so 3 passes every table-to-table difference and flags DeepSeek-R1's
# chart-derived H100 row (18x below its H200 rows per GPU).
DISAGREEMENT_FACTOR = 3.0
COMPARISON_POINT = (1000.0, 1000.0)  # (L_in, L_out) where two nodes' fits are compared, inside every table's range
ESTIMATED = "estimated from architecture (no benchmark rows on this node)"


def _precision_on(model: catalogue.Model, gpu: catalogue.Gpu, row_precision: str = "") -> str:
    """The precision a row (or an estimate) runs at: the row's own, else the model's where the GPU has it,
    else FP8, else BF16."""
    for p in (row_precision, model.precision, "FP8", "BF16"):
        if p in catalogue.PRECISIONS and gpu.tflops[p] is not None:
            return p
    raise AssertionError("every GPU has BF16")  # catalogue.gpus checks it


def _features(model: catalogue.Model, node: catalogue.Node, precision: str, l_in: np.ndarray,
              l_out: np.ndarray) -> np.ndarray | None:
    """The law's features for a model on a node, or None when its weights do not fit the node's memory."""
    gpu = catalogue.gpus()[node.gpu]
    weights_gb = model.total_params_b * law.BYTES_PER_PARAMETER[precision]
    free = (node.gpus * gpu.memory_gb - weights_gb) / node.gpus
    if free <= 0:
        return None
    n = len(l_in)
    return law.design(np.full(n, model.active_params_b), np.full(n, free), np.full(n, gpu.memory_bandwidth_tb_per_s),
                      np.full(n, gpu.tflops[precision]), l_in, l_out)


def _architecture(model: catalogue.Model) -> str:
    """Checkpoints of one architecture (Llama 3, 3.1 and 3.3 70B) are one group: left out together."""
    return f"{model.total_params_b:g}/{model.active_params_b:g}"


def shipped_rows(paper_h100_rows: str = "code") -> catalogue.Benchmarks:
    """Every shipped benchmark row: the paper's H100 rows (its code's table, or S.I), the newer nodes', the rest of
    the catalogue. The law learns from the code's table."""
    return catalogue.benchmarks(paper_h100_rows) + catalogue.catalogue_benchmarks()


@dataclass(frozen=True)
class Training:
    """The law's training set: features, log tokens/s per GPU, and each row's group and GPU generation."""

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    generations: np.ndarray
    models: tuple[str, ...]


@cache
def training() -> Training:
    """Every shipped row but those read off a chart (a disagreement between nodes is printed, not dropped)."""
    b = shipped_rows()
    from_table = np.array([not CHART_SOURCE.search(s) for s in b.source])
    xs, ys, groups, gens, names = [], [], [], [], []
    nodes, models, gpus = catalogue.nodes(), catalogue.shipped_models(), catalogue.gpus()
    for key in dict.fromkeys(zip(b.model.tolist(), b.nodes().tolist(), strict=True)):
        rows = (b.model == key[0]) & (b.nodes() == key[1]) & from_table
        if not rows.any():
            continue
        m, node = models[key[0]], nodes[key[1]]
        precision = _precision_on(m, gpus[node.gpu], b.precision[int(np.flatnonzero(rows)[0])])
        x = _features(m, node, precision, b.input_tokens[rows], b.output_tokens[rows])
        if x is None:  # published rows whose weights would not fit: a multi-node run, not a node
            continue
        xs.append(x)
        ys.append(np.log(b.tps_tokens_per_s[rows] / node.gpus))
        groups += [_architecture(m)] * int(rows.sum())
        gens += [gpus[node.gpu].generation] * int(rows.sum())
        names += [key[0]] * int(rows.sum())
    return Training(np.vstack(xs), np.concatenate(ys), np.array(groups), np.array(gens), tuple(names))


@dataclass(frozen=True)
class Law:
    coefficients: np.ndarray
    log_sd: dict[str, float]  # by GPU generation: the spread of the held-out errors there
    l_out_max: float
    l_in_l_out_points: tuple[tuple[float, float], ...]


@cache
def fitted_law() -> Law:
    t = training()
    summary = {s.generation: s.log_sd for s in cross_validation()}
    b = shipped_rows()
    points = tuple(sorted(set(zip(b.input_tokens.tolist(), b.output_tokens.tolist(), strict=True))))
    return Law(law.fit_law(t.x, t.y), summary, float(b.output_tokens.max()), points)


@cache
def cross_validation() -> tuple[law.ErrorSummary, ...]:
    """Leave-one-architecture-out error of the law per GPU generation (inferwatt estimate-error)."""
    t = training()
    errors = law.held_out_errors(t.x, t.y, t.groups)
    return tuple(law.summarise(errors, t.groups, t.generations))


def estimated_fit(model: catalogue.Model, node_name: str) -> ThroughputFit:
    """The law's throughput for a model on a node, as a fit of the paper's form with its spread (log_sd): what
    a model without benchmark rows on this node runs at. InputError when the node cannot serve it."""
    node = catalogue.nodes()[node_name]
    gpu = catalogue.gpus()[node.gpu]
    precision = _precision_on(model, gpu)
    fitted = fitted_law()
    points = np.array(fitted.l_in_l_out_points)
    x = _features(model, node, precision, points[:, 0], points[:, 1])
    if x is None:
        weights = model.total_params_b * law.BYTES_PER_PARAMETER[precision]
        raise InputError("node", node_name, f"a node whose memory holds {model.name}'s weights ({weights:g} GB at "
                                            f"{precision}; {node_name} has {node.gpus * gpu.memory_gb:g} GB)")
    c = fitted.coefficients
    b0 = float(x[0, :5] @ c[:5]) + math.log(node.gpus)  # per GPU to the node; the token terms are the slopes
    tps_max = float(np.exp(x @ c).max()) * node.gpus  # the cap: the largest over the benchmarks' points
    return ThroughputFit(b0, float(c[5]), float(c[6]), tps_max, 0, f"{ESTIMATED}, {precision}", fitted.l_out_max,
                         fitted.log_sd[gpu.generation])


def active_params_exponent() -> float:
    """How throughput scales with active parameters in the law: a closed model's range moves it by this power."""
    return float(fitted_law().coefficients[1])


@cache
def flags(paper_h100_rows: str = "code") -> dict[tuple[str, str], tuple[str, ...]]:
    """Caveats per (model, node) of the shipped rows (with the paper's H100 rows a preset reads): read off a chart,
    or at odds with the same model on a node of the same GPU generation by more than DISAGREEMENT_FACTOR (both
    sides are flagged, naming the other)."""
    b = shipped_rows(paper_h100_rows)
    out: dict[tuple[str, str], list[str]] = {}
    keys = list(dict.fromkeys(zip(b.model.tolist(), b.nodes().tolist(), strict=True)))
    for key in keys:
        rows = np.flatnonzero((b.model == key[0]) & (b.nodes() == key[1]))
        charts = [i for i in rows if CHART_SOURCE.search(b.source[i])]
        if charts:
            out.setdefault(key, []).append(f"{len(charts)} of {len(rows)} rows read off a figure, not a table")
    per_gpu = _per_gpu_at_comparison_point(b, keys)
    gens = {key: catalogue.gpus()[catalogue.nodes()[key[1]].gpu].generation for key in keys}
    for a in keys:
        for other in keys:
            if a[0] != other[0] or a[1] == other[1] or gens[a] != gens[other]:
                continue
            ratio = per_gpu[a] / per_gpu[other]
            if ratio > DISAGREEMENT_FACTOR or ratio < 1 / DISAGREEMENT_FACTOR:
                out.setdefault(a, []).append(
                    f"tokens/s per GPU {ratio:.3g}x those of {other[1]} ({gens[a]} both; flagged beyond "
                    f"{DISAGREEMENT_FACTOR:g}x)")
    return {k: tuple(v) for k, v in out.items()}


def _per_gpu_at_comparison_point(b: catalogue.Benchmarks, keys: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Each group's own-rows fit (its largest TPS for fewer than 3 rows) per GPU at COMPARISON_POINT."""
    number = {k: i for i, k in enumerate(keys)}
    groups = np.array([number[k] for k in zip(b.model.tolist(), b.nodes().tolist(), strict=True)])
    fits = fit_throughput(groups, b.input_tokens, b.output_tokens, b.tps_tokens_per_s, "max_tps_below_3_rows")
    return {k: float(fits[number[k]].tps(*COMPARISON_POINT)) / catalogue.nodes()[k[1]].gpus for k in keys}


def caveats(model: str, node: str, fits: Mapping[tuple[str, str], ThroughputFit] | None = None,
            paper_h100_rows: str = "code") -> tuple[str, ...]:
    """What a result for this model on this node should print beside it."""
    out = list(flags(paper_h100_rows).get((model, node), ()))
    fit = fits.get((model, node)) if fits else None
    if fit is not None and fit.log_sd > 0:
        gen = catalogue.gpus()[catalogue.nodes()[node].gpu].generation
        summary = next(s for s in cross_validation() if s.generation == gen)
        out.append(f"throughput {ESTIMATED}: held-out error on {gen} median {summary.median_abs_log_error:.2f}, "
                   f"P90 {summary.p90_abs_log_error:.2f} in log (drawn per trial, sd {fit.log_sd:.2f})")
    m = catalogue.models().get(model)
    if m is not None and m.active_params_range_b:
        low, high = m.active_params_range_b
        out.append(f"closed model: {low:g}-{high:g}B active parameters (a published estimate), drawn per trial")
    return tuple(out)


def clear_caches() -> None:
    """Forget the law, its cross-validation and the flags (after editing data files)."""
    for f in (training, fitted_law, cross_validation, flags):
        f.cache_clear()
