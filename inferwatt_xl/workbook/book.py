"""What a sheet module writes through: the workbook, its sheets, the grid of tables, the styles, the template.

Every sheet module (workbook/sheets/) declares its tables on a Book and writes them through it, so no module
reaches into another's objects: a table is written by `write`, a single formula by `formula`, a note or a
heading by `note` and `heading`, a defined name by `define`, a chart's data by `reference`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import Reference
from openpyxl.worksheet.worksheet import Worksheet

from .. import catalogue
from .formulas import input_name
from .grid import Grid, Table
from .xlsx import EXCEL_DEFAULT_WIDTH, LINE_HEIGHT_PT, Styles, define, put_text, template, write_formula, write_table

TITLE_ROW, NOTE_ROW = 1, 2  # every sheet: its title in row 1, what it holds in row 2
BULK_PRINTED_ROWS = 50  # a sheet of one row per trial prints its first trials, never thousands of pages


class Book:
    """The openpyxl workbook being built, with one sheet per entry of the template and the grid of its tables."""

    def __init__(self, template_name: str = "standalone.json") -> None:
        self.spec: dict[str, Any] = template(template_name)
        self.layout: dict[str, int] = self.spec["layout"]
        self.styles = Styles(self.spec["styles"])
        self.grid = Grid({p: input_name(p) for p in catalogue.parameters()})
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.sheets: dict[str, Worksheet] = {}
        for name, sheet in self.spec["sheets"].items():
            ws = self.wb.create_sheet(name)
            put_text(ws, TITLE_ROW, 1, sheet["title"]).font = self.styles.title
            self.sheets[name] = ws

    # ------------------------------------------------------------ placing tables

    def first_row(self, lines: int = 0, *, below: str | None = None, gap: int | None = None, header: bool = True,
                  head: int = 0) -> int:
        """The first data row of a table with `lines` text lines (a heading, notes) above its header: under the
        note row at the top of its sheet, or under table `below` after the template's blank rows (or `gap`).
        A table with `head` named rows above its header has them from the note row on."""
        if head:
            return TITLE_ROW + head + 2  # the head rows, the header, then the first row
        if below is None:
            last, gap = NOTE_ROW, gap or 0
        else:
            last = self.grid.table(below).last_row
            gap = self.layout["blank_rows_between_tables"] if gap is None else gap
        return last + gap + lines + (2 if header else 1)

    # ------------------------------------------------------------ writing

    def write(self, key: str, values: Mapping[str, Sequence[object]] | None = None, header: bool = True) -> Table:
        """Table `key` on its sheet: headers, widths and formats, data columns from `values`, formula columns from
        their templates."""
        table = self.grid.table(key)
        write_table(self.sheets[table.sheet], self.grid, table, self.styles if header else None, values)
        return table

    def formula(self, table: Table, column: str, template: str, row: int | str = 0, *, at: int | None = None,
                array: bool = False, span_to: str | None = None) -> Cell:
        """One formula: `template` compiled for `column` of `table`, written in its row `row` (an index or a key),
        or at sheet row `at` (a head row), as an array formula when asked, over the columns up to `span_to`."""
        index = table.index(row)
        render = self.grid.compile(template, table, table.column(column))
        return write_formula(self.sheets[table.sheet], table.row(index) if at is None else at,
                             table.column_number(column), render(index), array=array,
                             span_to=None if span_to is None else table.column_number(span_to))

    def note(self, sheet: str, text: str, row: int = NOTE_ROW, column: int = 1) -> Cell:
        """A note in grey (by default the sheet's note row, under its title)."""
        cell = put_text(self.sheets[sheet], row, column, text)
        cell.font = self.styles.note
        return cell

    def heading(self, key: str, text: str, *notes: str, column: int = 1) -> None:
        """A bold heading over table `key` and notes under it, on the rows just above its header (in the sheet's
        first column unless told: tables side by side have theirs over their own columns); an empty note keeps
        its row empty."""
        table = self.grid.table(key)
        ws = self.sheets[table.sheet]
        top = table.header_row - 1 - len(notes)
        put_text(ws, top, column, text).font = self.styles.bold
        for k, line in enumerate(notes, start=1):
            if line:
                put_text(ws, top + k, column, line).font = self.styles.note

    def print_rows(self, key: str, last_row: int | None = None, last_column: str | None = None) -> None:
        """Print table `key` with its header on every page: from A1 to its last column and `last_row` (by default
        its first BULK_PRINTED_ROWS rows)."""
        table = self.grid.table(key)
        ws = self.sheets[table.sheet]
        last_row = table.first_row + BULK_PRINTED_ROWS if last_row is None else last_row
        ws.print_area = f"A1:{table.letter(last_column or table.columns[-1].name)}{last_row}"
        ws.print_title_rows = f"{table.header_row}:{table.header_row}"

    def wrap_across(self, table: Table, row: int) -> None:
        """The text at the start of `row` wrapped across the table's columns (merged), the row as tall as its
        lines: a long note reads as a paragraph over the table, not as one line running off the page."""
        ws = self.sheets[table.sheet]
        cell = ws.cell(row, table.first_col)
        cell.alignment = self.styles.wrap
        last = table.first_col + len(table.columns) - 1
        ws.merge_cells(start_row=row, start_column=table.first_col, end_row=row, end_column=last)
        width = sum(c.width or EXCEL_DEFAULT_WIDTH for c in table.columns)
        ws.row_dimensions[row].height = LINE_HEIGHT_PT * max(1, math.ceil(len(str(cell.value or "")) / (width * 0.9)))

    def define(self, name: str, target: str) -> None:
        define(self.wb, name, target)

    def reference(self, table: Table, column: str, first: int | str = 0, last: int | str | None = None,
                  header: bool = False) -> Reference:
        """A chart's reference to rows first..last of a table's column (from its header when asked)."""
        c = table.column_number(column)
        top = table.header_row if header else table.row(first)
        return Reference(self.sheets[table.sheet], min_col=c, max_col=c, min_row=top,
                         max_row=table.row(table.n_rows - 1 if last is None else last))


def columns_of(rows: Sequence[object], table: Table) -> dict[str, list[object]]:
    """The values of a table's columns read from the same-named fields of dataclass rows (None as an empty
    cell); columns the rows have no field for are left to the caller."""
    return {c.name: ["" if getattr(r, c.name) is None else getattr(r, c.name) for r in rows]
            for c in table.columns if rows and hasattr(rows[0], c.name)}
