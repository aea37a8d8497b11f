"""Hardware and Sensitivity: the engine's hardware comparison and sensitivity tables, stamped at build, with
the variance shares of log energy live beside the engine's."""

from __future__ import annotations

from ...figures import TORNADO_ROWS
from ...sensitivity import ASSUMPTION_SWING
from ..book import Book, columns_of
from ..built import EngineValues
from ..charts import bar_chart, rows_spanned, text_categories
from ..formulas import REGIMES, SHARE_ROWS, share_formula
from ..grid import Column, Table

WH = "0.0000"
# Sensitivity sheet columns: name, header with unit, number format, width.
SENSITIVITY_COLUMNS = (
    ("input", "input", None, 34), ("kind", "kind", None, 11), ("low", "low value", "0.####", 12),
    ("high", "high value", "0.####", 12), ("result_low", "median at low (Wh)", WH, 12),
    ("result_high", "median at high (Wh)", WH, 12), ("change_low", "change at low (Wh)", WH, 12),
    ("change_high", "change at high (Wh)", WH, 12), ("swing", "swing (Wh)", WH, 10),
    ("variance_share", "share of Var(ln E)", "0.0%", 10), ("rank_correlation", "rank correlation", "0.00", 10))
# A tornado chart under each sensitivity table: blank rows above it, then its rows and two to spare.
TORNADO_HEIGHT_CM, TORNADO_WIDTH_CM = 12, 18
TORNADO_GAP_ROWS, TORNADO_CHART_ROWS = 2, rows_spanned(TORNADO_HEIGHT_CM) + 2


def declare(book: Book, values: EngineValues) -> None:
    g = book.grid
    g.add(Table("Hardware", "Hardware", [
        Column("model", "model", width=30), Column("node", "node", width=10), Column("gpus", "GPUs"),
        Column("precision", "precision of the benchmark rows"),
        Column("traditional_median_wh", "traditional median (Wh/query)", number_format=WH, width=16),
        Column("tts_median_wh", "test-time-scaling median (Wh/query)", number_format=WH, width=16),
        Column("h100_node", "H100 reference node"),
        Column("alpha_vs_h100_traditional", "H100 energy / this node's, traditional (x)", number_format="0.00",
               width=16),
        Column("alpha_vs_h100_tts", "H100 energy / this node's, test-time scaling (x)", number_format="0.00",
               width=16),
        Column("tps_per_gpu_vs_h100", "TPS per GPU / H100's (x)", number_format="0.00", width=14),
        Column("caveats", "caveats of the throughput rows (inferwatt hardware prints the same)", width=60)],
        book.first_row(gap=1), len(values.hardware)))

    width = len(SENSITIVITY_COLUMNS) + 1
    for k, regime in enumerate(REGIMES):  # side by side, each with its heading and a line of inputs without effect
        g.add(Table(f"Sens_{regime}", "Sensitivity", [
            Column(name, header, number_format=fmt, width=w) for name, header, fmt, w in SENSITIVITY_COLUMNS],
            book.first_row(2, gap=1), len(values.sensitivity[regime].moving), first_col=1 + k * width))
    lowest = max((f"Sens_{regime}" for regime in REGIMES), key=lambda key: g.table(key).last_row)
    share_columns = [Column("input", "random input", width=34)]
    for regime in REGIMES:
        share_columns += [Column(f"live_{regime}", f"{REGIMES[regime].short}: share of Var(ln E), live",
                                 share_formula(regime), "0.000%", 16, array=True),
                          Column(f"engine_{regime}", f"{REGIMES[regime].short}: engine at build",
                                 number_format="0.000%", width=16)]
    g.add(Table("Shares", "Sensitivity", share_columns,
                book.first_row(1, below=lowest, gap=TORNADO_GAP_ROWS + TORNADO_CHART_ROWS), tuple(SHARE_ROWS)))


def write(book: Book, values: EngineValues) -> None:
    _hardware(book, values)
    _sensitivity(book, values)
    _shares(book, values)


