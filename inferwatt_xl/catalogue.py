"""The catalogue: parameters, nodes, models, throughput benchmarks and the paper's figures.

Read lazily from the CSV files shipped in `inferwatt_xl.data` (the repository's
`data/` folder) and validated on load: a malformed file raises DataError naming
the file, row, column and what was expected.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from .errors import DataError, InputError
from .method import calibration as calibration_math

DATA_PACKAGE = "inferwatt_xl.data"

# ---------------------------------------------------------------- validation of inputs


def check_number(name: str, value: object, lower: tuple[str, float] | None = None,
                 upper: tuple[str, float] | None = None, integer: bool = False) -> float:
    """Return value as a float (or int) if it is a finite number within bounds, else raise InputError."""
    allowed = _allowed_text(lower, upper, integer)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(name, value, allowed)
    number = float(value)
    if not math.isfinite(number) or (integer and number != int(number)):
        raise InputError(name, value, allowed)
    for op, bound in filter(None, (lower, upper)):
        if not _OPS[op](number, bound):
            raise InputError(name, value, allowed)
    return int(number) if integer else number


_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
}


def _allowed_text(lower: tuple[str, float] | None, upper: tuple[str, float] | None, integer: bool) -> str:
    kind = "a whole number" if integer else "a number"
    bounds = [f"{op} {_fmt(b)}" for op, b in filter(None, (lower, upper))]
    return f"{kind} {' and '.join(bounds)}" if bounds else kind


def _fmt(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e7 else f"{x:.0e}"


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Parameter:
    """One input of the method, declared once in data/parameters.csv."""

    name: str
    group: str
    label: str
    unit: str
    kind: str  # number | integer | choice | node | region | preset | calibration
    default: float | int | str | None  # None: no sourced default, the user must give one
    lower: tuple[str, float] | None
    upper: tuple[str, float] | None
    choices: tuple[str, ...]
    description: str
    source: str

    @property
    def allowed(self) -> str:
        """What values are allowed, in words (used in error messages and help)."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return _allowed_text(self.lower, self.upper, self.kind == "integer")

    @property
    def help(self) -> str:
        """One line for Excel's argument help and the workbook's input sheet."""
        default = "none (give one)" if self.default is None else self.default
        return f"{self.label} [{self.unit}], default {default}: {self.description}"

    def check(self, value: object, name: str | None = None) -> float | int | str:
        """Validate a user value for this parameter and return it normalised."""
        name = name or self.name
        if self.kind == "region":  # by code or by name
            return find_region(value, name).code
        if self.kind == "node":  # by name or alias
            return find_node(value, name).name
        if self.kind == "calibration":
            return check_calibration(value, name)
        if self.choices:
            text = value.strip().lower() if isinstance(value, str) else None
            matches = [c for c in self.choices if c.lower() == text]
            if not matches:
                raise InputError(name, value, self.allowed)
            return matches[0]
        return check_number(name, value, self.lower, self.upper, self.kind == "integer")


_BOUND = re.compile(r"^\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")


def _parse_bound(text: str, file: str, row: int, column: str) -> tuple[str, float] | None:
    if not text.strip():
        return None
    m = _BOUND.match(text)
    if not m:
        raise DataError(file, row, column, "a bound such as '> 0' or '<= 1'", text)
    return m.group(1), float(m.group(2))


