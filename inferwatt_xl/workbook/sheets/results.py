"""Summary, Interventions and Fleet: the statistics of each model and of the baseline, the levers, the fleet."""

from __future__ import annotations

from dataclasses import replace

from ... import api
from ... import vocabulary as vocab
from ..book import Book
from ..built import EngineValues
from ..formulas import (
    FLEET_ARRAY_ROWS,
    FLEET_ROWS,
    PERCENTILES,
    REGIMES,
    STATS,
    lever_trim_end,
    sim_sheet,
    statistics_of,
    trimmed_values,
)
from ..grid import Column, Table
from ..xlsx import put_text

NUM = WH = "0.0000"
# The Interventions rows: no lever, then every lever of the vocabulary with the Draws column it divides by
# (a lever of one alpha its own; the combined lever the product column).
LEVERS = (("none", "none (baseline)", None), *((lv.key, lv.words, lv.alphas[0] if len(lv.alphas) == 1 else
                                               f"alpha_{lv.key}") for lv in vocab.LEVERS.values()))


def declare(book: Book, values: EngineValues) -> None:
    g, slots = book.grid, book.spec["model_slots"]
    # each slot's statistics are written as one array formula per row (_summary: slot_statistics)
    stat_columns = [Column(f"{regime}_{s}", f"{REGIMES[regime].short} {s} (Wh)", number_format=WH)
                    for regime in REGIMES for s, _ in STATS]
    g.add(Table("Summary", "Summary", [
        Column("model", "model", '=IF({Fit.model}="","",{Fit.model})', width=34), *stat_columns,
        Column("ratio", "TTS / traditional median", '=IF({model}="","",{tts_median}/{traditional_median})', "0.00"),
        *[Column(f"{regime}_{side}", f"{REGIMES[regime].short} median {label} (for error bars)",
                 '=IF({model}="","",' + expr + ")", WH)
          for regime in REGIMES for side, label, expr in (
              ("minus", "- P25", f"{{{regime}_median}}-{{{regime}_p25}}"),
              ("plus", "P75 -", f"{{{regime}_p75}}-{{{regime}_median}}"))]], book.first_row(), slots, head=("k",)))
    g.add(Table("Baseline", "Summary", [
        Column("model", "model"), *[replace(c, formula=None, array=False) for c in stat_columns],
        Column("ratio", "TTS / traditional median", "={tts_median}/{traditional_median}", "0.00")],
        book.first_row(below="Summary", gap=0, header=False), 2))

    lever_columns = [Column("lever", "lever", width=34), Column("alpha_p5", "alpha P5", number_format="0.00"),
                     Column("alpha_p95", "alpha P95", number_format="0.00")]
    for regime in REGIMES:
        lever_columns += [Column(f"{regime}_{s}", f"{REGIMES[regime].short} {s} (Wh)", number_format=WH)
                          for s, _ in STATS]
        lever_columns.append(Column(f"{regime}_reduction", f"{REGIMES[regime].short} median reduction (x)",
                                    f"={{Levers.{regime}_median[none]}}/{{{regime}_median}}", "0.00"))
        for end, q in (("lo", 0.05), ("hi", 0.95)):  # once per lever: the ends of its trimmed sample
            lever_columns.append(Column(
                f"{regime}_trim_{end}", f"{REGIMES[regime].short}: P{round(q * 100)} of the lever's trimmed sample "
                "(trim = paper)", lambda i, regime=regime, q=q: _lever_trim_formula(regime, i, q), NUM,
                array=True))
    g.add(Table("Levers", "Interventions", lever_columns, book.first_row(), tuple(k for k, _, _ in LEVERS)))

    g.add(Table("Fleet", "Fleet", [Column("quantity", "quantity", width=60),
                                   Column("value", "value", number_format=NUM, width=18),
                                   Column("name", "defined name", width=40)], book.first_row(), tuple(FLEET_ROWS)))

def write(book: Book, values: EngineValues) -> None:
    _summary(book)
    _interventions(book)
    _fleet(book)


def _summary(book: Book) -> None:
    ws, summary = book.sheets["Summary"], book.grid.table("Summary")
    book.write("Summary")
    k_row = summary.head_row("k")  # the percentiles' k, above their columns, named PERCENTILE_K
    put_text(ws, k_row, 1, "percentile (k)").font = book.styles.note
    for s, q in STATS:
        if q is not None:
            ws.cell(k_row, summary.column_number(f"traditional_{s}")).value = q
    book.define("PERCENTILE_K", summary.head_span("k", f"traditional_{PERCENTILES[0]}",
                                                  f"traditional_{PERCENTILES[-1]}"))
    for k in range(book.spec["model_slots"]):
        for regime in REGIMES:
            _slot_statistics(book, summary, k, regime)
    base = book.write("Baseline", {"model": ["Baseline (the mixture; statistics as trim says)",
                                             "Baseline as the paper prints it (each model's draws trimmed to "
                                             "P5-P95, then P10-P90, pooled)"]}, header=False)
    for regime in REGIMES:
        _statistics_row(book, base, 0, regime, None)
        _statistics_row(book, base, 1, regime, None, trimmed=True)
    for regime in REGIMES:
        for s, _ in STATS:
            book.define(f"Baseline_{REGIMES[regime].short}_{s.capitalize()}_Wh",
                        base.cell(f"{regime}_{s}", 0, sheet=True, absolute=True))
            book.define(f"Baseline_{REGIMES[regime].short}_Trimmed_{s.capitalize()}_Wh",
                        base.cell(f"{regime}_{s}", 1, sheet=True, absolute=True))
            ws[base.cell(f"{regime}_{s}", 0)].fill = book.styles.result
    book.define("Baseline_TTS_to_Traditional_Median_Ratio", base.cell("ratio", 0, sheet=True, absolute=True))


