"""The Home Office return (CSV) and the printable partnership report (PDF), from the same suppressed
figures as the pages and the API.

The CSV follows the shape of the Home Office's published Prevent and Channel tables: one block per
table (referrals by source sector, by type of concern, by age group, by gender; discussed at a Channel
panel; adopted as a Channel case), a row per category with its number, and the government
statistical convention ``[c]`` (confidential) where a figure is suppressed.

The PDF draws each chart with reportlab's graphics (rectangles and strings, the same bars as the
SVG on the page) above its data table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from cases.exports import csv_cell
from core.pdf import BODY_WIDTH, PdfDocument
from reports.dimensions import AGE, CONCERN, GENDER, SOURCE_SECTOR
from reports.disclosure import SMALL, Table
from reports.figures import Figure, funnel_figure, operations_figures, statistics_figures
from reports.selectors import Operations, Statistics

SUPPRESSED = "[c]"
RETURN_TABLES = (
    (SOURCE_SECTOR.name, "Referrals by sector of referral"),
    (CONCERN.name, "Referrals by type of concern"),
    (AGE.name, "Referrals by age group"),
    (GENDER.name, "Referrals by gender"),
)
PANEL_STAGES = (
    ("Discussed at panel", "Referrals discussed at a Channel panel"),
    ("Adopted", "Adopted as a Channel case"),
)
NOTE = (
    f"Figures from 1 to {SMALL.stop - 1} are suppressed, and so is any figure that would let one be "
    "worked out; suppressed figures are shown as [c]."
)


def _figure(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def home_office_csv(statistics: Statistics) -> str:
    """The period's return: ``Table, Period, Category, Number`` rows, a total row per table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    period = statistics.period.label
    writer.writerow(["Table", "Period", "Category", "Number"])
    for name, published_as in RETURN_TABLES:
        table = statistics.table(name)
        for cell in table.rows:
            writer.writerow([published_as, period, csv_cell(cell.label), _figure(cell.count)])
        writer.writerow([published_as, period, "Total", _figure(table.total)])
    stages = dict(statistics.funnel)
    for stage, published_as in PANEL_STAGES:
        writer.writerow([published_as, period, "Total", _figure(stages[stage])])
    writer.writerow(["Note", period, NOTE, ""])
    return buffer.getvalue()


class StatisticsPdf(PdfDocument):
    """The partnership report: the shared PDF builder with bar charts."""

    def bars(self, bars: list[tuple[str, int | None]]) -> None:
        """A horizontal bar per row, its label above it: the page's SVG chart, drawn by reportlab."""
        row, width = 26, BODY_WIDTH
        top = max([*(n for _, n in bars if n is not None), 5])
        drawing = Drawing(width, row * len(bars) + 4)
        for i, (label, value) in enumerate(bars):
            y = drawing.height - (i + 1) * row
            drawing.add(String(0, y + 14, label, fontName="Helvetica", fontSize=8))
            if value is None:
                drawing.add(String(2, y + 3, "s (suppressed)", fontName="Helvetica", fontSize=8, fillColor=colors.grey))
                continue
            length = (width - 40) * value / top
            drawing.add(Rect(0, y + 2, length, 10, fillColor=colors.HexColor("#1d70b8"), strokeColor=None))
            drawing.add(String(length + 4, y + 3, str(value), fontName="Helvetica", fontSize=8))
        self._flow.append(drawing)
        self.spacer(2)

    def figure(self, figure: Figure) -> None:
        def build() -> None:
            self.heading(figure.table.name, 2)
            self.bars(figure.bars)
            self.table(["", "Number"], _rows(figure.table, with_total=figure.with_total), widths=[130, 44])

        self.keep_together(build)


def _rows(table: Table, *, with_total: bool) -> list[list[str]]:
    rows = [[cell.label, _figure(cell.count)] for cell in table.rows]
    return [*rows, ["Total", _figure(table.total)]] if with_total else rows


def partnership_report_pdf(statistics: Statistics, operations: Operations, *, reader: str, now: dt.datetime) -> bytes:
    document = StatisticsPdf(title="Partnership statistics", reader=reader, generated_at=now)
    document.heading(f"Partnership statistics: {statistics.period.label}")
    document.paragraph(
        f"Referrals submitted from {statistics.period.start:%-d %B %Y} to {statistics.period.end:%-d %B %Y}."
    )
    document.inset(f"{NOTE[:-1]} in the tables and s in the charts.")
    compliance = statistics.screening_compliance
    if compliance is not None:
        document.paragraph(f"{compliance}% of the referrals screened were screened within the clock.")
    for figure in [funnel_figure(statistics), *statistics_figures(statistics)]:
        document.figure(figure)
    document.page_break()
    document.heading("The partnership today")
    for figure in operations_figures(operations):
        document.figure(figure)
    document.heading("Panel attendance", 2)
    document.table(
        ["Agency", f"Meetings attended of the last {operations.meetings} held"],
        [[row.agency, f"{row.present} of {row.meetings}"] for row in operations.attendance],
        widths=[110, 64],
    )
    return document.render()
