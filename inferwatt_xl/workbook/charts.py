"""The workbooks' native charts: bar charts Excel and both test engines draw alike, and their page areas."""

from __future__ import annotations

import math

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
from openpyxl.chart.error_bar import ErrorBars
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

# A chart fills a landscape page area of its own: CHART_PAGE_ROWS rows of 15 pt (0.53 cm) hold its height.
CHART_WIDTH_CM, CHART_HEIGHT_CM = 24, 13
CHART_FIRST_ROW, CHART_PAGE_ROWS = 3, 30
ROW_HEIGHT_CM = 15 / 72 * 2.54  # a 15 pt row (72 pt to the inch, 2.54 cm to the inch)


def rows_spanned(height_cm: float) -> int:
    """How many default-height rows a chart of this height covers."""
    return math.ceil(height_cm / ROW_HEIGHT_CM)


def bar_chart(title: str, y_title: str, log: bool = True) -> BarChart:
    """A bar chart with both axes kept visible (openpyxl omits <c:delete val="0"/>), readable numbers and
    category labels written level (Excel wraps them instead of turning them on their side)."""
    chart = BarChart()
    chart.title, chart.y_axis.title = title, y_title
    chart.height, chart.width = CHART_HEIGHT_CM, CHART_WIDTH_CM
    level = ParagraphProperties(defRPr=CharacterProperties())
    chart.x_axis.txPr = RichText(bodyPr=RichTextProperties(rot=0, vert="horz"),
                                 p=[Paragraph(pPr=level, endParaRPr=CharacterProperties())])
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = "General" if log else "0.00"
    if log:
        chart.y_axis.scaling.logBase = 10
    return chart


def text_categories(chart: BarChart, reference: Reference) -> None:
    """Category labels that are text, as Excel expects them: a string reference (openpyxl's set_categories
    writes a number reference, which Excel may show as 1, 2, 3 instead of the labels)."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(reference)))


def numbers(reference: Reference) -> NumDataSource:
    """A number reference (an error bar's values)."""
    return NumDataSource(numRef=NumRef(f=str(reference)))


def place_on_own_page(ws: Worksheet, chart: BarChart, k: int, first_row: int = CHART_FIRST_ROW) -> None:
    """Chart k from `first_row` on a page area of its own: anchored at the top of its rows, a page break after
    them, so no break cuts through it."""
    top = first_row + k * CHART_PAGE_ROWS
    ws.add_chart(chart, f"A{top}")
    ws.row_breaks.append(Break(id=top + CHART_PAGE_ROWS - 1))  # the next page area starts at its first row


def error_bar_chart(ws: Worksheet, rows: dict[str, int], columns: tuple[int, int], categories_row: int, title: str,
                    unit: str) -> BarChart:
    """Bars of a row of values across columns with P5-P95 error bars: `rows` names the sheet rows of the value,
    of value - P5 ('minus'), P95 - value ('plus') and the P95 itself (an unseen series, so that every engine's
    automatic axis reaches the top of the whiskers)."""
    first, last = columns

    def across(row: int) -> Reference:
        return Reference(ws, min_col=first, max_col=last, min_row=row, max_row=row)

    chart = bar_chart(title, unit, log=False)
    chart.y_axis.number_format = "#,##0"
    chart.add_data(across(rows["value"]), from_rows=True, titles_from_data=False)
    chart.series[0].errBars = ErrorBars(errDir="y", errBarType="both", errValType="cust", noEndCap=False,
                                        plus=numbers(across(rows["plus"])), minus=numbers(across(rows["minus"])))
    chart.add_data(across(rows["p95"]), from_rows=True, titles_from_data=False)
    chart.series[1].graphicalProperties.noFill = True
    chart.series[1].graphicalProperties.line.noFill = True
    chart.overlap = 100
    text_categories(chart, across(categories_row))
    chart.legend = None
    return chart
