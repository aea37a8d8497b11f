"""The Excel-functions workbook: xlwings.conf, a worked example of every IW_* function, instructions.

Written with XlsxWriter, not openpyxl: a table result must fill its range in Excel 2016-2021 (an array
formula over the range) and spill in Microsoft 365 (dynamic-array metadata), which only XlsxWriter writes.
Each example's arguments are input cells (never text inside a formula), declared once as data: the same
declaration gives the formula and the values the add-in would pass for it, with which the expected
result beside it is computed (and which tests/test_excel_outputs.py checks from the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .. import udf
from ..calibration import MEASUREMENT_COLUMNS, example_measurements
from .xlsx import build_time, save_reproducibly, template

UDF_MODULE = "inferwatt_xl.udf"
NAME_HELP = ("If the results below show #NAME?, Excel does not know the IW_* functions yet: install xlwings and "
             "InferWatt and import the functions (sheet Instructions), or use xlwings Lite (dist/xlwings-lite/).")

INSTRUCTIONS = (
    "Windows, Excel with the classic xlwings add-in (free, BSD-licensed):",
    "1. In a terminal, from the InferWatt repository: pip install -e .  then: xlwings addin install",
    f"2. Open this workbook. The sheet xlwings.conf names the UDF module ({UDF_MODULE}); the add-in reads it.",
    "3. Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings: tick 'Trust access to the VBA "
    "project object model' (once).",
    "4. xlwings ribbon tab > Import Functions. Save the workbook as .xlsm (the add-in writes small VBA wrappers).",
    "5. Recalculate (Ctrl+Alt+F9). Compare each result with the expected value beside it.",
    "macOS and Excel on the web: use xlwings Lite with the files in dist/xlwings-lite/ (see README, 'Use in Excel').",
    "Errors: a bad argument never breaks the sheet; the cell shows one line starting with #IW! that names the "
    "argument, the value and what is allowed.",
    "Table results fill their range: in Microsoft 365 they spill; in Excel 2016-2021 they are array formulas over "
    "the range the expected table needs (select the range and press Ctrl+Shift+Enter to change one).",
)

# The inputs the examples refer to: (label, value). Overrides are two rows of parameter name | value, a
# two-column range (the shape =IW_PARAMS() spills).
INPUTS = (("model", "Llama 3.1 405B"), ("regime", "tts"), ("other regime", "traditional"), ("mixture", "baseline"),
          ("range of models (1)", "Llama 3.1 405B"), ("range of models (2)", "Mixtral 8x22B"),
          ("output tokens", 300), ("P_node / P_max", 0.7), ("PUE", 1.2), ("input tokens", 500),
          ("trials", 10000), ("seed", 1), ("queries per day", 1e9), ("test-time-scaling share", 0.1),
          ("improved", True), ("node", "8xB200"), ("measure", "carbon_g"), ("stat", "p95"),
          ("region", "USA"), ("price_usd_per_kwh_median", 0.1), ("your model", "My 120B MoE"),
          ("its total parameters (B)", 120), ("its active parameters (B)", 12))
FIRST_INPUT_ROW = 5  # 1-based: title, #NAME? help, blank, header
# IW_COMPARE's definitions, a three-column range below the inputs: scenario | parameter | value.
SCENARIO_ROWS = (("today", "tts_share", 0.1), ("on B200", "node", "Llama 3.1 405B=8xB200"),
                 ("serving lever", "lever", "serving"))

# IW_CALIBRATE's measurements, a nine-column range below the scenarios: the shipped illustration.
MEASUREMENT_ROWS = tuple(tuple(getattr(m, c) for c in MEASUREMENT_COLUMNS) for m in example_measurements())


@dataclass(frozen=True)
class Example:
    """One worked example: the function and its arguments, each an input label, a range of two labels
    (`first:last`, a column of values), `overrides` (the two-column name | value block) or a number."""
    title: str
    function: str
    arguments: tuple[object, ...] = ()


OVERRIDES = "overrides"
SCENARIOS = "scenarios"
MEASUREMENTS = "measurements"
EXAMPLES = (
    Example("IW_VERSION", "IW_VERSION"),
    Example("IW_TPS", "IW_TPS", ("model", "input tokens", "output tokens")),
    Example("IW_ENERGY", "IW_ENERGY", ("model", "output tokens", "P_node / P_max", "PUE", "input tokens")),
    Example("IW_MONTECARLO (a table)", "IW_MONTECARLO", ("mixture", "regime", "trials", "seed")),
    Example("IW_MONTECARLO of a range of models", "IW_MONTECARLO",
            ("range of models (1):range of models (2)", "other regime", "trials", "seed")),
    Example("IW_FLEET (GWh/day)", "IW_FLEET", ("queries per day", "test-time-scaling share", "improved", "trials",
                                               "seed")),
    Example("IW_ENERGY on another node", "IW_ENERGY", ("model", "output tokens", "P_node / P_max", "PUE",
                                                       "input tokens", "node")),
    Example("IW_STAT (one number)", "IW_STAT", ("mixture", "measure", "stat", "regime", OVERRIDES, "trials", "seed")),
    Example("IW_IMPACTS (a table)", "IW_IMPACTS", ("mixture", "other regime", OVERRIDES, "trials", "seed")),
    Example("IW_CAPACITY (a table)", "IW_CAPACITY", ("queries per day", "test-time-scaling share", OVERRIDES)),
    Example("IW_COMPARE (a table)", "IW_COMPARE", (SCENARIOS,)),
    Example("IW_CALIBRATE (a table; its first row is an overrides row)", "IW_CALIBRATE", ("model", MEASUREMENTS)),
    Example("IW_REGIONS (a table)", "IW_REGIONS"),
    Example("IW_BETA", "IW_BETA"),
    Example("IW_SENSITIVITY (a table)", "IW_SENSITIVITY", ("mixture", "regime")),
    Example("IW_HARDWARE (a table)", "IW_HARDWARE", ("model", "trials", "seed")),
    Example("IW_MODELS (a table)", "IW_MODELS"),
    Example("IW_NODES (a table)", "IW_NODES"),
    Example("IW_MODEL (declares your model; its name then works in every function)", "IW_MODEL",
            ("your model", "its total parameters (B)", "its active parameters (B)")),
    Example("IW_ESTIMATE_ERROR (a table)", "IW_ESTIMATE_ERROR"),
    Example("IW_PARAMS (a table)", "IW_PARAMS"),
    Example("a bad argument", "IW_ENERGY", ("model", -5, "P_node / P_max", "PUE")),
    Example("IW_SAMPLES (a column; last, so it has room)", "IW_SAMPLES", ("model", "regime", 1000, "seed")),
)


def input_rows() -> dict[str, int]:
    """0-based row of each input's value (column B)."""
    return {label: FIRST_INPUT_ROW - 1 + i for i, (label, _) in enumerate(INPUTS)}