def _decode(file: str, data: bytes) -> str:
    """UTF-8 text, with or without the byte-order mark Excel writes; other bytes are a DataError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(file, data[:err.start].count(b"\n") + 1, None, "UTF-8 text (save the CSV as UTF-8)",
                        f"the byte {data[err.start:err.start + 1]!r}") from None


def _read_csv(file: str, columns: tuple[str, ...], text: str | None = None) -> list[dict[str, str]]:
    """Rows of a CSV file in the data package, checking its header and that no row is cut short or too long."""
    if text is None:
        text = _decode(file, files(DATA_PACKAGE).joinpath(file).read_bytes())
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(file, None, missing[0], f"a header with columns {', '.join(columns)}", reader.fieldnames)
    rows = list(reader)
    if not rows:
        raise DataError(file, None, None, "at least one data row", "an empty file")
    for i, row in enumerate(rows, start=2):
        if None in row:
            raise DataError(file, i, None, f"{len(reader.fieldnames)} columns", "more")
        cut = [column for column, value in row.items() if value is None]
        if cut:
            raise DataError(file, i, cut[0], f"{len(reader.fieldnames)} columns", "a row cut short")
    return rows


def csv_rows(file: str, columns: tuple[str, ...], data: bytes | None = None) -> list[dict[str, str]]:
    """Rows of a shipped CSV file (data None) or of a user's file's bytes, its header and row lengths checked."""
    return _read_csv(file, columns, None if data is None else _decode(file, data))


def _unique(file: str, row_no: int, name: str, seen: dict[str, int], what: str = "name") -> None:
    """A name (compared without case) must appear once: with duplicates the last row would silently win."""
    key = name.strip().lower()
    if key in seen:
        raise DataError(file, row_no, what, f"a {what} not used before (row {seen[key]} has it)", name)
    seen[key] = row_no


def _field(file: str, row_no: int, row: dict[str, str], column: str, parse: Callable[[str], object],
           expected: str) -> object:
    raw = (row.get(column) or "").strip()
    try:
        value = parse(raw)
    except (ValueError, TypeError):
        raise DataError(file, row_no, column, expected, raw) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise DataError(file, row_no, column, expected, raw)
    return value


def _positive(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError
    return value


def _text(raw: str) -> str:
    if not raw:
        raise ValueError
    return raw


# Parameters the method reads by name: a data file without one of them is refused on load.
REQUIRED_PARAMETERS = (
    "l_in_tokens", "l_out_median_traditional_tokens", "l_out_median_tts_tokens", "l_eff", "util_median", "util_p5",
    "util_p95", "pnode_reading", "pnode_model", "util_linear_max", "pue_p5", "pue_p95", "pue_below_one",
    "sparse_strategy", "min_rows_own_fit", "tps_beyond_range", "n_trials", "seed", "alpha_model_p5", "alpha_model_p95",
    "alpha_serving_p5", "alpha_serving_p95", "alpha_hardware_p5", "alpha_hardware_p95", "alpha_improved_p5",
    "alpha_improved_p95", "queries_per_day", "tts_share", "node_redundancy", "interconnect_overhead",
    "load_min_frac", "load_max_frac", "beta_node", "region", "carbon_intensity_g_per_kwh",
    "water_intensity_l_per_kwh", "price_usd_per_kwh_median", "price_usd_per_kwh_p5", "price_usd_per_kwh_p95",
    "wue_l_per_kwh_p5", "wue_l_per_kwh_p95", "hardware_usd_per_node", "hardware_lifetime_years", "deployment_draws",
    "preset", "util_above_one", "util_at_zero_tps", "util_span_to_tps_max", "p_max_8xh100_kw", "p_max_10xh100_kw",
    "l_out_rounding", "paper_h100_rows", "alpha_improved_tts_p95", "beta_util_fixed", "rng", "trim", "baseline_rule",
    "lever_effect")
PARAMETER_KINDS = ("number", "integer", "choice", "node", "region", "preset", "calibration")
CALIBRATION_ALLOWED = ("empty (no calibration) or the text inferwatt calibrate, iw.calibrate or IW_CALIBRATE gives "
                       f"('{calibration_math.TEXT_TAG} | model | node | ...')")


def check_calibration(value: object, name: str = "calibration") -> str:
    """A calibration text, normalised: its posteriors' model and node by their catalogue names, one per pair."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        raise InputError(name, value, CALIBRATION_ALLOWED)
    try:
        posteriors = calibration_math.parse_text(value)
    except ValueError as err:
        raise InputError(name, value, str(err)) from None
    seen, out = set(), []
    for p in posteriors:
        p = replace(p, model=find_model(p.model).name, node=find_node(p.node).name)
        if (p.model, p.node) in seen:
            raise InputError(name, f"{p.model} on {p.node} twice", "one posterior per model and node (calibrate "
                                                                   "their measurements together)")
        seen.add((p.model, p.node))
        out.append(p.to_text())
    return calibration_math.TEXT_SEPARATOR.join(out)


PARAMETER_COLUMNS = ("name", "group", "label", "unit", "kind", "default", "lower", "upper", "choices",
                     "description", "source")


@cache
def parameters() -> dict[str, Parameter]:
    """All parameters by name, in file order."""
    file = "parameters.csv"
    choices_of_kind = {"node": tuple(nodes()), "region": tuple(regions()), "preset": preset_names()}
    out: dict[str, Parameter] = {}
    seen: dict[str, int] = {}
    for i, row in enumerate(_read_csv(file, PARAMETER_COLUMNS), start=2):
        _unique(file, i, row["name"], seen)
        kind = row["kind"].strip()
        if kind not in PARAMETER_KINDS:
            raise DataError(file, i, "kind", ", ".join(PARAMETER_KINDS), kind)
        choices = choices_of_kind.get(kind) or tuple(c for c in row["choices"].split("|") if c)
        if kind == "choice" and not choices:
            raise DataError(file, i, "choices", "choices separated by |", row["choices"])
        for column in ("name", "label", "unit", "description", "source"):
            _field(file, i, row, column, _text, "a non-empty text")
        param = Parameter(row["name"].strip(), row["group"].strip(), row["label"].strip(), row["unit"].strip(),
                          kind, row["default"].strip(), _parse_bound(row["lower"], file, i, "lower"),
                          _parse_bound(row["upper"], file, i, "upper"), choices, row["description"].strip(),
                          row["source"].strip())
        try:
            if not param.default and kind in ("number", "integer"):
                default = None  # no default without a source: the user gives the value
            else:
                default = param.check(param.default if choices else number_or_text(param.default))
        except InputError as err:
            raise DataError(file, i, "default", param.allowed, row["default"]) from err
        out[param.name] = Parameter(**{**param.__dict__, "default": default})
    missing = [name for name in REQUIRED_PARAMETERS if name not in out]
    if missing:
        raise DataError(file, None, "name", f"a row for every parameter the method uses ({missing[0]} is missing)",
                        "none")
    return out


