"""Excel functions (xlwings UDFs): thin faces over the API, named as Excel shows them.

Every function returns a value or one readable line starting with '#IW!' that names
the argument, the value and what is allowed: nothing raises into Excel. Results are
memoised on their (hashable) arguments, so a sheet recalculation redoes no work.
Import with the xlwings add-in (UDF Modules: inferwatt_xl.udf) or use from xlwings Lite.
Tables are returned as lists of rows and spill natively in Excel with dynamic arrays
(older Excel: select the output range and enter the formula with Ctrl+Shift+Enter).
"""

from __future__ import annotations

import math
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields
from typing import Any, ClassVar

import numpy as np
import xlwings as xw

from . import __version__, api, catalogue, estimates
from .calibration import MEASUREMENT_COLUMNS, calibrate
from .errors import InferWattError, InputError
from .impacts import MEASURES, SPREAD_COLUMNS, SPREAD_UNITS, CapacityResult, ImpactsResult, capacity, impacts, regions
from .method.calibration import TEXT_TAG, parse_text
from .scenarios import FRAME_COLUMNS, comparison, scenarios_from_rows
from .sensitivity import SensitivityRow, sensitivity

ERROR_PREFIX = "#IW!"
# The API's names of inputs, as the Excel functions call them.
EXCEL_NAMES = {"l_out_tokens": "Lout", "l_in_tokens": "Lin", "util": "util", "pue": "PUE", "pue_p5": "PUE_P5",
               "pue_p95": "PUE_P95", "pnode_reading": "Pnode_reading", "l_out_median_tokens": "Lout_median",
               "load_min_frac": "load_min", "load_max_frac": "load_max", "node_redundancy": "redundancy",
               "interconnect_overhead": "interconnect", "beta_node": "node"}


class _Empty:
    """Stands for an empty cell in error messages."""

    def __repr__(self) -> str:
        return "an empty cell"


EMPTY = _Empty()
MEMO_BYTES = 256 * 2**20  # memoised results kept, by size: a sheet of hundreds of calls, never gigabytes
EXCEL_ROWS = 1_048_576  # rows of an Excel sheet: a spilled column cannot be longer
MAX_ERROR_CHARS = 255  # what a cell user can read of an error line

try:  # a broken data file must not make every Excel function vanish: each cell reports it instead
    _P = catalogue.parameters()
    DATA_ERROR: str | None = None
except InferWattError as err:
    _P, DATA_ERROR = {}, str(err)


def _doc(name: str) -> str:
    """Argument help for Excel, from the one parameter declaration."""
    return _P[name].help if name in _P else name


def _error(text: str) -> str:
    """One '#IW!' line, short enough to read in a cell."""
    line = f"{ERROR_PREFIX} {' '.join(text.split())}"
    return line if len(line) <= MAX_ERROR_CHARS else line[:MAX_ERROR_CHARS - 3] + "..."


def _cell(compute: Callable[..., Any], *args: Any) -> Any:
    """Run `compute` on frozen arguments; our errors and any other become a '#IW!' line."""
    if DATA_ERROR:
        return _error(f"data error: {DATA_ERROR}")
    try:
        return compute(*(_freeze(a) for a in args))
    except InputError as err:
        return _error(f"{EXCEL_NAMES.get(err.name, err.name)} must be {err.allowed}, got {_short(err.value)}")
    except InferWattError as err:
        return _error(str(err))
    except Exception as err:  # a cell must never raise: report it, readable, instead
        return _error(f"internal error ({type(err).__name__}: {err}); please report it")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _freeze(value: Any) -> Any:
    """Excel ranges arrive as (nested) lists: tuples, so that they can be memo keys."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _key(value: Any) -> Any:
    """A memo key that tells TRUE from 1 and 1 from 1.0, at any depth of a range."""
    if isinstance(value, tuple):
        return ("range", tuple(_key(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("unhashable", repr(value))
    return (type(value).__name__, value)


def _size(value: Any) -> int:
    """Bytes a memoised result holds (roughly; arrays and tables of floats dominate)."""
    if isinstance(value, (np.ndarray, ImpactsResult)):
        return value.nbytes
    if isinstance(value, tuple):
        return sys.getsizeof(value) + sum(_size(v) for v in value[:1]) * len(value)
    return sys.getsizeof(value)


class Memo:
    """A least-recently-used memo of a function's results, bounded by bytes; errors are not kept."""

    instances: ClassVar[list[Memo]] = []

    def __init__(self, func: Callable[..., Any], max_bytes: int = MEMO_BYTES) -> None:
        self.func, self.max_bytes, self.bytes, self.hits = func, max_bytes, 0, 0
        self.entries: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        Memo.instances.append(self)

    def __call__(self, *args: Any) -> Any:
        key = (catalogue.user_version(), *(_key(a) for a in args))  # a redeclared model of yours: recomputed
        if key in self.entries:
            self.hits += 1
            self.entries.move_to_end(key)
            return self.entries[key][0]
        value = self.func(*args)
        size = _size(value)
        if size <= self.max_bytes:
            self.entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.bytes -= dropped
        return value

    def cache_clear(self) -> None:
        self.entries.clear()
        self.bytes = self.hits = 0


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(name: str, value: Any, allowed: str, default: Any = None) -> Any:
    """A number from a cell: empty means the default (or an error if there is none)."""
    if _blank(value):
        if default is None:
            raise InputError(name, EMPTY, allowed)
        return default
    if isinstance(value, tuple):
        raise InputError(name, "a range", allowed + " (one cell)")
    if isinstance(value, float) and math.isnan(value):
        raise InputError(name, value, allowed)
    return value