def scenario_first_row() -> int:
    """0-based row of the first scenario definition (below the inputs and a header row)."""
    return FIRST_INPUT_ROW - 1 + len(INPUTS) + 2


def measurement_first_row() -> int:
    """0-based row of the first measurement (below the scenarios and a header row)."""
    return scenario_first_row() + len(SCENARIO_ROWS) + 2


def _reference(argument: object) -> str:
    rows = input_rows()
    if argument == MEASUREMENTS:
        first = measurement_first_row()
        return (f"{xl_rowcol_to_cell(first, 0)}:"
                f"{xl_rowcol_to_cell(first + len(MEASUREMENT_ROWS) - 1, len(MEASUREMENT_COLUMNS) - 1)}")
    if argument == SCENARIOS:
        first = scenario_first_row()
        return f"{xl_rowcol_to_cell(first, 0)}:{xl_rowcol_to_cell(first + len(SCENARIO_ROWS) - 1, 2)}"
    if argument == OVERRIDES:
        return f"{xl_rowcol_to_cell(rows['region'], 0)}:{xl_rowcol_to_cell(rows['price_usd_per_kwh_median'], 1)}"
    if isinstance(argument, str) and ":" in argument:
        first, last = argument.split(":")
        return f"{xl_rowcol_to_cell(rows[first], 1)}:{xl_rowcol_to_cell(rows[last], 1)}"
    if isinstance(argument, str):
        return xl_rowcol_to_cell(rows[argument], 1)
    return repr(argument)


def formula(example: Example) -> str:
    return f"={example.function}({','.join(_reference(a) for a in example.arguments)})"


def passed_value(argument: object) -> object:
    """What the xlwings add-in passes for an argument: a cell's value (numbers as floats), a one-column range
    as a flat list, a two-column range as a list of rows."""
    values = dict(INPUTS)

    def cell(value: object) -> object:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    if argument == OVERRIDES:
        return [[name, cell(values[name])] for name in ("region", "price_usd_per_kwh_median")]
    if argument == SCENARIOS:
        return [[cell(v) for v in row] for row in SCENARIO_ROWS]
    if argument == MEASUREMENTS:  # an empty cell arrives as None
        return [[None if v is None or v == "" else cell(v) for v in row] for row in MEASUREMENT_ROWS]
    if isinstance(argument, str) and ":" in argument:
        return [cell(values[label]) for label in argument.split(":")]
    if isinstance(argument, str):
        return cell(values[argument])
    return float(argument)


