"""What the statistics pages and the printable report draw: each published table with its chart, made
from the same suppressed figures (a chart never shows a number its table does not)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from reports import charts
from reports.dimensions import CONCERN, REFERRING_AGENCY
from reports.disclosure import QUARTERS, YEAR, Cell, Table, YearGrid
from reports.selectors import Operations, Statistics

QUARTER_BREAKDOWNS = (REFERRING_AGENCY.name, CONCERN.name)
"""The tables also shown quarter by quarter over the period's year."""
DESCRIPTION = "A bar for each row of the table that follows; a figure marked s is suppressed to protect small numbers."


@dataclass(frozen=True)
class Figure:
    table: Table
    chart: SafeString
    with_total: bool = True

    @property
    def bars(self) -> list[tuple[str, int | None]]:
        return table_bars(self.table)


def table_bars(table: Table) -> list[tuple[str, int | None]]:
    return [(cell.label, cell.count) for cell in table.rows]


def figure(table: Table, *, columns: bool = False, with_total: bool = True) -> Figure:
    draw = charts.column_chart if columns else charts.bar_chart
    chart = draw(f"Chart: {table.name}", table_bars(table), DESCRIPTION)
    return Figure(table=table, chart=chart, with_total=with_total)


def quarters_table(grid: YearGrid, year: int) -> Table:
    """The year's total row as a table of quarters (the grid's own suppression)."""
    totals = grid.shown[len(grid.labels)]
    return Table(
        name=f"Referrals a quarter in {year}",
        rows=[_cell(f"Q{q + 1}", totals[q]) for q in range(QUARTERS)],
        total=totals[YEAR],
    )


def _cell(label: str, count: int | None) -> Cell:
    return Cell(label=label, count=count, suppressed=count is None)


def statistics_figures(statistics: Statistics) -> list[Figure]:
    """The per-quarter chart, then every table of the period with its chart, in the dimensions' order."""
    quarters = quarters_table(statistics.grid(REFERRING_AGENCY.name), statistics.period.year)
    return [figure(quarters, columns=True), *(figure(table) for table in statistics.tables)]


def funnel_figure(statistics: Statistics) -> Figure:
    """Referred, screened, discussed, adopted, exited: stages, not a partition, so no total."""
    table = Table(name="From referral to exit", rows=[_cell(label, n) for label, n in statistics.funnel], total=None)
    return figure(table, with_total=False)


def operations_figures(operations: Operations) -> list[Figure]:
    return [figure(table) for table in operations.tables]


def attendance_chart(operations: Operations) -> SafeString:
    """Meetings attended by each member agency (attendance is about agencies, not people: not suppressed)."""
    bars = [(f"{row.agency} (of {row.meetings})", row.present) for row in operations.attendance]
    return charts.bar_chart(
        "Chart: Panel attendance by agency", bars, "A bar for each agency: the meetings it attended, as in the table."
    )