def _text(name: str, value: Any, allowed: str, default: str | None = None) -> Any:
    if _blank(value):
        if default is None:
            raise InputError(name, EMPTY, allowed)
        return default
    if not isinstance(value, str):
        raise InputError(name, value, allowed)
    return value


MODEL_ROW_ALLOWED = ("a row of " + " | ".join(catalogue.USER_MODEL_COLUMNS) + " (name and total_params_b needed), "
                     "or a header row of data/models.csv's column names over one row per model")


def _as_rows(value: Any) -> tuple[Any, ...] | None:
    """A range as rows of cells (a one-row range arrives from xlwings as a flat list of its cells); None when the
    value is a single cell."""
    if not isinstance(value, tuple):
        return None
    return (value,) if value and not any(isinstance(r, tuple) for r in value) else value


def _declared_models(value: Any) -> list[str] | None:
    """A range holding a model of the user's own (its row, or a header over rows): each declared, their names;
    None when the range is something else (names)."""
    rows = [r for r in _as_rows(value) or () if isinstance(r, tuple) and not all(_blank(c) for c in r)]
    if not rows:
        return None
    header = [str(c).strip().lower() if isinstance(c, str) else None for c in rows[0]]
    if "name" in header and "total_params_b" in header:
        body = [dict(zip(header, r, strict=False)) for r in rows[1:]]
    elif len(rows[0]) >= 2 and isinstance(rows[0][0], str) and isinstance(rows[0][1], (int, float)) and \
            not isinstance(rows[0][1], bool):
        body = [dict(zip(catalogue.USER_MODEL_COLUMNS, r, strict=False)) for r in rows]
    else:
        return None
    if not body:
        raise InputError("model", "a header without rows", MODEL_ROW_ALLOWED)
    return [catalogue.register_model({k: v for k, v in row.items() if k and not _blank(v)}, "the model range").name
            for row in body]


def _model_names(value: Any) -> Any:
    """A name, 'baseline', a range of names (its mixture; empty cells skipped), a range holding your own model's
    row, or the calibration text of =IW_CALIBRATE(...) (its calibrated models)."""
    allowed = ("a model name, 'baseline', a range of model names (see =IW_MODELS()), your model's row "
               "(name | total_params_b | ...) or =IW_CALIBRATE's text")
    declared = _declared_models(value)
    if declared is not None:
        return declared[0] if len(declared) == 1 else declared
    if isinstance(value, tuple):
        flat = [v for row in value for v in (row if isinstance(row, tuple) else (row,)) if not _blank(v)]
        if not flat:
            raise InputError("model", "an empty range", allowed)
        out: list[Any] = []
        for v in flat:
            out.extend(_calibrated_or_name(_text("model", v, allowed)))
        return out
    named = _calibrated_or_name(_text("model", value, allowed))
    return named[0] if len(named) == 1 else named


def _one_model(value: Any) -> Any:
    """One model: a name, your model's row, or one calibrated model's text."""
    declared = _declared_models(value)
    if declared is not None:
        if len(declared) != 1:
            raise InputError("model", value, "one model's row")
        return declared[0]
    named = _calibrated_or_name(_text("model", value, "a model name (see =IW_MODELS()) or =IW_CALIBRATE's text"))
    if len(named) != 1:
        raise InputError("model", value, "one model (this calibration text carries several)")
    return named[0]


def _calibrated_or_name(text: str) -> list[Any]:
    """A model name as it is, or the calibrated models a calibration text carries."""
    if not text.strip().startswith(TEXT_TAG):
        return [text]
    checked = catalogue.check_calibration(text, "model")
    return [api.CalibratedModel(c.model, c.node, c.to_text()) for c in parse_text(checked)]


def _bool(name: str, value: Any) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise InputError(name, value, "TRUE or FALSE")


def _table(header: list[str], rows: list[list[Any]]) -> list[list[Any]]:
    return [header, *rows]


def _records(rows: list[Any], columns: tuple[str, ...]) -> tuple[tuple[Any, ...], ...]:
    """A spilled table of dataclass rows: a header of field names, then their values (None as an empty cell)."""
    return (columns, *(tuple("" if getattr(r, c) is None else getattr(r, c) for c in columns) for r in rows))


