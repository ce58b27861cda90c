"""The trend view's charts: a column per month, drawn by ``reports.charts`` (server-rendered SVG, no
script; a suppressed month draws no bar, only a marker)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from intelligence.selectors import MonthPoint
from reports.charts import column_chart


def bar_chart(title: str, points: Sequence[MonthPoint]) -> SafeString:
    """A column per month: its height the count shown; a suppressed month marked "s" with no column."""
    return column_chart(title, [(f"{point.month:%b}", point.count) for point in points])