def result(example: Example) -> object:
    """The example's result, computed by the real function with the values the add-in would pass."""
    return getattr(udf, example.function)(*(passed_value(a) for a in example.arguments))


def expected_text(value: object) -> str:
    """A result as text, for checking by eye."""
    if isinstance(value, list):
        if len(value) > 1 and isinstance(value[1], list) and len(value[1]) == 2:
            return "; ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in value[1:])
        return f"a table of {len(value)} rows; first: {value[0]}"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _shape(value: object) -> tuple[int, int]:
    if not isinstance(value, list):
        return 1, 1
    return len(value), max((len(r) if isinstance(r, list) else 1) for r in value)


def _write(path: Path) -> None:
    styles = template("standalone.json")["styles"]
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"created": build_time().replace(tzinfo=None), "title": "InferWatt Excel functions"})
    title = wb.add_format({"bold": True, "font_size": 14, "font_color": "#" + styles["title_font"]["color"][-6:]})
    header = wb.add_format({"bold": True, "bg_color": "#" + styles["header_fill"][-6:], "text_wrap": True,
                            "valign": "top"})
    given = wb.add_format({"bg_color": "#" + styles["input_fill"][-6:], "locked": False})
    warn = wb.add_format({"italic": True, "font_color": "#C00000", "text_wrap": True, "valign": "top"})

    ws = wb.add_worksheet("Examples")
    ws.write_string(0, 0, "InferWatt Excel functions: one worked example of each", title)
    ws.merge_range(1, 0, 1, 3, NAME_HELP, warn)
    ws.set_row(1, 32)
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 80)
    ws.write_row(FIRST_INPUT_ROW - 2, 0, ["input", "value"], header)
    for (label, value), row in zip(INPUTS, input_rows().values(), strict=True):
        ws.write_string(row, 0, label)
        if isinstance(value, bool):
            ws.write_boolean(row, 1, value, given)
        elif isinstance(value, str):
            ws.write_string(row, 1, value, given)
        else:
            ws.write_number(row, 1, value, given)
    first = scenario_first_row()
    ws.write_row(first - 1, 0, ["scenario", "parameter", "value"], header)
    for i, definition in enumerate(SCENARIO_ROWS):
        for j, value in enumerate(definition):
            (ws.write_string if isinstance(value, str) else ws.write_number)(first + i, j, value, given)
    first = measurement_first_row()
    ws.write_row(first - 1, 0, list(MEASUREMENT_COLUMNS), header)
    for i, measured in enumerate(MEASUREMENT_ROWS):
        for j, value in enumerate(measured):
            if value is None or value == "":
                ws.write_blank(first + i, j, None, given)
            else:
                (ws.write_string if isinstance(value, str) else ws.write_number)(first + i, j, value, given)
    top = first + len(MEASUREMENT_ROWS) + 1
    ws.write_row(top, 0, ["function", "formula (result below it)", "expected result (text)", "how it works"], header)
    row = top + 1
    for example in EXAMPLES:
        value, text = result(example), formula(example)
        rows, cols = _shape(value)
        ws.write_string(row, 0, example.title)
        ws.write_string(row, 1, text)  # the formula shown as text, for reading
        ws.write_string(row, 2, expected_text(value))
        ws.write_string(row, 3, (getattr(udf, example.function).__doc__ or "").strip().splitlines()[0])
        if isinstance(value, list):  # fills rows x cols below it: spills in 365, an array formula before
            ws.write_dynamic_array_formula(row + 1, 1, row + rows, cols, text)
        else:  # with the result as its cached value, shown where Excel does not calculate (Protected View)
            ws.write_formula(row + 1, 1, text, None, value)
        row += 2 + rows

    help_ws = wb.add_worksheet("Instructions")
    help_ws.write_string(0, 0, "How to use these functions", title)
    help_ws.set_column(0, 0, 140)
    for i, line in enumerate(INSTRUCTIONS, start=2):
        help_ws.write_string(i, 0, line)
    conf = wb.add_worksheet("xlwings.conf")
    conf.write_string(0, 0, "UDF Modules")
    conf.write_string(0, 1, UDF_MODULE)
    wb.close()


def build_functions_workbook(path: Path) -> Path:
    """Write dist/InferWatt-Functions.xlsx."""
    return save_reproducibly(_write, path)