# ---------------------------------------------------------------- computations (memoised)


NODE_ALLOWED = "a node name (see =IW_NODES()); empty for the model's own node"


def _node(value: Any) -> str | None:
    return None if _blank(value) else _text("node", value, NODE_ALLOWED)


@Memo
def _energy(model: Any, lout: Any, util: Any, pue: Any, lin: Any, node: Any) -> float:
    default_lin = _P["l_in_tokens"].default
    return api.energy_wh(_one_model(model),
                         _number("Lout", lout, "a number > 0"), _number("util", util, "a number > 0 and <= 1"),
                         _number("PUE", pue, "a number >= 1"), _number("Lin", lin, "a number > 0", default_lin),
                         node=_node(node))


@Memo
def _tps(model: Any, lin: Any, lout: Any, node: Any) -> float:
    return api.tps(_one_model(model), _number("Lin", lin, "a number > 0"),
                   _number("Lout", lout, "a number > 0"), node=_node(node))


def _overrides(value: Any) -> dict[str, Any]:
    """A two-column range of parameter names and values (the shape =IW_PARAMS() spills); empty rows skipped."""
    if _blank(value):
        return {}
    allowed = "a two-column range of parameter names and values (see =IW_PARAMS())"
    rows = _as_rows(value)
    if rows is None or not all(isinstance(r, tuple) and len(r) == 2 for r in rows):
        raise InputError("overrides", "a range of another shape" if isinstance(value, tuple) else value, allowed)
    out = {}
    for name, setting in rows:
        if _blank(name):
            continue
        if not isinstance(name, str) or name.strip() not in _P:
            raise InputError("overrides", name, "parameter names of =IW_PARAMS() in the first column")
        if name.strip() in out:  # the last row would silently win
            raise InputError("overrides", name, "each parameter in one row only (it is in two)")
        out[name.strip()] = None if _blank(setting) else setting
    return out


def _parameters(overrides: Any, n: Any = None, seed: Any = None) -> dict[str, Any]:
    """The one route from cells to parameters: the overrides range, then the n and seed cells (a cell wins over the
    same parameter in the range); an empty cell leaves the range, the preset or the default to decide."""
    out = _overrides(overrides)
    if not _blank(n):
        out["n_trials"] = _n(n)
    if not _blank(seed):
        out["seed"] = _seed(seed)
    return out


def _n(n: Any) -> int | None:
    """The n cell; empty: None, so that n_trials in overrides, a preset or the declared default decides."""
    return None if _blank(n) else api.check_n(_number("n", n, _P["n_trials"].allowed))


def _seed(seed: Any) -> int | None:
    """The seed cell; empty: None, so that seed in overrides, a preset (42 for the paper's) or the default decides."""
    return None if _blank(seed) else _number("seed", seed, _P["seed"].allowed)


def _simulation(model: Any, regime: Any, n: Any, seed: Any, lever: Any, pue_p5: Any, pue_p95: Any,
                pnode_reading: Any, lin: Any, lout_median: Any, node: Any = None,
                more: Any = None) -> api.SimulationResult:
    named = {"pue_p5": None if _blank(pue_p5) else _number("PUE_P5", pue_p5, _P["pue_p5"].allowed),
             "pue_p95": None if _blank(pue_p95) else _number("PUE_P95", pue_p95, _P["pue_p95"].allowed),
             "pnode_reading": None if _blank(pnode_reading) else pnode_reading,
             "l_in_tokens": None if _blank(lin) else _number("Lin", lin, _P["l_in_tokens"].allowed)}
    # an argument given in its own cell wins over the same parameter in the overrides range
    overrides = {**_parameters(more, n, seed), **{k: v for k, v in named.items() if v is not None}}
    return api.simulate(
        _model_names(model), _text("regime", regime, "'traditional' or 'tts'", "traditional"),
        lever=_lever(lever),
        l_out_median_tokens=None if _blank(lout_median) else _number("Lout_median", lout_median, "a number > 0"),
        node=_node(node), **overrides)


@Memo
def _montecarlo(*args: Any) -> tuple[tuple[Any, ...], ...]:
    stats = _simulation(*args).stats
    return (("statistic", "Wh_per_query"), *((k, stats[k]) for k in api.STATISTICS))


@Memo
def _samples(*args: Any) -> np.ndarray:
    result = _simulation(*args)
    rows = result.n * len(result.models)
    if rows > EXCEL_ROWS:
        raise InputError("n", result.n, f"at most {EXCEL_ROWS // len(result.models):,} for {len(result.models)} "
                                        f"model(s): the column must fit Excel's {EXCEL_ROWS:,} rows")
    column = result.energy_wh.reshape(-1, 1).copy()
    column.flags.writeable = False
    return column


