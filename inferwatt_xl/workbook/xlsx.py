"""openpyxl helpers shared by the workbook generators: safe text, the one formula writer, names,
styles, and a reproducible atomic save."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from ..files import temp_beside, write_atomically
from .excel import MAX_CELL_CHARS, ExcelRuleError, add_prefixes, check_defined_name, check_formula
from .grid import Grid, Table
from .package import excel_ready

TEMPLATES_PACKAGE = "inferwatt_xl.workbook_templates"


@cache
def template(name: str) -> dict[str, Any]:
    """A layout file of workbook_templates/ (sheets, labels, styles as data)."""
    return json.loads(files(TEMPLATES_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def put_text(ws: Worksheet, row: int, column: int, text: object) -> Cell:
    """Write text as text: openpyxl would store '=...' as a formula, so the type is forced. Text longer than
    an Excel cell holds is refused (Excel would cut it, or refuse the file)."""
    cell = ws.cell(row, column)
    text = "" if text is None else str(text)
    if len(text) > MAX_CELL_CHARS:
        raise ExcelRuleError(f"{ws.title}!{cell.coordinate}: text of {len(text):,} characters, an Excel cell holds "
                             f"{MAX_CELL_CHARS:,}")
    cell.value = text
    cell.data_type = "s"
    return cell


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a number or boolean; text goes through put_text (never as a formula)."""
    if isinstance(value, str):
        return put_text(ws, row, column, value)
    cell = ws.cell(row, column)
    cell.value = value
    return cell


def write_formula(ws: Worksheet, row: int, column: int, formula: str, array: bool = False,
                  check: bool = True, span_to: int | None = None) -> Cell:
    """The one way a formula enters a workbook: `_xlfn.` prefixes added and Excel's rules checked
    (check=False only for rows of a compiled template, whose prefixes and first and last rows
    are checked already), written as an array formula when asked; `span_to` makes it one array
    formula over this row's cells up to that column (each cell gets one element of the result)."""
    cell = ws.cell(row, column)
    if check:
        formula = add_prefixes(formula)
        check_formula(formula, f"{ws.title}!{cell.coordinate}")
    if array:
        ref = cell.coordinate if span_to is None else f"{cell.coordinate}:{ws.cell(row, span_to).coordinate}"
        ws[cell.coordinate] = ArrayFormula(ref, formula)
        return ws[cell.coordinate]
    cell.value = formula
    return cell


def write_table(ws: Worksheet, grid: Grid, table: Table, styles: Styles | None = None,
                values: Mapping[str, Sequence[object]] | None = None) -> None:
    """Headers, widths and formats of a table, its data columns from `values` and its formula columns
    from their templates (each template checked against Excel's rules on its first and last row)."""
    values = values or {}
    if styles is not None:
        styles.header_row(ws, table.header_row, [c.header for c in table.columns], table.first_col)
    for column in table.columns:
        number = table.column_number(column.name)
        if column.width:
            ws.column_dimensions[get_column_letter(number)].width = column.width
        if column.formula is not None:
            per_row = callable(column.formula)
            render = None if per_row else grid.compile(column.formula, table, column)
            for i in range(table.n_rows):
                text = grid.compile(column.formula(i), table, column)(i) if per_row else render(i)
                cell = write_formula(ws, table.row(i), number, text, column.array,
                                     check=per_row or i in (0, table.n_rows - 1))
                if column.number_format:
                    cell.number_format = column.number_format
        elif column.name in values:
            for i, value in enumerate(values[column.name]):
                cell = put(ws, table.row(i), number, value)
                if column.number_format:
                    cell.number_format = column.number_format
    if styles is not None:  # the headers' height, now that the columns have their widths
        fit_row_height(ws, table.header_row, table.first_col, table.first_col + len(table.columns) - 1, 2)


LINE_HEIGHT_PT = 15  # one line of 11 pt Calibri
EXCEL_DEFAULT_WIDTH = 8.43  # Excel's width of a column never sized, in character units