def number_or_text(raw: str) -> float | str:
    """Text typed by a user (a CSV cell, a --set value) as a number where it reads as one; else the text, which
    a parameter's check then names."""
    try:
        return float(raw)
    except ValueError:
        return raw


def defaults() -> dict[str, float | int | str]:
    """Every parameter's default value by name."""
    return {name: p.default for name, p in parameters().items()}


# ---------------------------------------------------------------- presets

DEFAULT_PRESET = "inferwatt"  # the defaults of parameters.csv: no rows of its own in presets.csv
PRESET_COLUMNS = ("preset", "parameter", "value", "source")


# Numeric parameters with a sourced default whose empty value still means something: computed by the method.
EMPTY_MEANS_COMPUTED = ("beta_util_fixed", "p_max_8xh100_kw", "p_max_10xh100_kw")


@dataclass(frozen=True)
class PresetValue:
    """One value a preset gives a parameter (None: the parameter's 'empty', e.g. computed), with its source."""

    value: float | int | str | None
    source: str


@cache
def preset_names() -> tuple[str, ...]:
    """The presets, the default first (read without validating values: parameters() needs the names)."""
    rows = _read_csv("presets.csv", PRESET_COLUMNS)
    return (DEFAULT_PRESET, *dict.fromkeys(r["preset"].strip() for r in rows if r["preset"].strip() != DEFAULT_PRESET))


@cache
def presets() -> dict[str, dict[str, PresetValue]]:
    """Every preset's values by parameter, each validated against the parameter's declaration."""
    file = "presets.csv"
    declared = parameters()
    out: dict[str, dict[str, PresetValue]] = {name: {} for name in preset_names()}
    for i, row in enumerate(_read_csv(file, PRESET_COLUMNS), start=2):
        preset, name, raw = row["preset"].strip(), row["parameter"].strip(), row["value"].strip()
        if preset == DEFAULT_PRESET:
            raise DataError(file, i, "preset", f"a preset other than {DEFAULT_PRESET} (its values are the defaults)",
                            preset)
        if name not in declared or name == "preset":
            raise DataError(file, i, "parameter", "a parameter of parameters.csv other than preset", name)
        if name in out[preset]:
            raise DataError(file, i, "parameter", f"a parameter not set before in preset {preset}", name)
        p = declared[name]
        if not raw and not (p.default is None or name in EMPTY_MEANS_COMPUTED):
            raise DataError(file, i, "value", p.allowed, raw)
        try:
            value = None if not raw else p.check(raw if p.choices else number_or_text(raw))
        except InputError as err:
            raise DataError(file, i, "value", p.allowed, raw) from err
        out[preset][name] = PresetValue(value, _field(file, i, row, "source", _text, "a source"))
    return out


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class Region:
    """A grid: its carbon intensity and the water consumed to generate its electricity, each with a source."""

    code: str
    name: str
    carbon_intensity_g_per_kwh: float
    carbon_year: int | None  # None where the source gives no year
    carbon_source: str
    water_intensity_l_per_kwh: float | None  # None where no source was found: water then needs an override
    water_source: str

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


MAX_CARBON_G_PER_KWH = 2000.0  # above any grid (coal plants emit about 1,000 gCO2e/kWh)


@cache
def regions() -> dict[str, Region]:
    """Regions by code (upper case), in file order."""
    file = "regions.csv"
    columns = ("code", "name", "carbon_intensity_g_per_kwh", "carbon_year", "carbon_source",
               "water_intensity_l_per_kwh", "water_source")
    out: dict[str, Region] = {}
    seen: dict[str, int] = {}
    for i, row in enumerate(_read_csv(file, columns), start=2):
        code = _field(file, i, row, "code", _text, "a region code")
        _unique(file, i, code, seen, "code")
        water = _field(file, i, row, "water_intensity_l_per_kwh", _optional_non_negative, "a number >= 0 or empty")
        out[code.upper()] = Region(
            code.upper(), _field(file, i, row, "name", _text, "a region name"),
            _field(file, i, row, "carbon_intensity_g_per_kwh", _grams_per_kwh,
                   f"a number >= 0 and <= {MAX_CARBON_G_PER_KWH:g} gCO2e/kWh"),
            _field(file, i, row, "carbon_year", lambda raw: _whole(raw) if raw else None, "a year or empty"),
            _field(file, i, row, "carbon_source", _text, "a source"), water,
            _field(file, i, row, "water_source", _text, "a source") if water is not None else "")
    return out