@Memo
def _fleet(queries: Any, tts_share: Any, improved: Any, n: Any, seed: Any, overrides: Any, lever: Any = None) -> float:
    return api.fleet(_number("queries_per_day", queries, _P["queries_per_day"].allowed),
                     None if _blank(tts_share) else _number("tts_share", tts_share, _P["tts_share"].allowed),
                     _bool("improved", improved), lever=_lever(lever), **_parameters(overrides, n, seed)).gwh_per_day


def _lever(value: Any) -> str | None:
    return None if _blank(value) else _text("lever", value, "one of " + ", ".join(api.LEVERS) + " or empty")


@Memo
def _impacts(model: Any, regime: Any, overrides: Any, n: Any, seed: Any) -> ImpactsResult:
    """The run behind IW_STAT and IW_IMPACTS: its per-trial arrays are kept (and counted against the memo's
    bytes), each measure's statistics computed when first asked."""
    return impacts(_model_names(model), _text("regime", regime, "'traditional' or 'tts'", "traditional"),
                   **_parameters(overrides, n, seed))


@Memo
def _impact_table(model: Any, regime: Any, overrides: Any, n: Any, seed: Any) -> tuple[tuple[Any, ...], ...]:
    """(measure, median, mean, p5, p25, p75, p95) rows; a measure whose input is missing says which."""
    result = _impacts(model, regime, overrides, n, seed)
    rows = []
    for m in MEASURES:
        stats = result.stats[m]
        rows.append((m, *(stats[k] for k in api.STATISTICS)) if stats else
                    (m, *[_error(f"{m} needs {' and '.join(result.needs(m))}: no sourced default "
                                 "exists, give them in overrides")] * len(api.STATISTICS)))
    mean = api.STATISTICS.index("mean")  # a ratio of means: in the mean column only
    rows.append(("cost_usd_per_million_output_tokens", *("" if k != mean else result.cost_usd_per_million_output_tokens
                                                          for k in range(len(api.STATISTICS)))))
    rows.append(("cost basis", result.cost_basis, *[""] * (len(api.STATISTICS) - 1)))
    return (("measure", *api.STATISTICS), *rows)


def _stat(model: Any, measure: Any, stat: Any, regime: Any, overrides: Any, n: Any, seed: Any) -> float:
    return _impacts(model, regime, overrides, n, seed).stat(measure, stat)


@Memo
def _capacity(queries: Any, tts_share: Any, overrides: Any, improved: Any, n: Any,
              seed: Any, lever: Any = None) -> tuple[tuple[Any, ...], ...]:
    r: CapacityResult = capacity(
        _number("queries_per_day", queries, _P["queries_per_day"].allowed),
        None if _blank(tts_share) else _number("tts_share", tts_share, _P["tts_share"].allowed),
        _bool("improved", improved), lever=_lever(lever), **_parameters(overrides, n, seed))
    rows = [("nodes", r.nodes, "", "", "", "nodes"), ("gpus", r.gpus, "", "", "", "GPUs"),
            ("peak_it_mw", r.peak_it_mw, "", "", "", "MW"), ("twh_per_year", r.twh_per_year, "", "", "", "TWh/year"),
            ("cost_usd_per_year", r.cost_usd_per_year, "", "", "", "USD/year")]
    for column in SPREAD_COLUMNS:
        value, spread = getattr(r, column), r.spread[column]
        rows.append((column, "" if value is None else value,
                     *(("", "", "") if spread is None else (spread["p5"], spread["p50"], spread["p95"])),
                     SPREAD_UNITS[column]))
    rows += [("missing", ", ".join(r.missing) or "none", "", "", "", ""), ("cost basis", r.cost_basis, "", "", "", ""),
             ("P5-P95", r.spread_note, "", "", "", "")]
    return (("quantity", "value", "p5", "p50", "p95", "unit"), *rows)


@Memo
def _compare(definitions: Any, overrides: Any, n: Any, seed: Any) -> tuple[tuple[Any, ...], ...]:
    rows, first = _scenario_rows(definitions)
    scenarios = scenarios_from_rows(rows, "scenarios", first)
    result = comparison(scenarios, n=None if _blank(n) else _number("n", n, _P["scenario_trials"].allowed),
                        **_parameters(overrides, None, seed))
    return (FRAME_COLUMNS, *(tuple("" if v is None else v for v in row) for row in result.rows))


def _scenario_rows(value: Any) -> tuple[list[tuple[Any, ...]], int]:
    """A three-column range of scenario, parameter and value, and the range's row number of the first (a header
    row of those words is skipped); one row arrives from xlwings as a flat list."""
    allowed = "a three-column range of scenario, parameter and value rows (the first scenario is the reference)"
    if _blank(value):
        raise InputError("scenarios", EMPTY, allowed)
    rows = _as_rows(value)
    if rows is None or not all(isinstance(r, tuple) and len(r) == 3 for r in rows):
        raise InputError("scenarios", "a range of another shape" if isinstance(value, tuple) else value, allowed)
    header = tuple(str(c).strip().lower() if isinstance(c, str) else c for c in rows[0])
    first = 2 if header == ("scenario", "parameter", "value") else 1
    return [tuple(None if _blank(c) else c for c in r) for r in rows[first - 1:]], first