def fit_row_height(ws: Worksheet, row: int, first_column: int, last_column: int, min_lines: int = 1) -> None:
    """Make `row` tall enough for the wrapped text of its cells in these columns: each cell's characters over
    its column's width (less one for the margins) give its lines; no text is cut off at the bottom."""
    lines = min_lines
    for column in range(first_column, last_column + 1):
        value = ws.cell(row, column).value
        if isinstance(value, str) and not value.startswith("="):
            width = ws.column_dimensions[get_column_letter(column)].width or EXCEL_DEFAULT_WIDTH
            per_line = max(1.0, width - 1)
            lines = max(lines, sum(max(1, -(-len(part) // int(per_line))) for part in value.split("\n")))
    ws.row_dimensions[row].height = LINE_HEIGHT_PT * lines


def define(wb: Workbook, name: str, target: str) -> None:
    """A workbook-level defined name for a cell or range reference, valid in Excel."""
    check_defined_name(name)
    wb.defined_names[name] = DefinedName(name, attr_text=target)


class Styles:
    """The template's styles as openpyxl objects."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.title = Font(**spec["title_font"])
        self.bold = Font(bold=True)
        self.header = PatternFill("solid", fgColor=spec["header_fill"])
        self.input = PatternFill("solid", fgColor=spec["input_fill"])
        self.result = PatternFill("solid", fgColor=spec["result_fill"])
        self.note = Font(italic=True, color=spec["note_color"])
        self.faint = Font(color=spec["note_color"])
        self.group_top = Border(top=Side(style="thin", color=spec["note_color"]))
        self.number_format = spec["number_format"]
        self.large_number_format = spec["large_number_format"]
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def header_row(self, ws: Worksheet, row: int, labels: list[str], first_column: int = 1,
                   min_width: float = 14) -> None:
        """Bold, filled, wrapped headers; columns at least min_width wide so numbers and headers show (the row's
        height is set by write_table once every column has its width)."""
        for i, label in enumerate(labels):
            cell = put_text(ws, row, first_column + i, label)
            cell.font, cell.fill = self.bold, self.header
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(first_column + i)
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, min_width)

    def as_input(self, cell: Cell) -> None:
        cell.fill = self.input
        cell.protection = Protection(locked=False)


FIXED_BUILD_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # document time unless SOURCE_DATE_EPOCH is set


def build_time() -> dt.datetime:
    """The time stamped into documents: SOURCE_DATE_EPOCH (reproducible-builds.org) or a fixed time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return FIXED_BUILD_TIME


def _reproducible(src: Path, dst: Path) -> None:
    """Copy the package with fixed entry times and document timestamps (same inputs, same bytes), its parts
    put in the form Excel expects (package.excel_ready)."""
    stamp = build_time()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    zip_time = max(stamp, dt.datetime(1980, 1, 1, tzinfo=dt.UTC)).timetuple()[:6]
    with zipfile.ZipFile(src) as zin:
        parts = excel_ready((item.filename, zin.read(item.filename)) for item in zin.infolist())
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), data)
            info = zipfile.ZipInfo(name, date_time=zip_time)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zout.writestr(info, data)


def save_reproducibly(write: Callable[[Path], object], path: Path) -> Path:
    """`write(raw path)` (openpyxl's or XlsxWriter's save), then copy reproducibly to a temporary file beside
    `path` and rename: a failure leaves the old file intact; the file gets the permissions of the user's umask."""
    path = Path(path)
    raw = temp_beside(path)  # the writer's own bytes, before the timestamps are fixed
    try:
        return write_atomically(path, lambda tmp: (write(raw), _reproducible(raw, tmp)))
    finally:
        raw.unlink(missing_ok=True)


def save_atomically(wb: Workbook, path: Path) -> Path:
    """An openpyxl workbook, saved reproducibly and atomically (save_reproducibly)."""
    return save_reproducibly(wb.save, path)
