"""Disclosure control for partnership statistics.

A count of 1 to 4 is never shown (primary suppression), and a table never leaves a lone
suppressed cell that its total and the other cells would give away (secondary suppression:
the next smallest cell is suppressed with it, or the total when nothing else can be). A
total of 1 to 4 is suppressed too. Periods are whole calendar years or quarters only, so
no two periods differ by a day that would reveal one referral.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.errors import ValidationError

SMALL = range(1, 5)
"""Counts that are never shown."""
PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


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
        return Period(label=str(year), start=date(year, 1, 1), end=date(year, 12, 31))
    quarter = int(match["quarter"])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1).replace(day=1)
    return Period(label=f"{year}-Q{quarter}", start=start, end=date.fromordinal(end.toordinal() - 1))


def suppress(name: str, counts: list[tuple[str, int]]) -> Table:
    """One table with primary and secondary suppression (see the module's docstring)."""
    total = sum(n for _, n in counts)
    hidden = {i for i, (_, n) in enumerate(counts) if n in SMALL}
    if len(hidden) == 1:
        # A lone hidden cell = total - the rest: hide the smallest other non-zero cell with it.
        others = sorted((n, i) for i, (_, n) in enumerate(counts) if i not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    rows = [
        Cell(label=label, count=None if i in hidden else n, suppressed=i in hidden)
        for i, (label, n) in enumerate(counts)
    ]
    shown_total: int | None = total
    if total in SMALL or (len(hidden) == 1):
        # Only when nothing else could be hidden beside the lone cell: then the total would give it away.
        shown_total = None
    return Table(name=name, rows=rows, total=shown_total)