@Memo
def _calibrate(model: Any, measurements: Any, node: Any, overrides: Any, n: Any,
               seed: Any) -> tuple[tuple[Any, ...], ...]:
    rows = _measurement_rows(measurements)
    result = calibrate(_text("model", model, "a model name (see =IW_MODELS())"), rows, _node(node),
                       **_parameters(overrides, n, seed))
    width = len(CALIBRATION_HEADERS[0])

    def padded(*cells: Any) -> tuple[Any, ...]:
        return tuple("" if c is None else c for c in (*cells, *[""] * (width - len(cells))))

    table = [padded("calibration", result.calibration or "none: no measurement informed a factor"),
             padded(*CALIBRATION_HEADERS[0])]
    table += [padded(f.factor, f.informed, f.prior_median, f.prior_p5, f.prior_p95,
                     *((f.posterior_median, f.posterior_p5, f.posterior_p95) if f.informed else ("unchanged",) * 3))
              for f in result.factors]
    table.append(padded(*CALIBRATION_HEADERS[1]))
    table += [padded(r.where, r.quantity, r.value, r.prior_median, r.posterior_median, r.residual_ratio, r.z_prior,
                     r.z_others) for r in result.rows]
    table.append(padded(*CALIBRATION_HEADERS[2]))
    table += [padded(h["regime"], h["median_wh_before"], h["median_wh_after"], h["ratio"]) for h in result.headline]
    table += [padded("warning", w) for w in result.warnings]
    return tuple(table)


CALIBRATION_HEADERS = (
    ("factor", "informed", "prior_median", "prior_p5", "prior_p95", "posterior_median", "posterior_p5",
     "posterior_p95"),
    ("measurement", "quantity", "value", "prior_median", "posterior_median", "measured_over_posterior", "z_prior",
     "z_others"),
    ("regime", "median_wh_before", "median_wh_after", "ratio"))


def _measurement_rows(value: Any) -> list[dict[str, Any]]:
    """A range of measurement rows with the columns of the measurements file, in their order (a header row of
    those words is skipped; one row arrives from xlwings as a flat list; empty rows skipped)."""
    width = len(MEASUREMENT_COLUMNS)
    allowed = f"a {width}-column range: " + ", ".join(MEASUREMENT_COLUMNS)
    if _blank(value):
        raise InputError("measurements", EMPTY, allowed)
    rows = _as_rows(value)
    if rows is None or not all(isinstance(r, tuple) and len(r) == width for r in rows):
        raise InputError("measurements", "a range of another shape" if isinstance(value, tuple) else value, allowed)
    header = tuple(str(c).strip().lower() if isinstance(c, str) else c for c in rows[0])
    first = 1 if header == MEASUREMENT_COLUMNS else 0
    out = []
    for i, row in enumerate(rows[first:], start=first + 1):
        if all(_blank(c) for c in row):
            continue
        for column, cell in zip(MEASUREMENT_COLUMNS, row, strict=True):
            if isinstance(cell, bool) or (isinstance(cell, float) and not math.isfinite(cell)):
                raise InputError(f"measurements, row {i}: {column}", cell, "a number or text of that column")
        out.append({"where": f"measurements, row {i}", **dict(zip(MEASUREMENT_COLUMNS, row, strict=True))})
    if not out:
        raise InputError("measurements", "no rows", allowed)
    return out


@Memo
def _hardware(model: Any, n: Any, seed: Any, overrides: Any) -> tuple[tuple[Any, ...], ...]:
    rows = api.hardware(_text("model", model, "a model name (see =IW_MODELS())"), **_parameters(overrides, n, seed))
    return _records(rows, ("node", "gpus", "precision", "traditional_median_wh", "tts_median_wh",
                           "alpha_vs_h100_traditional", "alpha_vs_h100_tts", "tps_per_gpu_vs_h100"))


@Memo
def _sensitivity(model: Any, regime: Any, target: Any, overrides: Any) -> tuple[tuple[Any, ...], ...]:
    table = sensitivity(_model_names(model), _text("regime", regime, "'traditional' or 'tts'", "traditional"),
                        _text("target", target, "median, mean or fleet", "median"), **_overrides(overrides))
    return _records(table.rows, tuple(f.name for f in fields(SensitivityRow)))


@Memo
def _beta(load_min: Any, load_max: Any, redundancy: Any, interconnect: Any, node: Any) -> float:
    values = {"load_min_frac": load_min, "load_max_frac": load_max, "node_redundancy": redundancy,
              "interconnect_overhead": interconnect, "beta_node": node}
    return api.beta(**{k: None if _blank(v) else v for k, v in values.items()}).beta


