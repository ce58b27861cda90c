"""Disclosure control for partnership statistics (ADR 0011).

Periods are whole calendar years or quarters only, so no two periods differ by a day that would
reveal one referral. A count of 1 to 4 is never shown (primary suppression).

Secondary suppression works on the whole calendar year at once, because everything published about
a year adds up: each quarter's table (categories and the quarter's total) and the year's table
(each category over the year and the grand total) are the columns of one grid

    categories x (Q1, Q2, Q3, Q4, year)  plus a total row  (quarter totals, grand total)

in which every row and every column is a sum. Seen as a bipartite graph (a node per row and per
column of the grid, an edge per suppressed cell), a suppressed cell can be solved from the published
figures exactly when its edge lies on no cycle, that is when it is a bridge. So cells are suppressed
until every line has none or at least two suppressed cells and no suppressed cell is a bridge. The
smallest non-zero cell is taken first, zeros last; totals are never taken by the search, they are
withheld only when small themselves. The total row (the number of referrals in each quarter and the
year) is the same in every table about the same referrals, so it is decided from those totals alone
and every such table withholds the same totals. ``tests/reports/test_disclosure.py`` checks the result
against linear algebra over random grids.

Snapshots (figures "as of today", not for a period) are single tables: ``suppress``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from core.errors import ValidationError

SMALL = range(1, 5)
"""Counts that are never shown."""
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")
QUARTERS = 4
YEAR = QUARTERS  # the grid's column for the whole year


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive
    year: int
    quarter: int | None  # None: the whole year

    @property
    def column(self) -> int:
        """The period's column in its year's grid: 0-3 for a quarter, ``YEAR`` for the year."""
        return YEAR if self.quarter is None else self.quarter - 1


@dataclass(frozen=True)
class Cell:
    label: str
    count: int | None  # None: suppressed
    suppressed: bool


@dataclass(frozen=True)
class Table:
    name: str
    rows: list[Cell]
    total: int | None


def parse_period(value: str | None) -> Period:
    """``2026`` (a calendar year) or ``2026-Q3`` (a calendar quarter); anything else is refused."""
    match = PERIOD.match((value or "").strip())
    if match is None or not 2000 <= int(match["year"]) <= 2100:
        raise ValidationError({"period": ["Give a calendar year (2026) or quarter (2026-Q3)."]})
    year = int(match["year"])
    if match["quarter"] is None:
        return Period(label=str(year), start=date(year, 1, 1), end=date(year, 12, 31), year=year, quarter=None)
    quarter = int(match["quarter"])
    start = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == QUARTERS else date(year, 3 * quarter + 1, 1)
    end = date.fromordinal(after.toordinal() - 1)
    return Period(label=f"{year}-Q{quarter}", start=start, end=end, year=year, quarter=quarter)


def _preference(value: int) -> tuple[bool, int]:
    """Which cell to hide next: the smallest non-zero one, zeros last."""
    return (value == 0, value)


def suppress(name: str, counts: Sequence[tuple[str, int]]) -> Table:
    """One table on its own (a snapshot): primary suppression, then a second cell (or, when nothing
    else can be hidden, the total) so that no lone hidden cell equals the total minus the rest."""
    total = sum(n for _, n in counts)
    hidden = {i for i, (_, n) in enumerate(counts) if n in SMALL}
    if len(hidden) == 1:
        others = sorted((_preference(n), i) for i, (_, n) in enumerate(counts) if i not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    rows = [
        Cell(label=label, count=None if i in hidden else n, suppressed=i in hidden)
        for i, (label, n) in enumerate(counts)
    ]
    shown_total = None if total in SMALL or len(hidden) == 1 else total
    return Table(name=name, rows=rows, total=shown_total)


# --- the year's grid ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearGrid:
    """A calendar year's counts by category (rows) and quarter, suppressed as one (module docstring).

    ``shown[r][c]`` is the published value (None: suppressed) for category ``r`` (``len(labels)``:
    the total row) in column ``c`` (0-3 the quarters, ``YEAR`` the year)."""

    name: str
    labels: list[str]
    shown: list[list[int | None]]

    @property
    def rows_with_total(self) -> list[tuple[str, list[int | None]]]:
        """Each category's quarters and year, then the totals: everything published about the year."""
        return list(zip([*self.labels, "Total"], self.shown, strict=True))

    def table(self, period: Period) -> Table:
        """The period's table: one column of the grid."""
        column = period.column
        rows = [
            Cell(label=label, count=self.shown[r][column], suppressed=self.shown[r][column] is None)
            for r, label in enumerate(self.labels)
        ]
        return Table(name=self.name, rows=rows, total=self.shown[len(self.labels)][column])


