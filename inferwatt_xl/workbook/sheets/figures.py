"""Charts: the paper's figures 1-3 and a histogram of the baseline, live from the Summary, Interventions and Fleet
sheets, one page area each; the histogram's data below them."""

from __future__ import annotations

from openpyxl.chart.error_bar import ErrorBars

from ..book import Book
from ..built import EngineValues
from ..charts import CHART_FIRST_ROW, CHART_PAGE_ROWS, bar_chart, numbers, place_on_own_page, text_categories
from ..formulas import REGIMES, baseline_mask, energy_block
from ..grid import Column, Table
from ..xlsx import put_text

CHARTS_ON_SHEET = 4  # the four figures, one page area each (charts.place_on_own_page)
# The last histogram bin has no upper bound (a huge number in the cell): shown in words, not as ###.
OPEN_TOP = '[>=1E+100]"no limit";0.000'


def declare(book: Book, values: EngineValues) -> None:
    bins = book.spec["histogram_bins"]
    book.grid.add(Table("Hist", "Charts", [
        Column("label", "energy per query (Wh)", width=16),
        Column("from_wh", "from (Wh)", number_format="0.000"), Column("to_wh", "to (Wh)", number_format=OPEN_TOP),
        *[Column(regime, f"baseline queries, {'traditional' if regime == 'traditional' else 'test-time scaling'}",
                 f"=SUM({baseline_mask(regime)}*({energy_block(regime)}>={{from_wh}})*"
                 f"({energy_block(regime)}<{{to_wh}}))", "0", 16, array=True)
          for regime in REGIMES]], CHART_FIRST_ROW + CHARTS_ON_SHEET * CHART_PAGE_ROWS + 1, bins + 2))


def write(book: Book, values: EngineValues) -> None:
    _histogram(book)
    summary, levers, fleet, hist = (book.grid.table(k) for k in ("Summary", "Levers", "Fleet", "Hist"))
    ref, ws = book.reference, book.sheets["Charts"]

    c1 = bar_chart("Figure 1: energy per query by model, median with P25-P75 (Wh, log scale)", "Wh/query")
    for regime in REGIMES:
        c1.add_data(ref(summary, f"{regime}_median", header=True), titles_from_data=True)
        c1.series[-1].errBars = ErrorBars(errDir="y", errBarType="both", errValType="cust", noEndCap=False,
                                          plus=numbers(ref(summary, f"{regime}_plus")),
                                          minus=numbers(ref(summary, f"{regime}_minus")))
    text_categories(c1, ref(summary, "model"))
    place_on_own_page(ws, c1, 0)

    c2 = bar_chart("Figure 2: baseline and efficiency levers, median (Wh, log scale)", "Wh/query")
    for regime in REGIMES:
        c2.add_data(ref(levers, f"{regime}_median", header=True), titles_from_data=True)
    text_categories(c2, ref(levers, "lever"))
    place_on_own_page(ws, c2, 1)

    c3 = bar_chart("Figure 3: fleet energy (GWh/day)", "GWh/day", log=False)
    c3.add_data(ref(fleet, "value", "fleet_baseline", "fleet_mixed_improved"), titles_from_data=False)
    text_categories(c3, ref(fleet, "quantity", "fleet_baseline", "fleet_mixed_improved"))
    c3.legend = None
    place_on_own_page(ws, c3, 2)

    c4 = bar_chart("Histogram: baseline energy per query (every draw counted)", "queries", log=False)
    c4.x_axis.title = "Wh/query (log-spaced bins; first and last bins catch the tails)"
    for regime in REGIMES:
        c4.add_data(ref(hist, regime, header=True), titles_from_data=True)
    text_categories(c4, ref(hist, "label"))
    c4.y_axis.number_format = "#,##0"
    place_on_own_page(ws, c4, 3)
    book.heading("Hist", "Histogram data")  # on the page after the charts


def _histogram(book: Book) -> None:
    """Log-spaced bins between the template's bounds, an open bin either side, and each bin's count of draws."""
    ws, st, hist = book.sheets["Charts"], book.styles, book.grid.table("Hist")
    lo, hi, bins = book.spec["histogram_min_wh"], book.spec["histogram_max_wh"], book.spec["histogram_bins"]
    edges = [0.0] + [lo * (hi / lo) ** (i / bins) for i in range(bins + 1)] + [1e308]
    labels = [f"< {lo:g}"] + [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(1, bins + 1)] + [f">= {hi:g}"]
    book.write("Hist", {"label": labels, "from_wh": edges[:-1], "to_wh": edges[1:]})
    total_row = hist.last_row + 1
    put_text(ws, total_row, 1, "all bins (every draw counted)").font = st.bold
    for regime in REGIMES:
        book.formula(hist, regime, f"=SUM({hist.range(regime, sheet=False)})", at=total_row)
        book.formula(hist, regime, f"=SUM({baseline_mask(regime)})", at=total_row + 1, array=True)
    put_text(ws, total_row + 1, 1, "baseline draws (trials x models)").font = st.bold