_MC_DOCS = {
    "model": "Model name, 'baseline' (the >200B mixture) or a range of names (their equal mixture)",
    "regime": "'traditional' (median 300 output tokens) or 'tts' (test-time scaling, median 5,000)",
    "n": _doc("n_trials"), "seed": _doc("seed"),
    "lever": "Efficiency lever dividing the energy: model, serving, hardware, improved, or combined (InferWatt's own: "
             "the product of the first three; the paper does not define it); empty for none",
    "PUE_P5": _doc("pue_p5"), "PUE_P95": _doc("pue_p95"), "Pnode_reading": _doc("pnode_reading"),
    "Lin": _doc("l_in_tokens"), "Lout_median": "Median output tokens (overrides the regime's median)",
    "node": "Node serving the model(s), e.g. 8xB200 (see =IW_NODES()); empty for each model's own node",
    "overrides": "Two-column range of parameter names and values (the shape =IW_PARAMS() spills), e.g. "
                 "region | USA; reaches every declared parameter",
}
ARG_DOCS: dict[str, dict[str, str]] = {}  # function -> argument -> help, also used by the xlwings Lite wrapper


def _args(**docs: str) -> Callable:
    """xlwings argument help, recorded once for both the add-in and xlwings Lite."""
    def decorate(func: Callable) -> Callable:
        ARG_DOCS[func.__name__] = docs
        for name, doc in reversed(docs.items()):
            func = xw.arg(name, doc=doc)(func)
        return func
    return decorate


def _rows(table: tuple[tuple[Any, ...], ...]) -> list[list[Any]]:
    return [list(r) for r in table]


# ---------------------------------------------------------------- the Excel functions


@xw.func
@_args(model="Model name or alias, e.g. 'Llama 3.1 405B' (see =IW_MODELS())", Lout="Output tokens of the query (> 0)",
       util="Node power as a fraction of P_max, P_node / P_max (0-1]; " + _doc("util_median"),
       PUE="Power usage effectiveness (>= 1)", Lin=_doc("l_in_tokens"), node=_MC_DOCS["node"])
def IW_ENERGY(model, Lout, util, PUE, Lin=None, node=None):
    """Wh per query of one configuration (paper Eq. 1), no randomness."""
    return _cell(_energy, model, Lout, util, PUE, Lin, node)


@xw.func
@_args(model="Model name or alias (see =IW_MODELS())", Lin="Input tokens (> 0)", Lout="Output tokens (> 0)",
       node=_MC_DOCS["node"])
def IW_TPS(model, Lin, Lout, node=None):
    """Fitted output tokens per second of a saturated node (log-linear fit, capped at the observed maximum)."""
    return _cell(_tps, model, Lin, Lout, node)


@xw.func
@_args(**_MC_DOCS)
def IW_MONTECARLO(model, regime="traditional", n=None, seed=None, lever=None, PUE_P5=None, PUE_P95=None,
                  Pnode_reading=None, Lin=None, Lout_median=None, node=None, overrides=None):
    """Monte Carlo statistics of Wh per query: a two-column table (statistic, Wh_per_query)."""
    result = _cell(_montecarlo, model, regime, n, seed, lever, PUE_P5, PUE_P95, Pnode_reading, Lin, Lout_median,
                   node, overrides)
    return result if isinstance(result, str) else _rows(result)


@xw.func
@_args(**_MC_DOCS)
def IW_SAMPLES(model, regime="traditional", n=None, seed=None, lever=None, PUE_P5=None, PUE_P95=None,
               Pnode_reading=None, Lin=None, Lout_median=None, node=None, overrides=None):
    """The Monte Carlo draws of Wh per query as one column (for a histogram)."""
    result = _cell(_samples, model, regime, n, seed, lever, PUE_P5, PUE_P95, Pnode_reading, Lin, Lout_median, node,
                   overrides)
    return result if isinstance(result, str) else result.tolist()


@xw.func
@_args(queries_per_day=_doc("queries_per_day"), tts_share=_doc("tts_share"),
       improved="TRUE to divide every query by the improved scenario's alpha (1.5-3x)", n=_doc("n_trials"),
       seed=_doc("seed"), overrides=_MC_DOCS["overrides"], lever=_MC_DOCS["lever"])
def IW_FLEET(queries_per_day, tts_share=None, improved=None, n=None, seed=None, overrides=None, lever=None):
    """GWh per day of a fleet of the baseline models, including beta (paper Sec. 4)."""
    return _cell(_fleet, queries_per_day, tts_share, improved, n, seed, overrides, lever)


@xw.func
@_args(model=_MC_DOCS["model"], measure="One of " + ", ".join(MEASURES),
       stat="One of " + ", ".join(api.STATISTICS), regime=_MC_DOCS["regime"], overrides=_MC_DOCS["overrides"],
       n=_doc("n_trials"), seed=_doc("seed"))
def IW_STAT(model, measure, stat, regime="traditional", overrides=None, n=None, seed=None):
    """One number: a statistic of energy, cost, carbon or water per query (for data tables and sweeps)."""
    return _cell(_stat, model, measure, stat, regime, overrides, n, seed)


