"""Server-rendered SVG bar charts for the trend view (no script, no style attribute: the content security
policy allows neither; colours are SVG presentation attributes). Each chart is an image named by its title; the table beside it carries the
same numbers for screen readers and anyone who prefers them. A suppressed month draws no bar, only a
marker, so the chart never shows what the table withholds."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from intelligence.selectors import MonthPoint

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 600, 220, 20, 40, 36


def bar_chart(title: str, points: Sequence[MonthPoint]) -> SafeString:
    """A bar per month: its height the count shown; a suppressed month marked "s" with no bar."""
    shown = [p.count for p in points if p.count is not None]
    top = max([*shown, 5])
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for i, point in enumerate(points):
        x = round(LEFT + i * slot + slot * 0.15)
        label_x = round(LEFT + i * slot + slot / 2)
        if point.count is None:
            bars.append(
                format_html(
                    '<text x="{}" y="{}" fill="#505a5f" font-size="14" text-anchor="middle">s</text>',
                    label_x,
                    HEIGHT - BOTTOM - 4,
                )
            )
        else:
            height = round(plot_height * point.count / top)
            bars.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="#1d70b8"></rect>'
                    '<text x="{}" y="{}" fill="#0b0c0c" font-size="14" text-anchor="middle">{}</text>',
                    x,
                    HEIGHT - BOTTOM - height,
                    round(slot * 0.7),
                    height,
                    label_x,
                    HEIGHT - BOTTOM - height - 4,
                    point.count,
                )
            )
        bars.append(
            format_html(
                '<text x="{}" y="{}" fill="#0b0c0c" font-size="14" text-anchor="middle">{}</text>',
                label_x,
                HEIGHT - BOTTOM + 16,
                f"{point.month:%b}",
            )
        )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#0b0c0c" stroke-width="1"></line>',
        LEFT,
        HEIGHT - BOTTOM,
        WIDTH,
        HEIGHT - BOTTOM,
    )
    return format_html(
        '<svg width="100%" viewBox="0 0 {} {}" role="img" aria-labelledby="{}" focusable="false">'
        '<title id="{}">{}</title>{}{}</svg>',
        WIDTH,
        HEIGHT,
        _id(title),
        _id(title),
        title,
        axis,
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())