@cache
def _region_index() -> dict[str, str]:
    return {_key(name): code for code, region in regions().items() for name in (code, region.name)}


def find_region(code: object, argument: str = "region") -> Region:
    """The region with this code or name (case-insensitive: 'DEU', 'Germany'); InputError lists the codes."""
    if isinstance(code, str) and _key(code) in _region_index():
        return regions()[_region_index()[_key(code)]]
    raise InputError(argument, code, "a code or name of a region: " + ", ".join(regions())
                     + " (inferwatt regions lists them)")


def _grams_per_kwh(raw: str) -> float:
    value = float(raw)
    if not 0 <= value <= MAX_CARBON_G_PER_KWH:
        raise ValueError
    return value


def _optional_non_negative(raw: str) -> float | None:
    if not raw:
        return None
    value = float(raw)
    if value < 0:
        raise ValueError
    return value


# ---------------------------------------------------------------- nodes and models


@dataclass(frozen=True)
class Node:
    """A serving node: its number of GPUs and power envelope."""

    name: str
    aliases: tuple[str, ...]
    gpus: int
    gpu: str
    p_max_kw: float
    p_idle_kw: float
    source: str
    note: str


@dataclass(frozen=True)
class Model:
    """A model of the catalogue and the node it is served on."""

    name: str
    aliases: tuple[str, ...]
    total_params_b: float
    active_params_b: float
    architecture: str
    node: str
    precision: str
    in_baseline: bool
    source: str
    active_params_range_b: tuple[float, float] | None = None  # a closed model's published range, drawn per trial


# The paper's nodes and models (the workbook's Inputs sheet and slots), then the rest of the catalogue: every GPU
# and model of NVIDIA's TensorRT-LLM tables (scripts/import_trtllm.py), for the engine and the Excel functions.
NODE_FILES = ("nodes.csv", "nodes_catalogue.csv")
MODEL_FILES = ("models.csv", "models_catalogue.csv")


@cache
def _nodes_by_file() -> dict[str, dict[str, Node]]:
    """Each node file's nodes by name, validated (a name or alias stands for one node across the files)."""
    out: dict[str, dict[str, Node]] = {}
    seen: dict[str, int] = {}
    for file in NODE_FILES:
        out[file] = {}
        for i, row in enumerate(_read_csv(file, tuple(NODE_COLUMNS)), start=2):
            node = Node(**{name: _field(file, i, row, name, c.parse, c.expected) for name, c in NODE_COLUMNS.items()})
            if node.p_idle_kw >= node.p_max_kw:
                raise DataError(file, i, "p_idle_kw", f"a power below p_max_kw ({node.p_max_kw})", node.p_idle_kw)
            for key in {_key(name) for name in (node.name, *node.aliases)}:
                _unique(file, i, key, seen, "name or alias")
            out[file][node.name] = node
    return out


@cache
def nodes() -> dict[str, Node]:
    """Serving nodes by name: the paper's (data/nodes.csv) and the rest of the catalogue."""
    return {name: node for by_name in _nodes_by_file().values() for name, node in by_name.items()}


def workbook_nodes() -> dict[str, Node]:
    """The nodes of data/nodes.csv: the standalone workbook's Nodes table (the paper's and their successors')."""
    return _nodes_by_file()[NODE_FILES[0]]


@cache
def _node_index() -> dict[str, str]:
    return {_key(name): node.name for node in nodes().values() for name in (node.name, *node.aliases)}


def find_node(name: object, argument: str = "node") -> Node:
    """The node called `name` (case-insensitive, aliases allowed); InputError lists the nodes."""
    if isinstance(name, str) and _key(name) in _node_index():
        return nodes()[_node_index()[_key(name)]]
    raise InputError(argument, name, "one of " + ", ".join(repr(n) for n in nodes()))


# A serving node draws watts to a few hundred kW (a GB200 NVL72 rack is about 120 kW); a value above
# this bound is almost surely watts typed into a kW column.
MAX_NODE_KW = 2000.0
# Nodes whose P_max a parameter can set (the paper's two readings of its H100 nodes, see presets.csv).
NODE_POWER_PARAMETERS = {"8xH100": "p_max_8xh100_kw", "10xH100": "p_max_10xh100_kw"}
KW_EXPECTED = f"a power in kW, > 0 and <= {MAX_NODE_KW:g} (a value in W would be 1000x too large)"


def _kilowatts(raw: str) -> float:
    value = _positive(raw)
    if value > MAX_NODE_KW:
        raise ValueError
    return value


def _whole(raw: str) -> int:
    value = _positive(raw)
    if value != int(value):
        raise ValueError
    return int(value)


@dataclass(frozen=True)
class NodeColumn:
    """A column of data/nodes.csv: how it is read, what it must hold, and its header in the workbook's Nodes
    table (None: not on the Inputs sheet)."""

    parse: Callable[[str], object]
    expected: str
    header: str | None


def _aliases(raw: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in raw.split("|") if a.strip())