@xw.func
@_args(model=_MC_DOCS["model"], regime=_MC_DOCS["regime"], overrides=_MC_DOCS["overrides"], n=_doc("n_trials"),
       seed=_doc("seed"))
def IW_IMPACTS(model="baseline", regime="traditional", overrides=None, n=None, seed=None):
    """Energy (Wh), cost (USD), carbon (gCO2e) and water (mL) per query: measures x statistics, from the same
    trials."""
    result = _cell(_impact_table, model, regime, overrides, n, seed)
    return result if isinstance(result, str) else _rows(result)


@xw.func
@_args(queries_per_day=_doc("queries_per_day"), tts_share=_doc("tts_share"), overrides=_MC_DOCS["overrides"],
       improved="TRUE to divide every query by the improved scenario's alpha (1.5-3x)", n=_doc("n_trials"),
       seed=_doc("seed"), lever=_MC_DOCS["lever"])
def IW_CAPACITY(queries_per_day, tts_share=None, overrides=None, improved=None, n=None, seed=None, lever=None):
    """What a fleet needs: nodes, GPUs, MW, GWh, USD, tCO2e and m3 of water per day, with a two-level P5/P50/P95
    over deployments (the nodes follow a lever when lever_effect = throughput)."""
    result = _cell(_capacity, queries_per_day, tts_share, overrides, improved, n, seed, lever)
    return result if isinstance(result, str) else _rows(result)


@xw.func
@_args(scenarios="Three-column range: scenario | parameter | value, one row per setting (parameter: a name of "
       "=IW_PARAMS(), node (NODE or MODEL=NODE), lever or model); the first scenario is the reference, the others "
       "change what they name on top of it", overrides=_MC_DOCS["overrides"],
       n=_doc("scenario_trials"), seed=_doc("seed"))
def IW_COMPARE(scenarios, overrides=None, n=None, seed=None):
    """Scenarios side by side on the same draws: energy per query, GWh/day, MW, nodes, cost, carbon and water per
    day of each, with P5-P95 and the difference and ratio to the first scenario (one row per scenario and
    quantity)."""
    result = _cell(_compare, scenarios, overrides, n, seed)
    return result if isinstance(result, str) else _rows(result)


@xw.func
@_args(model="Model name or alias (see =IW_MODELS())",
       measurements="Range of measurement rows: " + ", ".join(MEASUREMENT_COLUMNS) + " (quantity wh_per_query, "
                    "tokens_per_s or node_kw; boundary gpu, node or facility); a header row is skipped",
       node=_MC_DOCS["node"], overrides=_MC_DOCS["overrides"], n=_doc("n_trials"), seed=_doc("seed"))
def IW_CALIBRATE(model, measurements, node=None, overrides=None, n=None, seed=None):
    """Calibrate a model to your measurements: its first row (calibration | text) is an overrides row, and the
    text works as a model in any function; then each factor's prior and posterior, each measurement's fit, the
    median Wh/query before and after, and any warning."""
    result = _cell(_calibrate, model, measurements, node, overrides, n, seed)
    return result if isinstance(result, str) else _rows(result)


@xw.func
def IW_REGIONS():
    """Grid regions: carbon intensity (gCO2e/kWh) and water intensity of electricity (L/kWh), year and source."""
    return _cell(lambda: _rows(_records(regions(), ("code", "name", "carbon_intensity_g_per_kwh", "carbon_year",
                                                    "water_intensity_l_per_kwh", "carbon_source", "water_source"))))


@xw.func
@_args(load_min=_doc("load_min_frac"), load_max=_doc("load_max_frac"), redundancy=_doc("node_redundancy"),
       interconnect=_doc("interconnect_overhead"), node=_doc("beta_node"))
def IW_BETA(load_min=None, load_max=None, redundancy=None, interconnect=None, node=None):
    """The fleet factor beta from its inputs (Supplement S.V): redundancy x beta_util x interconnect."""
    return _cell(_beta, load_min, load_max, redundancy, interconnect, node)


@xw.func
@_args(model="Model name or alias (see =IW_MODELS())", n=_doc("n_trials"), seed=_doc("seed"),
       overrides=_MC_DOCS["overrides"])
def IW_HARDWARE(model, n=None, seed=None, overrides=None):
    """The measured hardware lever: median Wh/query of the model on every node with throughput data, and the
    ratio to its H100 node."""
    result = _cell(_hardware, model, n, seed, overrides)
    return result if isinstance(result, str) else _rows(result)


@xw.func
@_args(model=_MC_DOCS["model"], regime=_MC_DOCS["regime"],
       target="median or mean Wh/query of the model(s), or fleet GWh/day", overrides="Two-column range of parameter "
       "names and values (the shape =IW_PARAMS() spills), e.g. pue_p95 | 1.6")
