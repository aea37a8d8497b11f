"""Sheets as tables of named columns, and formula templates that refer to cells by name.

A template is an Excel formula with placeholders; this module is the only place that
turns them into letters and row numbers, so inserting a column moves every reference
with it:

    {col}              column `col` of the same table, same row            -> B6
    {Table.col}        column `col` of another table, row of the same index -> Draws!$M6
                       (or the row a Column binds that table to: Sim slot k -> Fit row k)
    {Table.col[key]}   the row named `key` of a keyed table                -> Fleet!$B$9
    {all.Table.col}    the whole column, absolute                          -> Draws!$M$6:$M$10005
    {head.key}         this column's cell in one of the table's head rows  -> C$3
    {headof.col.key}   column `col`'s cell in a head row                   -> D$3
    {headof.T.col.key} the same cell of another table T                     -> Sim_TTS!$D$3
    {column}           this column over all the table's rows               -> $C$8:$C$10007
    {span.a.b}         columns a..b of the same row                        -> B8:H8
    {p.name}           the input cell of a declared parameter              -> PUE_P95
    {n.Name}           a workbook defined name (checked to exist when the book is saved)

A Column's `tables` maps a table name of its templates to another table, so that one template (the Fit
table's, the Draws table's) serves a scenario's own copy of that table.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from .excel import ExcelRuleError, add_prefixes, looks_like_reference


def quote_sheetname(title: str) -> str:
    """A sheet name as a formula writes it: bare when it is a plain identifier (LibreOffice parses
    bare names markedly faster), quoted otherwise."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", title) and not looks_like_reference(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Column:
    """One named column: its header (with unit), formula template, number format and width."""

    name: str
    header: str
    # A template, or a function of the row index giving each row its own; None: data filled by the caller.
    formula: str | Callable[[int], str] | None = None
    number_format: str | None = None
    width: float | None = None
    array: bool = False  # entered as an array formula (Ctrl+Shift+Enter in Excel)
    bind: Mapping[str, int] = field(default_factory=dict)  # other table -> row index its references use
    # a table name in the templates -> the table it means here (a scenario's fit stands for the Fit table)
    tables: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Table:
    """A block of named columns over consecutive rows of one sheet; rows are counted or named."""

    key: str
    sheet: str
    columns: Sequence[Column]
    first_row: int  # first data row; the header row is the one above it
    rows: int | Sequence[str]
    first_col: int = 1
    head: Sequence[str] = ()  # named rows above the header (per-column settings such as a model name)

    def __post_init__(self) -> None:
        self._col = {c.name: self.first_col + i for i, c in enumerate(self.columns)}
        if len(self._col) != len(self.columns):
            raise ExcelRuleError(f"table {self.key}: two columns share a name")
        self._keys = {} if isinstance(self.rows, int) else {k: i for i, k in enumerate(self.rows)}

    @property
    def n_rows(self) -> int:
        return self.rows if isinstance(self.rows, int) else len(self.rows)

    @property
    def header_row(self) -> int:
        return self.first_row - 1

    @property
    def last_row(self) -> int:
        return self.first_row + self.n_rows - 1

    def column(self, name: str) -> Column:
        return self.columns[self.column_number(name) - self.first_col]

    def column_number(self, name: str) -> int:
        try:
            return self._col[name]
        except KeyError:
            raise ExcelRuleError(f"table {self.key} has no column {name!r} ({', '.join(self._col)})") from None

    def letter(self, name: str) -> str:
        return get_column_letter(self.column_number(name))

    def index(self, row: int | str) -> int:
        """Row index (0-based) of a row number or name."""
        if isinstance(row, str):
            if row not in self._keys:
                raise ExcelRuleError(f"table {self.key} has no row {row!r}")
            return self._keys[row]
        if not 0 <= row < self.n_rows:
            raise ExcelRuleError(f"table {self.key} has rows 0..{self.n_rows - 1}, not {row}")
        return row

    def row(self, row: int | str) -> int:
        """Sheet row of a row index or name."""
        return self.first_row + self.index(row)

    def head_row(self, key: str) -> int:
        if key not in self.head:
            raise ExcelRuleError(f"table {self.key} has no head row {key!r}")
        return self.header_row - len(self.head) + list(self.head).index(key)

    def cell(self, column: str, row: int | str, *, sheet: bool = False, absolute: bool = False) -> str:
        """A1 reference of one cell, e.g. B6, $B$6 or 'Fit'!$B$6."""
        letter, number = self.letter(column), self.row(row)
        text = f"${letter}${number}" if absolute else f"{letter}{number}"
        return f"{quote_sheetname(self.sheet)}!{text}" if sheet else text

    def range(self, column: str, *, sheet: bool = True) -> str:
        """Absolute reference of the whole column, e.g. Draws!$M$6:$M$10005."""
        letter = self.letter(column)
        text = f"${letter}${self.first_row}:${letter}${self.last_row}"
        return f"{quote_sheetname(self.sheet)}!{text}" if sheet else text

    def head_span(self, key: str, first: str, last: str) -> str:
        """Absolute reference, with the sheet, of the columns first..last in one head row."""
        row = self.head_row(key)
        return f"{quote_sheetname(self.sheet)}!${self.letter(first)}${row}:${self.letter(last)}${row}"

    def block(self, first: str, last: str, *, sheet: bool = True) -> str:
        """Absolute reference of the columns first..last over all rows."""
        text = f"${self.letter(first)}${self.first_row}:${self.letter(last)}${self.last_row}"
        return f"{quote_sheetname(self.sheet)}!{text}" if sheet else text


Render = Callable[[int], str]


class Grid:
    """The tables of a workbook, and the compiler of templates into per-row formulas."""

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self.tables: dict[str, Table] = {}
        self.parameters = parameters  # parameter name -> its defined name
        self.used_names: set[str] = set()

    def add(self, table: Table) -> Table:
        if table.key in self.tables:
            raise ExcelRuleError(f"two tables named {table.key}")
        self.tables[table.key] = table
        return table

    def table(self, key: str) -> Table:
        try:
            return self.tables[key]
        except KeyError:
            raise ExcelRuleError(f"no table {key!r} ({', '.join(self.tables)})") from None

    def compile(self, template: str, table: Table, column: Column) -> Render:
        """A function of the row index that gives the formula of that row, `_xlfn.` prefixes added."""
        pieces: list[str | Render] = []
        for literal, field_name, spec, conversion in string.Formatter().parse(add_prefixes(template)):
            if literal:
                pieces.append(literal)
            if field_name is not None:
                if spec or conversion:
                    raise ExcelRuleError(f"template {template!r}: no format spec or conversion allowed")
                pieces.append(self._field(field_name, table, column))
        merged: list[str | Render] = []
        for piece in pieces:  # join neighbouring constants so a row renders with few calls
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        return lambda i: "".join(p if isinstance(p, str) else p(i) for p in merged)

    def _field(self, name: str, table: Table, column: Column) -> str | Render:
        parts = name.split(".")
        where = f"{table.key}.{column.name}: {{{name}}}"
        if parts == ["column"]:  # this column, all its rows
            return table.range(column.name, sheet=False)
        if len(parts) == 1:
            letter = table.letter(parts[0])
            return lambda i: f"{letter}{table.first_row + i}"
        head, rest = column.tables.get(parts[0], parts[0]), parts[1:]
        if head == "all" and rest:
            rest = [column.tables.get(rest[0], rest[0]), *rest[1:]]
        if head == "headof" and len(rest) == 3:
            rest = [column.tables.get(rest[0], rest[0]), *rest[1:]]
        if head == "p" and len(rest) == 1:
            if rest[0] not in self.parameters:
                raise ExcelRuleError(f"{where}: no declared parameter {rest[0]!r} in data/parameters.csv")
            self.used_names.add(self.parameters[rest[0]])
            return self.parameters[rest[0]]
        if head == "n" and len(rest) == 1:
            self.used_names.add(rest[0])
            return rest[0]
        if head == "head" and len(rest) == 1:
            return f"{get_column_letter(table.column_number(column.name))}${table.head_row(rest[0])}"
        if head == "headof" and len(rest) == 2:  # another column's cell in a head row
            return f"{table.letter(rest[0])}${table.head_row(rest[1])}"
        if head == "headof" and len(rest) == 3:  # a head-row cell of another table
            other = self.table(rest[0])
            return f"{quote_sheetname(other.sheet)}!${other.letter(rest[1])}${other.head_row(rest[2])}"
        if head == "all" and len(rest) == 2:
            return self.table(rest[0]).range(rest[1])
        if head == "span" and len(rest) == 2:  # columns rest[0]..rest[1] of this row
            first, last = table.letter(rest[0]), table.letter(rest[1])
            return lambda i: f"{first}{table.first_row + i}:{last}{table.first_row + i}"
        if len(rest) == 1:
            other = self.table(head)
            col, _, key = rest[0].partition("[")
            if key:
                return other.cell(col, key.rstrip("]"), sheet=True, absolute=True)
            letter = other.letter(col)
            prefix = f"{quote_sheetname(other.sheet)}!${letter}" if other.sheet != table.sheet else f"${letter}"
            if head in column.bind:
                return f"{prefix}${other.row(column.bind[head])}"
            if other.n_rows == 1:  # a one-row table (constants, shared slopes) is the same cell for every row
                return f"{prefix}${other.first_row}"
            if other.n_rows < table.n_rows:
                raise ExcelRuleError(f"{where}: table {head} has {other.n_rows} rows, fewer than {table.key}")
            return lambda i: f"{prefix}{other.first_row + i}"
        raise ExcelRuleError(f"{where}: not a placeholder this builder knows")
