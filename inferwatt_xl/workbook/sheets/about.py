"""About: what the workbook is and how to use it, then the key results as built (plain numbers that previews and
readers without a calculation engine show) beside their live values."""

from __future__ import annotations

from ... import __version__, catalogue
from ..book import NOTE_ROW, Book
from ..built import KEY_IMPACTS, EngineValues
from ..formats import number_format
from ..formulas import audit_formula
from ..grid import Column, Table
from ..xlsx import put_text
from .reproduction import built_header, live_reference

NUM = "0.0000"
KEY_RESULTS = ("baseline_traditional_median_wh", "baseline_traditional_p25_wh", "baseline_traditional_p75_wh",
               "baseline_tts_median_wh", "baseline_tts_p25_wh", "baseline_tts_p75_wh", "beta",
               "fleet_baseline_gwh_per_day", "fleet_mixed_gwh_per_day", "fleet_mixed_improved_gwh_per_day")


def _lines(book: Book, values: EngineValues) -> list[str]:
    """The template's text, a blank line and the build's own line."""
    return [*book.spec["sheets"]["About"]["lines"], "",
            f"InferWatt version {__version__}; built under preset {values.preset} with {values.trials:,} trials, "
            f"seed {values.seed}. Method: Oviedo et al. 2025, arXiv 2509.20241. To change the number of trials, "
            "rebuild: python build.py --trials N --seed S (the seed can also be changed on the Inputs sheet)."]


def declare(book: Book, values: EngineValues) -> None:
    g, figures = book.grid, catalogue.paper_figures()
    key_rows = tuple(k for k in KEY_RESULTS if k in figures)
    text_rows = len(_lines(book, values))
    g.add(Table("Key", "About", [
        Column("quantity", "quantity", width=58), Column("unit", "unit", width=18),
        Column("built", built_header(values), number_format=NUM, width=16),
        Column("live", "live value", lambda i: "=" + live_reference(book, key_rows[i]), NUM, 16),
        Column("check", "live = engine at build?", audit_formula("{live}", "{built}"), width=24)],
        book.first_row(text_rows + 2), key_rows))  # the text from the note row on, a blank, the heading
    key = g.table("Key")
    g.add(Table("KeyImpacts", "About", [
        Column("quantity", "quantity", width=key.columns[0].width), Column("unit", "unit", width=key.columns[1].width),
        Column("built", key.columns[2].header, number_format=NUM),
        Column("live", "live value", lambda i: _live_impact(i), NUM),
        Column("check", "live = engine at build?", audit_formula("{live}", "{built}"))],
        book.first_row(1, below="Key"), tuple(k.key for k in KEY_IMPACTS)))


def _live_impact(i: int) -> str:
    """A key impact's live value: its defined name, scaled (a status text, an input missing, passes through)."""
    k = KEY_IMPACTS[i]
    if k.scale == 1:
        return f"={{n.{k.name}}}"
    return f"=IF(ISNUMBER({{n.{k.name}}}),{{n.{k.name}}}*{k.scale},{{n.{k.name}}})"


def write(book: Book, values: EngineValues) -> None:
    ws = book.sheets["About"]
    for row, line in enumerate(_lines(book, values), start=NOTE_ROW + 1):  # the text spans the table below it
        put_text(ws, row, 1, line)
        book.wrap_across(book.grid.table("Key"), row)
    rows, figures = book.grid.table("Key").rows, catalogue.paper_figures()
    book.write("Key", {"quantity": [figures[k].quantity for k in rows], "unit": [figures[k].unit for k in rows],
                       "built": [values.quantities[k] for k in rows]})
    book.heading("Key", "Key results as built (plain numbers), beside their live values")
    table = book.write("KeyImpacts", {"quantity": [k.quantity for k in KEY_IMPACTS],
                                      "unit": [k.unit for k in KEY_IMPACTS],
                                      "built": [values.key_impacts[k.key] for k in KEY_IMPACTS]})
    for k in KEY_IMPACTS:
        for column in ("built", "live"):
            ws[table.cell(column, k.key)].number_format = number_format(k.unit)
    book.heading("KeyImpacts", "Beyond the paper: cost, carbon, water and capacity as built, beside their live values")