def total_row_pattern(quarter_totals: Sequence[int]) -> set[int]:
    """Which of (Q1..Q4, year) totals are withheld: decided from the totals alone, so every table about
    the same referrals withholds the same ones."""
    line = [*quarter_totals, sum(quarter_totals)]
    hidden = {c for c, n in enumerate(line) if n in SMALL}
    if len(hidden) == 1:
        others = sorted((_preference(n), c) for c, n in enumerate(line) if c not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    return hidden


def suppress_year(name: str, labels: Sequence[str], counts: Sequence[Sequence[int]]) -> YearGrid:
    """``counts[r][q]``: category ``r`` in quarter ``q`` (four per row). Suppressed as the module says."""
    if len(labels) != len(counts) or any(len(row) != QUARTERS for row in counts):
        raise ValueError("One row of four quarterly counts per label.")
    full = [[*row, sum(row)] for row in counts]
    totals = [sum(column) for column in zip(*full, strict=True)] if full else [0] * (QUARTERS + 1)
    full.append(totals)
    hidden = _secondary(full, _primary(full, total_row_pattern(totals[:QUARTERS])))
    shown = [[None if (r, c) in hidden else n for c, n in enumerate(row)] for r, row in enumerate(full)]
    return YearGrid(name=name, labels=list(labels), shown=shown)


Cellref = tuple[int, int]


def _primary(full: list[list[int]], total_pattern: set[int]) -> set[Cellref]:
    last = len(full) - 1
    hidden = {(r, c) for r, row in enumerate(full[:last]) for c, n in enumerate(row) if n in SMALL}
    return hidden | {(last, c) for c in total_pattern}


def _secondary(full: list[list[int]], hidden: set[Cellref]) -> set[Cellref]:
    """Add cells until no line holds a lone hidden cell and no hidden cell is a bridge."""
    last = len(full) - 1  # the total row: never chosen here
    hidden = set(hidden)
    while True:
        lone = _lone_line(full, hidden)
        if lone is not None:
            candidates = [cell for cell in lone if cell not in hidden and cell[0] != last]
            # A cell whose other line has a lone hidden cell too mends both lines at once.
            mends_two = [cell for cell in candidates if _hidden_across(hidden, lone, cell) == 1]
            candidates = mends_two or candidates
        else:
            bridge = _a_bridge(hidden)
            if bridge is None:
                return hidden
            (rows_a, columns_a), (rows_b, columns_b) = _sides(hidden, bridge)
            candidates = [
                (r, c)
                for r, c in _all_cells(full)
                if (r, c) not in hidden
                and r != last
                and ((r in rows_a and c in columns_b) or (r in rows_b and c in columns_a))
            ]
        if not candidates:  # only when a line has a single category: hide the line outright
            candidates = [cell for cell in _all_cells(full) if cell not in hidden]
            if not candidates:
                return hidden
        hidden.add(min(candidates, key=lambda cell: (_preference(full[cell[0]][cell[1]]), cell)))


def _all_cells(full: list[list[int]]) -> list[Cellref]:
    return [(r, c) for r in range(len(full)) for c in range(QUARTERS + 1)]


def _lone_line(full: list[list[int]], hidden: set[Cellref]) -> list[Cellref] | None:
    """The cells of the first line (row or column of the grid) with exactly one hidden cell."""
    lines = [[(r, c) for c in range(QUARTERS + 1)] for r in range(len(full))]
    lines += [[(r, c) for r in range(len(full))] for c in range(QUARTERS + 1)]
    for line in lines:
        if sum(cell in hidden for cell in line) == 1:
            return line
    return None


def _hidden_across(hidden: set[Cellref], line: list[Cellref], cell: Cellref) -> int:
    """How many hidden cells the other line through ``cell`` (its column, when ``line`` is a row) holds."""
    is_row = line[0][0] == line[-1][0]
    return sum(1 for r, c in hidden if (c == cell[1] if is_row else r == cell[0]))


def _component(edges: set[Cellref], start: tuple[str, int]) -> set[tuple[str, int]]:
    """Nodes (``("r", i)`` or ``("c", j)``) reachable from ``start`` over ``edges``."""
    seen = {start}
    frontier = [start]
    while frontier:
        kind, index = frontier.pop()
        for r, c in edges:
            if kind == "r" and r == index:
                node = ("c", c)
            elif kind == "c" and c == index:
                node = ("r", r)
            else:
                continue
            if node not in seen:
                seen.add(node)
                frontier.append(node)
    return seen


def _a_bridge(hidden: set[Cellref]) -> Cellref | None:
    """A hidden cell whose row and column are joined by no other path of hidden cells."""
    for cell in sorted(hidden):
        if ("c", cell[1]) not in _component(hidden - {cell}, ("r", cell[0])):
            return cell
    return None


def _sides(hidden: set[Cellref], bridge: Cellref) -> tuple[tuple[set[int], set[int]], tuple[set[int], set[int]]]:
    """(rows, columns) on the bridge's row's side and on its column's side, once the bridge is taken out."""
    rest = hidden - {bridge}
    sides = (_component(rest, ("r", bridge[0])), _component(rest, ("c", bridge[1])))
    return (
        ({i for kind, i in sides[0] if kind == "r"}, {i for kind, i in sides[0] if kind == "c"}),
        ({i for kind, i in sides[1] if kind == "r"}, {i for kind, i in sides[1] if kind == "c"}),
    )