def _hardware(book: Book, values: EngineValues) -> None:
    """The engine's hardware comparison, stamped at build: a slot per node would be needed to make it live."""
    book.note("Hardware", f"Computed by InferWatt's engine at build ({values.trials:,} trials, seed {values.seed}) "
                          "from the throughput rows on the Benchmarks sheet and the nodes on Inputs (same as "
                          "inferwatt hardware and =IW_HARDWARE()). To see one live, set a model slot's node on "
                          "Inputs. Blackwell rows are FP4, Hopper rows FP8; the paper's own hardware lever is alpha "
                          "1.5-2.5 (Sec. 3 iii).")
    book.write("Hardware", columns_of(values.hardware, book.grid.table("Hardware")))


def _sensitivity(book: Book, values: EngineValues) -> None:
    """The engine's sensitivity of the baseline medians, stamped at build, and their tornado charts."""
    ws = book.sheets["Sensitivity"]
    note = book.note("Sensitivity", f"Computed by InferWatt's engine at build ({values.trials:,} trials, seed "
                                    f"{values.seed}), as inferwatt sensitivity and =IW_SENSITIVITY() do: random "
                                    "inputs held at their P5 and P95 (with their share of the variance of log energy "
                                    "and Spearman rank correlation), every numeric assumption swung by "
                                    f"{ASSUMPTION_SWING:.0%} either way within its bounds, and every choice "
                                    "switched; the same seed in every run. The variance shares are also live below "
                                    "the charts; the rank correlations and swings are not: ranking 30,000 pooled "
                                    "draws in formulas takes LibreOffice about 38 s per regime.")
    book.wrap_across(book.grid.table(f"Sens_{next(iter(REGIMES))}"), note.row)
    for regime in REGIMES:
        table, result = book.grid.table(f"Sens_{regime}"), values.sensitivity[regime]
        rows = result.moving
        still = "No effect over their ranges here (not in the table): " + ", ".join(result.still) if result.still \
            else ""
        book.heading(table.key, f"Baseline {REGIMES[regime].short} median: {result.result:.4g} Wh/query (values as "
                     "built)", still, column=table.first_col)
        if still:
            book.wrap_across(table, table.header_row - 1)
        book.write(table.key, {**columns_of(rows, table),
                               "change_low": [r.result_low - result.result for r in rows],
                               "change_high": [r.result_high - result.result for r in rows]})
        if not rows:
            continue
        chart = bar_chart(f"Tornado: baseline {REGIMES[regime].short} median, change in Wh/query", "Wh/query",
                          log=False)
        chart.type, chart.overlap, chart.height, chart.width = "bar", 100, TORNADO_HEIGHT_CM, TORNADO_WIDTH_CM
        top = min(TORNADO_ROWS, table.n_rows) - 1
        for column in ("change_low", "change_high"):
            chart.add_data(book.reference(table, column, last=top, header=True), titles_from_data=True)
        text_categories(chart, book.reference(table, "input", last=top))
        chart.x_axis.scaling.orientation = "maxMin"  # largest swing on top
        chart.x_axis.tickLblPos = "low"  # input names left of the bars, not across them
        ws.add_chart(chart, ws.cell(table.last_row + 1 + TORNADO_GAP_ROWS, table.first_col).coordinate)


def _shares(book: Book, values: EngineValues) -> None:
    """Variance shares of log energy of the baseline, live from the Sim sheets, beside the engine's."""
    book.heading("Shares", "Shares of the variance of ln(energy per query) of the baseline, live from the Draws and "
                           "Sim sheets")
    engine = {regime: {r.input: r.variance_share for r in values.sensitivity[regime].rows} for regime in REGIMES}
    book.write("Shares", {"input": [label for label, _ in SHARE_ROWS.values()],
                          **{f"engine_{regime}": [engine[regime].get(name, "") if name else ""
                                                  for _, name in SHARE_ROWS.values()] for regime in REGIMES}})