# The node's attributes, in the order of Node's fields: a new one is a field of Node, a row here and a column
# of data/nodes.csv, and every face that lists nodes shows it (IW_NODES, inferwatt nodes, the Inputs sheet).
NODE_COLUMNS: dict[str, NodeColumn] = {
    "name": NodeColumn(_text, "a node name", "name"),
    "aliases": NodeColumn(_aliases, "names separated by |", None),
    "gpus": NodeColumn(_whole, "a whole number of GPUs > 0", "gpus"),
    "gpu": NodeColumn(str.strip, "the GPU's name", "gpu"),
    "p_max_kw": NodeColumn(_kilowatts, KW_EXPECTED, "P_max (kW)"),
    "p_idle_kw": NodeColumn(_kilowatts, KW_EXPECTED, "P_idle (kW)"),
    "source": NodeColumn(_text, "a source", "source"),
    "note": NodeColumn(str.strip, "a note or empty", None),
}


def _bool(raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise ValueError
    return raw.lower() == "true"


MODEL_COLUMNS = ("name", "aliases", "total_params_b", "active_params_b", "architecture", "node", "precision",
                 "in_baseline", "source")
PRECISIONS = ("FP8", "FP4", "BF16")  # the precisions a GPU's tensor throughput is declared at (data/gpus.csv)


def _precision(raw: str) -> str:
    if raw.upper() not in PRECISIONS:
        raise ValueError
    return raw.upper()


def _optional_positive(raw: str) -> float | None:
    return None if not raw else _positive(raw)


def model_from_row(file: str, i: int | None, row: dict[str, str]) -> Model:
    """One row of data/models.csv (or a user's model file, range or mapping), validated."""
    node = (row.get("node") or "").strip()
    try:
        node = find_node(node).name
    except InputError:
        raise DataError(file, i, "node", f"one of the nodes ({', '.join(nodes())})", node) from None
    total = _field(file, i, row, "total_params_b", _positive, "billions of parameters > 0")
    active = _field(file, i, row, "active_params_b", _positive, "billions of parameters > 0")
    if active > total:
        raise DataError(file, i, "active_params_b", f"at most total_params_b ({total:g})", active)
    low = _field(file, i, row, "active_params_low_b", _optional_positive, "billions > 0, or empty")
    high = _field(file, i, row, "active_params_high_b", _optional_positive, "billions > 0, or empty")
    if (low is None) != (high is None) or (low is not None and not low <= active <= high <= total):
        raise DataError(file, i, "active_params_low_b", f"both bounds or neither, low <= active_params_b ({active:g}) "
                                                        f"<= high <= total_params_b ({total:g})", f"{low}, {high}")
    return Model(_field(file, i, row, "name", _text, "a model name"), _aliases(row.get("aliases") or ""),
                 total, active, (row.get("architecture") or "").strip(), node,
                 _field(file, i, row, "precision", _precision, "one of " + ", ".join(PRECISIONS)),
                 _field(file, i, row, "in_baseline", _bool, "true or false"),
                 _field(file, i, row, "source", _text, "a source"),
                 None if low is None else (low, high))


@cache
def _models_by_file() -> dict[str, dict[str, Model]]:
    """Each model file's models by canonical name, validated (a name or alias stands for one model across them)."""
    out: dict[str, dict[str, Model]] = {}
    seen: dict[str, int] = {}
    for file in MODEL_FILES:
        out[file] = {}
        for i, row in enumerate(_read_csv(file, MODEL_COLUMNS), start=2):
            model = model_from_row(file, i, row)
            for key in {_key(name) for name in (model.name, *model.aliases)}:
                _unique(file, i, key, seen, "name or alias")
            out[file][model.name] = model
    if not any(m.in_baseline for m in out[MODEL_FILES[0]].values()):
        raise DataError(MODEL_FILES[0], None, "in_baseline", "at least one model with in_baseline true (the baseline)",
                        "none")
    return out


@cache
def shipped_models() -> dict[str, Model]:
    """The shipped models by canonical name: the paper's (data/models.csv), then the rest of the catalogue."""
    return {name: m for by_name in _models_by_file().values() for name, m in by_name.items()}


_USER_MODELS: dict[str, Model] = {}  # models a user declared (a file, an API mapping, IW_MODEL), by name
_USER_VERSION = [0]  # counts changes to the user's models and rows (what a memo of results must key on)


def models() -> dict[str, Model]:
    """Every model by canonical name: the shipped ones, then those the user declared (register_model)."""
    return {**shipped_models(), **_USER_MODELS} if _USER_MODELS else shipped_models()


def workbook_models() -> dict[str, Model]:
    """The models of data/models.csv: the paper's five, the standalone workbook's model slots."""
    return _models_by_file()[MODEL_FILES[0]]


USER_MODEL_COLUMNS = ("name", "total_params_b", "active_params_b", "architecture", "node", "precision")
# What a user's model row may leave out. Node and precision: the paper's serving set-up (Sec. 2), said in the
# row's source; active parameters: all of them (a dense model).
USER_MODEL_DEFAULTS = {"node": "8xH100", "precision": "FP8", "architecture": "", "in_baseline": "false",
                       "aliases": "", "source": "the user's own model (node 8xH100 and FP8 unless given: the paper's "
                                                "serving set-up, Sec. 2)"}


def register_model(row: dict[str, object], file: str = "model", row_no: int | None = None) -> Model:
    """Declare a user's model (a row of models.csv's columns; only name and total_params_b are needed): it can
    then be named in every function. The same definition twice is accepted; a shipped model's name is not."""
    text = {k: "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)).strip() for k, v in row.items()}
    if not text.get("active_params_b"):
        text["active_params_b"] = text.get("total_params_b", "")
    for column, default in USER_MODEL_DEFAULTS.items():
        text[column] = text.get(column) or default
    model = model_from_row(file, row_no, text)
    clash = {_key(n) for n in (model.name, *model.aliases)} & set(_shipped_model_index())
    if clash:
        raise InputError("model name", model.name, "a name no shipped model has (inferwatt models lists them)")
    for other in _USER_MODELS.values():
        if other.name != model.name and {_key(n) for n in (other.name, *other.aliases)} & \
                {_key(n) for n in (model.name, *model.aliases)}:
            raise InputError("model name", model.name, f"a name not already used by your model {other.name!r}")
    if _USER_MODELS.get(model.name) != model:  # a new or changed definition: results keyed by names are stale
        _USER_MODELS[model.name] = model
        _model_index.cache_clear()
        _USER_VERSION[0] += 1
    return model


def user_version() -> int:
    """A number that changes whenever the user's models or benchmark rows change."""
    return _USER_VERSION[0]


def forget_user_models() -> None:
    """Drop every model the user declared (a test's or a new session's clean slate)."""
    _USER_MODELS.clear()
    _model_index.cache_clear()
    _USER_VERSION[0] += 1


def read_models_file(path: str | Path) -> list[Model]:
    """A user's model CSV (the columns of data/models.csv; only name and total_params_b required): each row
    declared with register_model, errors naming the file and row."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError("models file", str(path), f"a readable CSV file ({err.strerror})") from None
    file = Path(path).name
    return [register_model(row, file, i)
            for i, row in enumerate(_read_csv(file, ("name", "total_params_b"), _decode(file, data)), start=2)]


def _key(name: str) -> str:
    """Names compare without case, spaces, dashes or underscores: 'llama-3.1-405b' = 'Llama 3.1 405B'."""
    return re.sub(r"[\s\-_]+", "", name).lower()


@cache
def _shipped_model_index() -> dict[str, str]:
    return {_key(name): m.name for m in shipped_models().values() for name in (m.name, *m.aliases)}


@cache
def _model_index() -> dict[str, str]:
    """Every model's names (the user's beside the shipped ones) to its canonical name."""
    return {**_shipped_model_index(),
            **{_key(name): m.name for m in _USER_MODELS.values() for name in (m.name, *m.aliases)}}


def find_model(name: object, argument: str = "model") -> Model:
    """The model called `name` (case-insensitive, aliases allowed); InputError lists close matches."""
    if isinstance(name, str) and _key(name) in _model_index():
        return models()[_model_index()[_key(name)]]
    known = list(models())
    close = difflib.get_close_matches(str(name), [*known, "baseline"], n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise InputError(argument, name, f"a model of the catalogue or 'baseline' ({hint}inferwatt models or "
                                     f"=IW_MODELS() lists all {len(known)}; a model of your own: --models FILE or "
                                     "=IW_MODEL)")


def baseline_models() -> list[str]:
    """The paper's baseline: the models above 200B parameters (in_baseline = true)."""
    return [m.name for m in models().values() if m.in_baseline]


@dataclass(frozen=True)
class Gpu:
    """A GPU's data-sheet figures (data/gpus.csv): what the throughput estimate of a model without benchmarks
    reads. Dense tensor TFLOPS per precision; None where the GPU has no such tensor format (FP4 before Blackwell)."""

    gpu: str
    generation: str
    memory_gb: float
    memory_bandwidth_tb_per_s: float
    tflops: dict[str, float | None]
    tdp_w: float
    source: str


@cache
def gpus() -> dict[str, Gpu]:
    """GPUs by the name nodes.csv gives them."""
    file = "gpus.csv"
    columns = ("gpu", "generation", "memory_gb", "memory_bandwidth_tb_per_s", "bf16_dense_tflops",
               "fp8_dense_tflops", "fp4_dense_tflops", "tdp_w", "source")
    out: dict[str, Gpu] = {}
    seen: dict[str, int] = {}
    for i, row in enumerate(_read_csv(file, columns), start=2):
        name = _field(file, i, row, "gpu", _text, "a GPU name")
        _unique(file, i, name, seen, "gpu")
        tflops = {p: _field(file, i, row, f"{p.lower()}_dense_tflops", _optional_positive, "TFLOPS > 0, or empty")
                  for p in PRECISIONS}
        if tflops["BF16"] is None:
            raise DataError(file, i, "bf16_dense_tflops", "TFLOPS > 0 (every GPU of the catalogue has BF16)", "")
        out[name] = Gpu(name, _field(file, i, row, "generation", _text, "a GPU generation"),
                        _field(file, i, row, "memory_gb", _positive, "GB > 0"),
                        _field(file, i, row, "memory_bandwidth_tb_per_s", _positive, "TB/s > 0"), tflops,
                        _field(file, i, row, "tdp_w", _positive, "W > 0"),
                        _field(file, i, row, "source", _text, "a source"))
    return out


# ---------------------------------------------------------------- benchmarks


@dataclass(frozen=True)
class Benchmarks:
    """Throughput benchmark rows as parallel arrays; `node` None means each model's own node."""

    model: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    tps_tokens_per_s: np.ndarray
    source: tuple[str, ...]
    node: np.ndarray | None = None
    precision: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.model)
        if not self.precision:
            object.__setattr__(self, "precision", ("",) * n)
        lengths = {len(self.input_tokens), len(self.output_tokens), len(self.tps_tokens_per_s), len(self.source),
                   len(self.precision), n if self.node is None else len(self.node)}
        if lengths != {n}:
            raise ValueError(f"benchmark columns of different lengths: {sorted(lengths)}")

    def nodes(self) -> np.ndarray:
        """The node of every row (a model's catalogue node where the rows name none)."""
        if self.node is not None:
            return self.node
        return np.array([models()[m].node if m in models() else "" for m in self.model])

    def __add__(self, other: Benchmarks) -> Benchmarks:
        return Benchmarks(np.concatenate([self.model, other.model]),
                          np.concatenate([self.input_tokens, other.input_tokens]),
                          np.concatenate([self.output_tokens, other.output_tokens]),
                          np.concatenate([self.tps_tokens_per_s, other.tps_tokens_per_s]),
                          self.source + other.source, np.concatenate([self.nodes(), other.nodes()]),
                          self.precision + other.precision)


