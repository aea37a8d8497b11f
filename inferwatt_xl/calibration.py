"""Calibration to a user's measurements: what they are, how each reads in Eq. 1, and what moved.

A measurement row names a model, a node and one quantity (Wh per query, tokens/s, node power) at its
boundary (GPU only, node at the wall, facility). Each is a product of the method's factors (a throughput
factor on the fitted TPS, P_node / P_max, PUE), so its logarithm is one row of a linear Gaussian model and
the method's own spreads are its prior (method/calibration.py). The posterior travels as the `calibration`
parameter's text, so every later result (energy, cost, carbon, capacity, sensitivity) draws from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import api, catalogue
from .errors import InputError
from .method import calibration as calibration_math
from .method import distributions as dist
from .method.energy import SECONDS_PER_HOUR_OVER_1000, effective_tokens

QUANTITIES = {"wh_per_query": "Wh/query", "tokens_per_s": "tokens/s", "node_kw": "kW"}
BOUNDARIES = ("gpu", "node", "facility")  # what the instrument saw: the accelerators, the node at the wall, the site
MEASUREMENT_COLUMNS = ("model", "node", "quantity", "value", "l_in_tokens", "l_out_tokens", "boundary",
                       "rel_uncertainty", "source")
TELEMETRY_COLUMNS = ("model", "node", "timestamp_s", "power_w", "input_tokens", "output_tokens", "requests",
                     "boundary", "source")
FACTOR_WORDS = {"throughput": "throughput factor on the fitted TPS", "node_power": "node power P_node / P_max",
                "pue": "PUE"}


@dataclass(frozen=True)
class Measurement:
    """One measured quantity of a model on a node; `where` says which row of which input it came from."""

    model: str
    node: str
    quantity: str
    value: float
    l_in_tokens: float | None
    l_out_tokens: float | None
    boundary: str
    rel_uncertainty: float | None
    source: str
    where: str = ""
    # rel_uncertainty is a scatter only: the instrument's (measurement_rel_uncertainty of the run) adds to it
    plus_instrument: bool = False


def measurement(row: Mapping[str, object], where: str = "measurements") -> Measurement:
    """A checked measurement from a row of the file's columns (text or numbers); errors name where and column."""
    def column(name: str) -> object:
        value = row.get(name)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    def number(name: str, required: bool, allowed: str = "a number > 0") -> float | None:
        value = column(name)
        if value is None:
            if required:
                raise InputError(f"{where}: {name}", "an empty cell", allowed)
            return None
        value = catalogue.number_or_text(value) if isinstance(value, str) else value
        return catalogue.check_number(f"{where}: {name}", value, (">", 0), ("<=", 1e15))

    def word(name: str, allowed: Sequence[str]) -> str:
        value = column(name)
        text = value.strip().lower() if isinstance(value, str) else None
        if text not in allowed:
            raise InputError(f"{where}: {name}", "an empty cell" if value is None else value,
                             "one of " + ", ".join(allowed))
        return text

    model = catalogue.find_model(column("model"), f"{where}: model").name
    node_value = column("node")
    node = catalogue.models()[model].node if node_value is None else catalogue.find_node(node_value,
                                                                                         f"{where}: node").name
    quantity = word("quantity", tuple(QUANTITIES))
    needs_tokens = quantity in ("wh_per_query", "tokens_per_s")
    boundary = "node" if quantity == "tokens_per_s" and column("boundary") is None else word("boundary", BOUNDARIES)
    uncertainty = number("rel_uncertainty", False, "a number > 0 (1 sigma, relative), or empty for the default")
    source = column("source")
    return Measurement(model, node, quantity, number("value", True), number("l_in_tokens", needs_tokens),
                       number("l_out_tokens", needs_tokens), boundary, uncertainty,
                       "" if source is None else str(source), where)


