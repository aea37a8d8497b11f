"""The standalone workbook: the whole method in live formulas, no Python or add-in needed.

The engine values the sheets stamp are computed first (built.EngineValues); then each sheet module of
workbook/sheets/ declares its tables (`grid.Table`: named columns whose formulas are templates that name
what they refer to) and writes them through a `book.Book`, in the order of SHEET_MODULES. `grid` turns
names into letters and rows and `xlsx.write_formula` checks every formula against Excel's rules. Layout
text and sizes come from workbook_templates/standalone.json; parameters, nodes, models and benchmarks
from the catalogue. User or data text is only ever written as text.

Formulas are written in forms that Excel, LibreOffice and Gnumeric evaluate alike:
no IF over arrays of different shapes, no array tricks inside SUMPRODUCT, NORMSDIST
rather than NORM.S.DIST, and no defined name that looks like a cell.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .. import api
from ..errors import InputError
from .book import Book
from .built import EngineValues
from .excel import ExcelRuleError, check_defined_names
from .sheets import (
    about,
    calibration,
    figures,
    impacts,
    inputs,
    reproduction,
    results,
    scenarios,
    simulation,
    stamped,
    throughput,
)
from .xlsx import EXCEL_DEFAULT_WIDTH, save_atomically

# Each module declares its tables, then each writes them, in this order (a table is placed below the ones
# declared before it; defined names are made in the order the sheets are written).
SHEET_MODULES = (inputs, throughput, simulation, results, impacts, scenarios, calibration, stamped, reproduction,
                 figures, about)
PRINTABLE_WIDTH_CHARS = 140  # column-width units that fit a landscape page at ~100 %


def layout(values: EngineValues) -> Book:
    """Every table of the workbook declared, from values computed already: no simulation runs here."""
    book = Book()
    for module in SHEET_MODULES:
        module.declare(book, values)
    return book


def build_book(values: EngineValues) -> Workbook:
    """The openpyxl Workbook of the standalone workbook, written from engine values computed before."""
    book = layout(values)
    for module in SHEET_MODULES:
        module.write(book, values)
    _finish(book)
    return book.wb


def _finish(book: Book) -> None:
    """Names valid and defined, sheets protected, printing sized; raises if an Excel rule is broken."""
    names = list(book.wb.defined_names)
    check_defined_names(names)
    missing = book.grid.used_names - set(names)  # every name reaches a formula through a template
    if missing:
        raise ExcelRuleError(f"formulas use undefined names: {', '.join(sorted(missing))}")
    one_page_wide = book.spec["one_page_wide"]
    for ws in book.wb.worksheets:
        ws.protection.sheet = True  # no password: Review > Unprotect Sheet
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToHeight = 0
        ws.page_setup.fitToWidth = (1 if ws.title in one_page_wide else
                                    max(1, math.ceil(_used_width(ws) / PRINTABLE_WIDTH_CHARS)))


def _used_width(ws: Worksheet) -> float:
    """Sum of the widths of the columns a sheet uses, in Excel's character units."""
    total = 0.0
    for i in range(1, ws.max_column + 1):
        width = ws.column_dimensions[get_column_letter(i)].width
        total += width if width else EXCEL_DEFAULT_WIDTH
    return total


# Memory a build holds per trial (openpyxl keeps every cell): measured with /usr/bin/time -v on python build.py
# --trials 2000 and 6000 (maximum resident 448 and 662 MB: 54 kB per trial over about 340 MB).
BUILD_BYTES_PER_TRIAL, BUILD_BASE_BYTES = 54_000, 340e6
EXCEL_MAX_ROWS = 1_048_576


def check_memory_for(trials: int) -> None:
    """Refuse, before any work, a build that this machine cannot hold or that Excel cannot open."""
    rows = EXCEL_MAX_ROWS - 20  # the Sim sheets' head rows above the trials
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # not on Linux: only Excel's limit is checked
        available = math.inf
    fits = min(rows, int((0.8 * available - BUILD_BASE_BYTES) / BUILD_BYTES_PER_TRIAL))
    if trials > fits:
        why = (f"Excel's {EXCEL_MAX_ROWS:,} rows" if fits == rows else f"the {available / 1e9:.1f} GB of memory "
               f"free here (about {BUILD_BYTES_PER_TRIAL / 1e3:.0f} kB per trial)")
        raise InputError("trials", trials, f"at most {max(fits, 0):,} for a workbook: {why}")


def build_standalone(path: Path, trials: int | None = None, seed: int | None = None,
                     preset: str | None = None) -> Path:
    """Write the standalone workbook atomically under a preset; trials and seed default to the preset's."""
    params = api.resolve_params({"preset": preset, "n_trials": trials, "seed": seed})
    check_memory_for(params["n_trials"])
    values = EngineValues.compute(params["n_trials"], params["seed"], params["preset"])
    return save_atomically(build_book(values), path)
