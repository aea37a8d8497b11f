"""Small openpyxl helpers shared by the workbook generators: safe text, names, styles, atomic save."""

from __future__ import annotations

import json
import os
import tempfile
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError

TEMPLATES_PACKAGE = "inferwatt_xl.workbook_templates"


@cache
def template(name: str) -> dict[str, Any]:
    """A layout file of workbook_templates/ (sheets, labels, styles as data)."""
    return json.loads(files(TEMPLATES_PACKAGE).joinpath(name).read_text(encoding="utf-8"))


def put_text(ws: Worksheet, row: int, column: int, text: object) -> Cell:
    """Write text as text: openpyxl would store '=...' as a formula, so the type is forced."""
    cell = ws.cell(row, column)
    cell.value = "" if text is None else str(text)
    cell.data_type = "s"
    return cell


def put(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Write a number, boolean or formula; text goes through put_text."""
    if isinstance(value, str) and not value.startswith("="):
        return put_text(ws, row, column, value)
    cell = ws.cell(row, column)
    cell.value = value
    return cell


def ref(ws: Worksheet | str, row: int, column: int, absolute: bool = True) -> str:
    """A cell reference 'Sheet'!$A$1 usable from any sheet."""
    title = ws if isinstance(ws, str) else ws.title
    col = get_column_letter(column)
    cell = f"${col}${row}" if absolute else f"{col}{row}"
    return f"{quote_sheetname(title)}!{cell}"


def area(ws: Worksheet | str, row1: int, col1: int, row2: int, col2: int) -> str:
    """An absolute range reference 'Sheet'!$A$1:$B$9."""
    title = ws if isinstance(ws, str) else ws.title
    return (f"{quote_sheetname(title)}!${get_column_letter(col1)}${row1}:"
            f"${get_column_letter(col2)}${row2}")


def define(wb: Workbook, name: str, target: str) -> None:
    """A workbook-level defined name for a cell or range reference."""
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
        self.number_format = spec["number_format"]
        self.large_number_format = spec["large_number_format"]
        self.wrap = Alignment(wrap_text=True, vertical="top")

    def header_row(self, ws: Worksheet, row: int, labels: list[str], first_column: int = 1,
                   min_width: float = 14) -> None:
        """Bold, filled, wrapped headers; columns at least min_width wide so numbers and headers show."""
        for i, label in enumerate(labels):
            cell = put_text(ws, row, first_column + i, label)
            cell.font, cell.fill = self.bold, self.header
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            letter = get_column_letter(first_column + i)
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, min_width)
        ws.row_dimensions[row].height = 30

    def as_input(self, cell: Cell) -> None:
        cell.fill = self.input
        cell.protection = Protection(locked=False)


def save_atomically(wb: Workbook, path: Path) -> Path:
    """Write to a temporary file beside `path`, then rename: a failure leaves the old file intact."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise InputError("output path", str(path), f"a writable location ({err.strerror})") from None
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError("output path", str(path), f"a writable file ({err.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