def read_measurements(path: str | Path) -> list[Measurement]:
    """A measurements file (the columns of MEASUREMENT_COLUMNS) or a telemetry log (TELEMETRY_COLUMNS), told
    apart by its header."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InputError("measurements file", str(path), f"a readable CSV file ({err.strerror})") from None
    header = data.decode("utf-8-sig", errors="replace").splitlines()[0] if data.strip() else ""
    if "timestamp_s" in header.split(","):
        return telemetry_measurements(catalogue.csv_rows(file.name, TELEMETRY_COLUMNS, data), file.name)
    rows = catalogue.csv_rows(file.name, MEASUREMENT_COLUMNS, data)
    return [measurement(r, f"{file.name}, row {i}") for i, r in enumerate(rows, start=2)]


def telemetry_measurements(rows: Sequence[Mapping[str, object]], where: str = "telemetry") -> list[Measurement]:
    """A power and token log (nvidia-smi or DCGM power, vLLM's token and request counters), one row per sample:
    the power at its timestamp and the tokens and requests completed since the previous sample (the first row
    opens the log). Each (model, node, boundary) log gives its mean power (trapezoid over time) and its
    output tokens per second, at the log's mean input and output tokens per request; their uncertainty is the
    interval-to-interval scatter's standard error, the power's combined with the instrument's when it is read."""
    groups: dict[tuple[str, str, str], list[tuple[int, Mapping[str, object]]]] = {}
    for i, row in enumerate(rows, start=2):
        probe = measurement({**row, "quantity": "node_kw", "value": 1}, f"{where}, row {i}")
        groups.setdefault((probe.model, probe.node, probe.boundary), []).append((i, row))
    out = []
    for (model, node, boundary), members in groups.items():
        columns = {name: np.array([_telemetry_number(row, name, f"{where}, row {i}") for i, row in members])
                   for name in ("timestamp_s", "power_w", "input_tokens", "output_tokens", "requests")}
        t = columns["timestamp_s"]
        here = f"{where}, rows {members[0][0]}-{members[-1][0]} ({model} on {node}, {boundary})"
        dt = np.diff(t)
        if len(t) < 3 or (dt <= 0).any():
            raise InputError(f"{here}: timestamp_s", "fewer than 3 samples or times not increasing",
                             "at least 3 samples with increasing timestamps")
        later = slice(1, None)
        tokens_in, tokens_out, requests = (float(columns[c][later].sum()) for c in
                                           ("input_tokens", "output_tokens", "requests"))
        if requests <= 0 or tokens_out <= 0 or tokens_in <= 0:
            raise InputError(f"{here}: requests", requests, "requests, input and output tokens above 0 in the log")
        power = columns["power_w"]
        interval_w = (power[:-1] + power[1:]) / 2
        mean_kw = float(interval_w @ dt / dt.sum()) / 1000
        rates = columns["output_tokens"][later] / dt
        tokens_per_s = tokens_out / float(dt.sum())
        power_se, rate_se = (_relative_standard_error(x) for x in (interval_w, rates))
        source = "; ".join(dict.fromkeys(str(row.get("source") or "").strip() for _, row in members)) or "telemetry"
        common = {"model": model, "node": node, "l_in_tokens": tokens_in / requests,
                  "l_out_tokens": tokens_out / requests, "boundary": boundary, "source": source, "where": here}
        out.append(Measurement(quantity="tokens_per_s", value=tokens_per_s,
                               rel_uncertainty=rate_se if rate_se > 0 else None, **common))
        out.append(Measurement(quantity="node_kw", value=mean_kw,
                               rel_uncertainty=power_se, plus_instrument=True, **common))
    return out


def _telemetry_number(row: Mapping[str, object], name: str, where: str) -> float:
    value = row.get(name)
    value = catalogue.number_or_text(value.strip()) if isinstance(value, str) else value
    return catalogue.check_number(f"{where}: {name}", value, (">=", 0), ("<=", 1e15))


def _relative_standard_error(values: np.ndarray) -> float:
    """The standard error of the mean over the mean (0 for a constant series)."""
    mean = float(np.mean(values))
    return float(np.std(values, ddof=1) / math.sqrt(len(values)) / mean) if mean > 0 else 0.0


def example_measurements() -> list[Measurement]:
    """The shipped illustration (data/measurements_example.csv, the operator of issue 20; not a measurement):
    what the workbook's Calibration sheet shows, switched off."""
    rows = catalogue.csv_rows("measurements_example.csv", MEASUREMENT_COLUMNS)
    return [measurement(r, f"measurements_example.csv, row {i}") for i, r in enumerate(rows, start=2)]


def as_measurements(measurements: object) -> list[Measurement]:
    """What the API accepts: a path to a file, Measurement objects, or rows (mappings of the file's columns)."""
    if isinstance(measurements, (str, Path)):
        return read_measurements(measurements)
    if isinstance(measurements, Mapping) or not isinstance(measurements, Iterable):
        raise InputError("measurements", type(measurements).__name__,
                         "a CSV path, Measurement objects or rows with the columns " + ", ".join(MEASUREMENT_COLUMNS))
    out = []
    for i, m in enumerate(measurements, start=1):
        out.append(m if isinstance(m, Measurement) else
                   measurement(m, str(m.get("where") or f"measurements, row {i}") if isinstance(m, Mapping) else
                               "measurements"))
    return out


# ---------------------------------------------------------------- the update


@dataclass(frozen=True)
class Reading:
    """A measurement as one row of the linear model: ln value = constant + design . x, with its log sigma."""

    constant: float
    design: tuple[float, float, float]
    sigma: float


def reading(m: Measurement, params: Mapping[str, object], benchmarks: catalogue.Benchmarks | None = None) -> Reading:
    """How a measurement reads in Eq. 1: its constant (the fitted TPS, P_max, tokens) and which factors it
    multiplies; a GPU-only reading sees the accelerators' share of the node's power and no PUE."""
    spec = api.node_spec(m.node, params)
    gpu_share = math.log(params["gpu_share_of_node_power"]) if m.boundary == "gpu" else 0.0
    pue = 1.0 if m.boundary == "facility" else 0.0
    instrument = params["measurement_rel_uncertainty"]
    uncertainty = (instrument if m.rel_uncertainty is None else
                   math.hypot(instrument, m.rel_uncertainty) if m.plus_instrument else m.rel_uncertainty)
    sigma = math.log1p(uncertainty)
    if m.quantity == "node_kw":
        return Reading(math.log(spec.p_max_kw) + gpu_share, (0.0, 1.0, pue), sigma)
    fit = api.fit_for(m.model, m.node, params, benchmarks)
    tps = float(fit.tps(m.l_in_tokens, m.l_out_tokens, params["tps_beyond_range"] == "hold"))
    if m.quantity == "tokens_per_s":
        return Reading(math.log(tps), (1.0, 0.0, 0.0), sigma)
    l_eff = float(effective_tokens(m.l_in_tokens, np.array(m.l_out_tokens), params["l_eff"]))
    return Reading(math.log(spec.p_max_kw * l_eff / (SECONDS_PER_HOUR_OVER_1000 * tps)) + gpu_share,
                   (-1.0, 1.0, pue), sigma)


@dataclass(frozen=True)
class FactorMoved:
    """A factor's prior and posterior, as medians and P5-P95 of the factor itself (not its log)."""

    factor: str
    words: str
    informed: bool
    prior_median: float
    prior_p5: float
    prior_p95: float
    posterior_median: float
    posterior_p5: float
    posterior_p95: float


@dataclass(frozen=True)
class RowFit:
    """How one measurement sits: its value, the prior's and posterior's median prediction of it, and its
    z-scores under the prior and under the other rows (beyond P1-P99: a contradiction)."""

    where: str
    quantity: str
    unit: str
    boundary: str
    value: float
    prior_median: float
    posterior_median: float
    residual_ratio: float  # measured / posterior median
    z_prior: float
    z_others: float | None  # None for a lone measurement
    source: str


@dataclass(frozen=True)
class Calibration(api.CalibratedModel):
    """A calibrated model (usable wherever a model is) and what moved: factors, rows, headline, warnings."""

    factors: tuple[FactorMoved, ...] = ()
    rows: tuple[RowFit, ...] = ()
    headline: tuple[dict[str, object], ...] = ()  # per regime: median Wh/query before and after
    warnings: tuple[str, ...] = ()
    measurements: tuple[Measurement, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of the command line."""
        return {"model": self.name, "node": self.node, "calibration": self.calibration,
                "factors": [f.__dict__ for f in self.factors], "measurements": [r.__dict__ for r in self.rows],
                "headline": list(self.headline), "warnings": list(self.warnings)}


def _quantiles(mean: float, sd: float) -> tuple[float, float, float]:
    return tuple(math.exp(mean + z * sd) for z in (0.0, -dist.Z95, dist.Z95))


def calibrate(model: object, measurements: object, node: object = None, n: int | None = None,
              seed: api.Seed = None, benchmarks: catalogue.Benchmarks | None = None, *, headline: bool = True,
              **overrides: object) -> Calibration:
    """Update the method's factors of `model` on `node` (its own unless given) with the measurements of that
    model and node; other rows are refused. The result runs wherever a model does: iw.simulate(result)."""
    params = api.resolve_params({**overrides, "calibration": None})
    name = catalogue.find_model(model).name
    node_name = api.resolve_node(name, node, benchmarks, params)
    rows = as_measurements(measurements)
    for m in rows:
        if (m.model, m.node) != (name, node_name):
            raise InputError(f"{m.where}: model", f"{m.model} on {m.node}",
                             f"{name} on {node_name}, the model being calibrated (one model and node per calibration)")
    readings = [reading(m, params, benchmarks) for m in rows]
    before = api.log_prior(params, benchmarks)
    design = np.array([r.design for r in readings]).reshape(-1, 3)
    logs = np.array([math.log(m.value) - r.constant for m, r in zip(rows, readings, strict=True)])
    sigmas = np.array([r.sigma for r in readings])
    after = calibration_math.update(before, design, logs, sigmas)
    informed = tuple(bool(x) for x in (np.abs(design).sum(axis=0) > 0)) if rows else (False, False, False)
    factors = calibration_math.CalibratedFactors(name, node_name, after, informed)
    text = factors.to_text() if any(informed) else ""

    z_prior = calibration_math.predictive_z(before, design, logs, sigmas) if rows else np.array([])
    z_others = calibration_math.left_out_z(after, design, logs, sigmas) if len(rows) > 1 else None
    row_fits, warnings = [], []
    for i, (m, r) in enumerate(zip(rows, readings, strict=True)):
        prior_median = math.exp(r.constant + design[i] @ before.mean)
        posterior_median = math.exp(r.constant + design[i] @ after.mean)
        row_fits.append(RowFit(m.where, m.quantity, QUANTITIES[m.quantity], m.boundary, m.value, prior_median,
                               posterior_median, m.value / posterior_median, float(z_prior[i]),
                               None if z_others is None else float(z_others[i]), m.source))
        if abs(z_prior[i]) > calibration_math.Z99:
            warnings.append(f"{m.where}: {m.quantity} {m.value:g} lies outside the method's P1-P99 for it "
                            f"(z = {z_prior[i]:+.1f} against a prior median of {prior_median:.4g})")
        if z_others is not None and abs(z_others[i]) > calibration_math.Z99:
            warnings.append(f"{m.where}: {m.quantity} {m.value:g} contradicts the other measurements "
                            f"(z = {z_others[i]:+.1f} under their posterior)")
    moved = tuple(FactorMoved(key, FACTOR_WORDS[key], informed[k], *_quantiles(before.mean[k], before.sd[k]),
                              *_quantiles(after.mean[k], after.sd[k]))
                  for k, key in enumerate(calibration_math.FACTORS))
    runs = {**overrides, "calibration": None}
    before_after = []
    for regime in api.REGIMES if headline else ():
        plain = api.simulate(name, regime, n, seed, node=node_name, benchmarks=benchmarks, **runs)
        calibrated = api.simulate(name, regime, n, seed, node=node_name, benchmarks=benchmarks,
                                  **{**runs, "calibration": text}) if text else plain
        before_after.append({"regime": regime, "median_wh_before": plain.stats["median"],
                         "median_wh_after": calibrated.stats["median"],
                         "ratio": calibrated.stats["median"] / plain.stats["median"]})
    return Calibration(name, node_name, text, moved, tuple(row_fits), tuple(before_after), tuple(warnings),
                       tuple(rows))


def calibrate_all(measurements: object, benchmarks: catalogue.Benchmarks | None = None, *, headline: bool = True,
                  **overrides: object) -> list[Calibration]:
    """One calibration per (model, node) that the measurements name, in their order (the command line's
    --calibration FILE)."""
    rows = as_measurements(measurements)
    pairs = list(dict.fromkeys((m.model, m.node) for m in rows))
    return [calibrate(model, [m for m in rows if (m.model, m.node) == (model, node)], node, benchmarks=benchmarks,
                      headline=headline, **overrides) for model, node in pairs]


def calibration_text(calibrations: Iterable[api.CalibratedModel]) -> str:
    """The `calibration` parameter's value for several calibrated models."""
    return calibration_math.TEXT_SEPARATOR.join(c.calibration for c in calibrations if c.calibration)