# A node's throughput in a benchmark row, between 1 and 10 million tokens/s (the shipped tables span 370-51,704:
# outside that range a row is almost surely in another unit, e.g. per GPU-hour, or a typo). Token counts are
# bounded as the parameters L_in and L_out are (data/parameters.csv).
TPS_BOUNDS = (1.0, 1e7)
BENCHMARK_UNITS = {"input_tokens": "tokens", "output_tokens": "tokens",
                   "tps_tokens_per_s": "output tokens/s of the node"}


def _within(raw: str, low: float, high: float) -> float:
    value = float(raw)
    if not low < value <= high:
        raise ValueError
    return value


BENCHMARK_COLUMNS = ("model", "node", "precision", "input_tokens", "output_tokens", "tps_tokens_per_s", "source")


def read_benchmarks(text: str, file: str = "tps_benchmarks.csv", known_models_only: bool = True) -> Benchmarks:
    """Parse and validate benchmark rows from CSV text (shipped or a user's own); every node must be known."""
    rows = _read_csv(file, BENCHMARK_COLUMNS, text)
    declared = parameters()
    bounds = {"input_tokens": (0.0, declared["l_in_tokens"].upper[1]),
              "output_tokens": (0.0, declared["l_out_median_tts_tokens"].upper[1]), "tps_tokens_per_s": TPS_BOUNDS}
    model, node, lin, lout, tps, source, precision = [], [], [], [], [], [], []
    for i, row in enumerate(rows, start=2):
        name = _field(file, i, row, "model", _text, "a model name")
        try:  # a catalogue model by any of its names (a user's own model keeps the name given)
            name = find_model(name).name
        except InputError:
            if known_models_only:
                raise DataError(file, i, "model", "a model listed in models.csv", name) from None
        try:
            node.append(find_node(row["node"]).name)
        except InputError:
            raise DataError(file, i, "node", f"a node of nodes.csv ({', '.join(nodes())})", row["node"]) from None
        model.append(name)
        for column, values in (("input_tokens", lin), ("output_tokens", lout), ("tps_tokens_per_s", tps)):
            low, high = bounds[column]
            values.append(_field(file, i, row, column, lambda raw, low=low, high=high: _within(raw, low, high),
                                 f"a number > {low:g} and <= {high:g} ({BENCHMARK_UNITS[column]})"))
        source.append(_field(file, i, row, "source", _text, "a source"))
        precision.append(row["precision"].strip())
    return Benchmarks(np.array(model), np.array(lin), np.array(lout), np.array(tps), tuple(source), np.array(node),
                      tuple(precision))