def IW_SENSITIVITY(model="baseline", regime="traditional", target="median", overrides=None):
    """What drives the result: every random input, assumption and choice with the result at its low and high value,
    largest swing first (a table to chart as a tornado)."""
    result = _cell(_sensitivity, model, regime, target, overrides)
    return result if isinstance(result, str) else _rows(result)


@xw.func
def IW_MODELS():
    """The model catalogue (yours included): name, node, nodes with benchmark rows (elsewhere estimated),
    architecture, parameters (billions), caveats, source."""
    header = ["name", "node", "nodes_with_data", "nodes_estimated", "architecture", "total_params_b",
              "active_params_b", "active_params_range_b", "precision", "in_baseline", "caveats", "source"]

    def row(m: dict[str, Any]) -> list[Any]:
        rng = m["active_params_range_b"]
        return [m["name"], m["node"], ", ".join(f"{k} ({v} rows)" for k, v in m["benchmark_rows"].items()),
                ", ".join(k for k, v in m["throughput"].items() if v == "estimated"), m["architecture"],
                m["total_params_b"], m["active_params_b"], "" if rng is None else f"{rng[0]:g}-{rng[1]:g}",
                m["precision"], m["in_baseline"],
                "; ".join(f"{k}: {c}" for k, cs in m["caveats"].items() for c in cs), m["source"]]

    return _cell(lambda: _table(header, [row(m) for m in api.model_table()]))


@xw.func
def IW_NODES():
    """The serving nodes: GPUs, P_max and P_idle in kW, the GPU's data sheet (memory, bandwidth, dense TFLOPS),
    sources."""
    def value(v: object) -> object:
        return ", ".join(v) if isinstance(v, (tuple, list)) else "" if v is None else v

    def table() -> list[list[Any]]:
        rows = api.node_table()
        columns = list(rows[0])
        return _table(columns, [[value(r[c]) for c in columns] for r in rows])

    return _cell(table)


@xw.func
@_args(name="Your model's name (not one of =IW_MODELS())", total_params_b="Total parameters, billions (> 0)",
       active_params_b="Active parameters per token, billions (empty: all, a dense model)",
       node=f"Its node (empty: {catalogue.USER_MODEL_DEFAULTS['node']}, the paper's)",
       precision=f"{', '.join(catalogue.PRECISIONS)} (empty: {catalogue.USER_MODEL_DEFAULTS['precision']})",
       architecture="dense or MoE (a label)")
def IW_MODEL(name, total_params_b, active_params_b=None, node=None, precision=None, architecture=None):
    """Declare your own model: returns its name, usable in every function. Without benchmark rows its throughput
    is estimated from its architecture (labelled, with its measured error drawn per trial)."""
    def declare() -> str:
        row = {"name": _text("name", name, "your model's name"),
               "total_params_b": _number("total_params_b", total_params_b, "billions > 0"),
               "active_params_b": None if _blank(active_params_b) else _number("active_params_b", active_params_b,
                                                                             "billions > 0"),
               "node": None if _blank(node) else _text("node", node, NODE_ALLOWED),
               "precision": None if _blank(precision) else _text("precision", precision, "FP8, FP4 or BF16"),
               "architecture": None if _blank(architecture) else _text("architecture", architecture, "a label")}
        return catalogue.register_model({k: v for k, v in row.items() if v is not None}, "IW_MODEL").name

    return _cell(declare)


@xw.func
def IW_ESTIMATE_ERROR():
    """The throughput estimate's leave-one-architecture-out error per GPU generation (inferwatt estimate-error)."""
    columns = ["generation", "rows", "models", "median_abs_log_error", "p90_abs_log_error", "share_inside_p5_p95",
               "log_sd"]
    return _cell(lambda: _table(columns, [[getattr(s, c) for c in columns] for s in estimates.cross_validation()]))


@xw.func
def IW_PARAMS():
    """Every parameter: name, label, unit, default, allowed values, source."""
    return _cell(lambda: _table(["name", "label", "unit", "default", "allowed", "source"],
                  [[p.name, p.label, p.unit, "" if p.default is None else p.default, p.allowed, p.source]
                   for p in _P.values()]))


@xw.func
def IW_VERSION():
    """InferWatt's version."""
    return __version__


EXCEL_FUNCTIONS = (IW_ENERGY, IW_TPS, IW_MONTECARLO, IW_SAMPLES, IW_FLEET, IW_STAT, IW_IMPACTS, IW_CAPACITY, IW_BETA,
                   IW_COMPARE, IW_CALIBRATE, IW_HARDWARE, IW_SENSITIVITY, IW_MODELS, IW_NODES, IW_MODEL,
                   IW_ESTIMATE_ERROR, IW_PARAMS, IW_REGIONS, IW_VERSION)


def clear_memo() -> None:
    """Forget memoised results and cached draws (for benchmarks of cold calls)."""
    for memo in Memo.instances:
        memo.cache_clear()
    api.clear_caches()
