"""The Excel-functions workbook: xlwings.conf, a worked example of every IW_* function, instructions.

The example formulas refer to input cells (never embed text); beside each one its
expected result, computed by the same functions at build time, is written as text.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from .. import udf
from .xlsx import Styles, put_text, save_atomically, template

UDF_MODULE = "inferwatt_xl.udf"

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
)


def _expected(value: object) -> str:
    """A result as text, for checking by eye."""
    if isinstance(value, list):
        if len(value) > 1 and isinstance(value[1], list) and len(value[1]) == 2:
            return "; ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in value[1:])
        return f"a table of {len(value)} rows; first: {value[0]}"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def build_functions_workbook(path: Path) -> Path:
    """Write dist/InferWatt-Functions.xlsx."""
    styles = Styles(template("standalone.json")["styles"])
    wb = Workbook()
    conf = wb.active
    conf.title = "xlwings.conf"
    put_text(conf, 1, 1, "UDF Modules")
    put_text(conf, 1, 2, UDF_MODULE)

    ws = wb.create_sheet("Examples", 0)
    put_text(ws, 1, 1, "InferWatt Excel functions: one worked example of each").font = styles.title
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 80
    styles.header_row(ws, 3, ["input", "value"])
    inputs = [("model", "Llama 3.1 405B"), ("regime", "tts"), ("other regime", "traditional"), ("mixture", "baseline"),
              ("range of models (1)", "Llama 3.1 405B"), ("range of models (2)", "Mixtral 8x22B"),
              ("output tokens", 300), ("P_node / P_max", 0.7), ("PUE", 1.2), ("input tokens", 500),
              ("trials", 10000), ("seed", 1), ("queries per day", 1e9), ("test-time-scaling share", 0.1),
              ("improved", True), ("node", "8xB200"), ("measure", "carbon_g"), ("stat", "p95"),
              # two rows of parameter name | value: an overrides range (the shape =IW_PARAMS() spills)
              ("region", "USA"), ("price_usd_per_kwh_median", 0.1)]
    cells = {}
    for i, (label, value) in enumerate(inputs, start=4):
        put_text(ws, i, 1, label)
        if isinstance(value, str):
            put_text(ws, i, 2, value)
        else:
            ws.cell(i, 2).value = value
        styles.as_input(ws.cell(i, 2))
        cells[label] = f"B{i}"
    c = cells
    examples = [
        ("IW_VERSION", "=IW_VERSION()", udf.IW_VERSION()),
        ("IW_TPS", f"=IW_TPS({c['model']},{c['input tokens']},{c['output tokens']})",
         udf.IW_TPS("Llama 3.1 405B", 500, 300)),
        ("IW_ENERGY", f"=IW_ENERGY({c['model']},{c['output tokens']},{c['P_node / P_max']},{c['PUE']},"
                      f"{c['input tokens']})", udf.IW_ENERGY("Llama 3.1 405B", 300, 0.7, 1.2, 500)),
        ("IW_MONTECARLO (spills 7 x 2)", f"=IW_MONTECARLO({c['mixture']},{c['regime']},{c['trials']},{c['seed']})",
         udf.IW_MONTECARLO("baseline", "tts", 10000, 1)),
        ("IW_MONTECARLO of a range of models",
         f"=IW_MONTECARLO({c['range of models (1)']}:{c['range of models (2)']},{c['other regime']},{c['trials']},"
         f"{c['seed']})",
         udf.IW_MONTECARLO([["Llama 3.1 405B"], ["Mixtral 8x22B"]], "traditional", 10000, 1)),
        ("IW_FLEET (GWh/day)", f"=IW_FLEET({c['queries per day']},{c['test-time-scaling share']},{c['improved']},"
                               f"{c['trials']},{c['seed']})", udf.IW_FLEET(1e9, 0.1, True, 10000, 1)),
        ("IW_ENERGY on another node", f"=IW_ENERGY({c['model']},{c['output tokens']},{c['P_node / P_max']},"
                                      f"{c['PUE']},{c['input tokens']},{c['node']})",
         udf.IW_ENERGY("Llama 3.1 405B", 300, 0.7, 1.2, 500, "8xB200")),
        ("IW_STAT (one number)", f"=IW_STAT({c['mixture']},{c['measure']},{c['stat']},{c['regime']},"
                                 f"{c['region']}:{c['price_usd_per_kwh_median']},{c['trials']},{c['seed']})",
         udf.IW_STAT("baseline", "carbon_g", "p95", "tts", [["region", "USA"], ["price_usd_per_kwh_median", 0.1]],
                     10000, 1)),
        ("IW_IMPACTS (spills 8 x 7)", f"=IW_IMPACTS({c['mixture']},{c['other regime']},{c['region']}:"
                                      f"{c['price_usd_per_kwh_median']},{c['trials']},{c['seed']})",
         udf.IW_IMPACTS("baseline", "traditional", [["region", "USA"], ["price_usd_per_kwh_median", 0.1]], 10000, 1)),
        ("IW_CAPACITY (spills)", f"=IW_CAPACITY({c['queries per day']},{c['test-time-scaling share']},"
                                 f"{c['region']}:{c['price_usd_per_kwh_median']})",
         udf.IW_CAPACITY(1e9, 0.1, [["region", "USA"], ["price_usd_per_kwh_median", 0.1]])),
        ("IW_REGIONS (spills)", "=IW_REGIONS()", udf.IW_REGIONS()),
        ("IW_BETA", "=IW_BETA()", udf.IW_BETA()),
        ("IW_SENSITIVITY (spills)", f"=IW_SENSITIVITY({c['mixture']},{c['regime']})",
         udf.IW_SENSITIVITY("baseline", "tts")),
        ("IW_HARDWARE (spills)", f"=IW_HARDWARE({c['model']},{c['trials']},{c['seed']})",
         udf.IW_HARDWARE("Llama 3.1 405B", 10000, 1)),
        ("IW_MODELS (spills)", "=IW_MODELS()", udf.IW_MODELS()),
        ("IW_NODES (spills)", "=IW_NODES()", udf.IW_NODES()),
        ("IW_PARAMS (spills)", "=IW_PARAMS()", udf.IW_PARAMS()),
        ("a bad argument", f"=IW_ENERGY({c['model']},-5,{c['P_node / P_max']},{c['PUE']})",
         udf.IW_ENERGY("Llama 3.1 405B", -5, 0.7, 1.2)),
        ("IW_SAMPLES (spills a column; last, so it has room)", f"=IW_SAMPLES({c['model']},{c['regime']},1000,"
         f"{c['seed']})", udf.IW_SAMPLES("Llama 3.1 405B", "tts", 1000, 1)),
    ]
    top = 4 + len(inputs) + 2
    styles.header_row(ws, top, ["function", "formula (result below it)", "expected result (text)", "how it works"])
    row = top + 1
    for name, formula, expected in examples:
        put_text(ws, row, 1, name)
        put_text(ws, row, 2, formula)  # the formula shown as text, for reading
        ws.cell(row + 1, 2).value = formula  # and live, one row below (tables spill down and right)
        put_text(ws, row, 3, _expected(expected))
        function = getattr(udf, name.split()[0], None)
        put_text(ws, row, 4, (function.__doc__ or "").strip().splitlines()[0] if function else "")
        row += 2 + (len(expected) if isinstance(expected, list) else 1)
    help_ws = wb.create_sheet("Instructions", 1)
    put_text(help_ws, 1, 1, "How to use these functions").font = styles.title
    help_ws.column_dimensions["A"].width = 140
    for i, line in enumerate(INSTRUCTIONS, start=3):
        put_text(help_ws, i, 1, line)
    return save_atomically(wb, path)