# The paper's H100 rows (parameter paper_h100_rows: the authors' code's table or the v1 Supplement S.I), then
# NVIDIA TensorRT-LLM's published rows for newer nodes (scripts/import_trtllm.py).
PAPER_H100_FILES = {"code": "tps_benchmarks_oviedo_code.csv", "s1": "tps_benchmarks.csv"}
NEWER_NODE_FILES = ("tps_benchmarks_trtllm.csv",)


@cache
def benchmarks(paper_h100_rows: str = "code") -> Benchmarks:
    """The shipped throughput rows: the paper's H100 data as `paper_h100_rows` says, and the newer nodes'."""
    if paper_h100_rows not in PAPER_H100_FILES:
        raise InputError("paper_h100_rows", paper_h100_rows, "one of " + ", ".join(map(repr, PAPER_H100_FILES)))
    parts = [read_benchmarks(_decode(f, files(DATA_PACKAGE).joinpath(f).read_bytes()), f)
             for f in (PAPER_H100_FILES[paper_h100_rows], *NEWER_NODE_FILES)]
    return functools.reduce(operator.add, parts)


CATALOGUE_BENCHMARK_FILE = "tps_benchmarks_catalogue.csv"


@cache
def catalogue_benchmarks() -> Benchmarks:
    """The rest of TensorRT-LLM's published rows: every (model, node) pair the paper's data does not cover, one
    release each (scripts/import_trtllm.py). Read only when a run needs one of them."""
    f = CATALOGUE_BENCHMARK_FILE
    return read_benchmarks(_decode(f, files(DATA_PACKAGE).joinpath(f).read_bytes()), f)