def _slot_statistics(book: Book, table: Table, k: int, regime: str) -> None:
    """A model's six statistics in its Summary row: one multi-cell array formula for the five percentiles and
    one for the mean, of every draw or (trim = paper) of the model's trimmed draws."""
    sheet, slot = sim_sheet(regime), f"slot_{k + 1}"
    column = f"{{all.{sheet}.{slot}}}"
    kept = (f"IF(({column}>={{headof.{sheet}.{slot}.trim_lo2}})*({column}<={{headof.{sheet}.{slot}.trim_hi2}}),"
            f"{column})")
    for pattern, start, end in (("PERCENTILE.INC({values},{{n.PERCENTILE_K}})", PERCENTILES[0], PERCENTILES[-1]),
                                ("AVERAGE({values})", "mean", None)):
        of = pattern.format
        formula = f'=IF({{model}}="","",IF({{p.trim}}="paper",{of(values=kept)},{of(values=column)}))'
        book.formula(table, f"{regime}_{start}", formula, k, array=True,
                     span_to=None if end is None else f"{regime}_{end}")
    _number_format(book, table, k, regime)


def _number_format(book: Book, table: Table, row: int | str, regime: str) -> None:
    ws = book.sheets[table.sheet]
    for s, _ in STATS:
        ws[table.cell(f"{regime}_{s}", row)].number_format = WH


def _interventions(book: Book) -> None:
    table = book.grid.table("Levers")
    book.write("Levers", {"lever": [label for _, label, _ in LEVERS]})
    for key, _, alpha in LEVERS:
        lever = alpha.removeprefix("alpha_") if alpha else None
        if lever in api.ALPHA_LEVERS:
            for end in ("p5", "p95"):
                book.formula(table, f"alpha_{end}", f"={{p.alpha_{lever}_{end}}}", key)
        for regime in REGIMES:
            _statistics_row(book, table, key, regime, _lever_alpha(regime, key, alpha))
    book.note("Interventions", "Each lever divides every query's energy by its own log-normal alpha (P5-P95 above). "
                               "'All three combined' multiplies the model, serving and hardware alphas: InferWatt's "
                               "reading of the paper's 8-20x for combined levers (Sec. 3), not a scenario the paper "
                               "defines.", row=table.last_row + 2)


def _statistics_row(book: Book, table: Table, row: int | str, regime: str, alpha: str | None,
                    trimmed: bool = False) -> None:
    """The baseline's six statistics in one row: a multi-cell array formula for the five percentiles
    (evaluating the masked block once) and one for the mean; of every draw or (trim = paper) of the authors'
    trimmed sample, or `trimmed` always."""
    ends = (None if alpha is None or table.key != "Levers" else
            tuple(table.cell(f"{regime}_trim_{end}", row, sheet=False, absolute=True) for end in ("lo", "hi")))

    def formula(stat: str) -> str:
        if not trimmed:
            return statistics_of(regime, alpha, stat, ends)
        values = trimmed_values(regime, alpha)
        return f"=PERCENTILE.INC({values},{{n.PERCENTILE_K}})" if stat == "PERCENTILE" else f"=AVERAGE({values})"

    book.formula(table, f"{regime}_{PERCENTILES[0]}", formula("PERCENTILE"), row, array=True,
                 span_to=f"{regime}_{PERCENTILES[-1]}")
    book.formula(table, f"{regime}_mean", formula("MEAN"), row, array=True)
    _number_format(book, table, row, regime)


def _lever_alpha(regime: str, key: str, alpha: str | None) -> str | None:
    """The Draws column a lever divides by (the improved scenario has its own for test-time scaling)."""
    return "alpha_improved_tts" if regime == "tts" and key == "improved" else alpha


def _lever_trim_formula(regime: str, row: int, q: float) -> str:
    key, _, alpha = LEVERS[row]
    alpha = _lever_alpha(regime, key, alpha)
    if alpha is None:
        return '=""'
    return f'=IF({{p.trim}}="paper",{lever_trim_end(regime, alpha, q)},"")'


def _fleet(book: Book) -> None:
    table = book.grid.table("Fleet")
    book.write("Fleet", {"quantity": [label for label, _, _ in FLEET_ROWS.values()],
                         "name": [name or "" for _, _, name in FLEET_ROWS.values()]})
    for key, (_, formula, name) in FLEET_ROWS.items():
        cell = book.formula(table, "value", formula, key, array=key in FLEET_ARRAY_ROWS)
        cell.number_format = "#,##0" if key == "queries" else NUM
        if name:
            book.define(name, table.cell("value", key, sheet=True, absolute=True))
            if name.endswith("_GWh_per_day"):
                cell.fill = book.styles.result