_USER_BENCHMARKS: list[Benchmarks | None] = [None]  # the rows a user added (--benchmarks), all of them in one set


def register_benchmarks(rows: Benchmarks) -> None:
    """Add a user's throughput rows to every later run of this process (the CLI's --benchmarks)."""
    _USER_BENCHMARKS[0] = rows if _USER_BENCHMARKS[0] is None else _USER_BENCHMARKS[0] + rows
    _USER_VERSION[0] += 1


def user_benchmarks() -> Benchmarks | None:
    """The rows the user added, or None."""
    return _USER_BENCHMARKS[0]


def forget_user_benchmarks() -> None:
    """Drop the rows the user added."""
    _USER_BENCHMARKS[0] = None
    _USER_VERSION[0] += 1


@cache
def paper_rows(paper_h100_rows: str = "code") -> Benchmarks:
    """The paper's H100 throughput rows alone (the code's table, or the v1 Supplement S.I)."""
    file = PAPER_H100_FILES[paper_h100_rows]
    return read_benchmarks(_decode(file, files(DATA_PACKAGE).joinpath(file).read_bytes()), file)


def paper_models(paper_h100_rows: str = "code") -> tuple[str, ...]:
    """The models of the paper's H100 throughput data, in the order of their first row (the authors' code
    draws them in this order, those with at least 3 rows first; see api.paper_stream_order)."""
    return tuple(dict.fromkeys(paper_rows(paper_h100_rows).model.tolist()))


def read_benchmarks_file(path: str | Path) -> Benchmarks:
    """A user's benchmark CSV (same columns as data/tps_benchmarks.csv); any model names allowed."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError("benchmarks file", str(path), f"a readable CSV file ({err.strerror})") from None
    return read_benchmarks(_decode(Path(path).name, data), Path(path).name, known_models_only=False)


# ---------------------------------------------------------------- the paper's reported figures


@dataclass(frozen=True)
class PaperFigure:
    """A number the paper reports, with where it says so."""

    key: str
    quantity: str
    unit: str
    paper_value: float  # v1 (arXiv 2509.20241v1)
    model: str  # the catalogue model the figure is about, or "" (baseline, fleet, beta)
    source: str
    paper_v2_value: float | None = None  # v2 (Joule 2026), where the project has it


@cache
def paper_figures() -> dict[str, PaperFigure]:
    """The reproduction targets of SPEC Sec. 2, by key."""
    file = "paper_results.csv"
    out = {}
    for i, row in enumerate(_read_csv(file, ("key", "quantity", "unit", "paper_value", "source")), start=2):
        value = _field(file, i, row, "paper_value", float, "a number")
        model = (row.get("model") or "").strip()
        if model:
            try:
                model = find_model(model).name
            except InputError as err:
                raise DataError(file, i, "model", "a model of models.csv (name or alias)", model) from err
        v2 = _field(file, i, row, "paper_v2_value", lambda raw: float(raw) if raw else None, "a number or empty")
        out[row["key"]] = PaperFigure(row["key"], row["quantity"], row["unit"], value, model,
                                      _field(file, i, row, "source", _text, "a source"), v2)
    return out


def clear_caches() -> None:
    """Forget every file read (a test editing a copy of data/, or a user after editing a data file)."""
    for f in (parameters, _nodes_by_file, nodes, regions, _models_by_file, shipped_models, _shipped_model_index,
              _model_index, _node_index, gpus, benchmarks, paper_rows, catalogue_benchmarks, paper_figures, presets):
        f.cache_clear()
