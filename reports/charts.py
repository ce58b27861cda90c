"""Server-rendered SVG bar charts (ADR 0027): no script and no style attribute, since the content
security policy allows neither; colours are SVG presentation attributes. Each chart is an image named
by its ``<title>`` and described by its ``<desc>``; the page puts the same numbers in a table beside
it for screen readers and anyone who prefers them. A suppressed figure draws no bar, only a marker,
so a chart never shows what its table withholds.

``column_chart`` draws a column per short label (months, quarters); ``bar_chart`` a bar per category
under its label, so long category names fit a phone's width.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

Bars = Sequence[tuple[str, int | None]]
"""(label, value) per bar; None: suppressed."""

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 600, 220, 20, 40, 36
BLUE, BLACK, GREY = "#1d70b8", "#0b0c0c", "#505a5f"
FONT = "GDS Transport, arial, sans-serif"
# bar_chart: narrower, so its text reads at 12 px or more on a 375 px phone; a row's height, its
# label's line, the bar's thickness, the text size.
BARS_WIDTH, ROW, LABEL, BAR, BAR_TEXT = 480, 50, 22, 20, 17
SUPPRESSED_MARK = "s"


def column_chart(title: str, bars: Bars, description: str = "") -> SafeString:
    """A column per label: its height the value shown; a suppressed value marked "s" with no column."""
    top = max([*(n for _, n in bars if n is not None), 5])
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT) / max(len(bars), 1)
    marks = []
    for i, (label, value) in enumerate(bars):
        middle = round(LEFT + i * slot + slot / 2)
        if value is None:
            marks.append(_text(middle, HEIGHT - BOTTOM - 4, SUPPRESSED_MARK, fill=GREY))
        else:
            height = round(plot_height * value / top)
            marks.append(
                _rect(round(LEFT + i * slot + slot * 0.15), HEIGHT - BOTTOM - height, round(slot * 0.7), height)
            )
            marks.append(_text(middle, HEIGHT - BOTTOM - height - 4, value))
        marks.append(_text(middle, HEIGHT - BOTTOM + 16, label))
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"></line>',
        LEFT,
        HEIGHT - BOTTOM,
        WIDTH,
        HEIGHT - BOTTOM,
        BLACK,
    )
    return _svg(title, description, (WIDTH, HEIGHT), [axis, *marks])


def bar_chart(title: str, bars: Bars, description: str = "") -> SafeString:
    """A horizontal bar per category, its label above it and its value at its end."""
    top = max([*(n for _, n in bars if n is not None), 5])
    plot_width = BARS_WIDTH - 60
    marks = []
    for i, (label, value) in enumerate(bars):
        y = TOP + i * ROW
        marks.append(_text(0, y + 16, label, anchor="start", size=BAR_TEXT))
        if value is None:
            marks.append(_text(4, y + LABEL + 16, SUPPRESSED_MARK, fill=GREY, anchor="start", size=BAR_TEXT))
        else:
            length = round(plot_width * value / top)
            marks.append(_rect(0, y + LABEL, length, BAR))
            marks.append(_text(length + 6, y + LABEL + 16, value, anchor="start", size=BAR_TEXT))
    return _svg(title, description, (BARS_WIDTH, TOP + len(bars) * ROW + 8), marks)


def _text(x: int, y: int, value: object, *, fill: str = BLACK, anchor: str = "middle", size: int = 14) -> SafeString:
    return format_html(
        '<text x="{}" y="{}" fill="{}" font-size="{}" font-family="{}" text-anchor="{}">{}</text>',
        x,
        y,
        fill,
        size,
        FONT,
        anchor,
        value,
    )


def _rect(x: int, y: int, width: int, height: int) -> SafeString:
    return format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>', x, y, width, height, BLUE)


def _svg(title: str, description: str, size: tuple[int, int], marks: list[SafeString]) -> SafeString:
    ident = chart_id(title)
    described = format_html(' aria-describedby="{}-desc"', ident) if description else ""
    desc = format_html('<desc id="{}-desc">{}</desc>', ident, description) if description else ""
    return format_html(
        '<svg width="100%" viewBox="0 0 {} {}" role="img" aria-labelledby="{}"{} focusable="false">'
        '<title id="{}">{}</title>{}{}</svg>',
        *size,
        ident,
        described,
        ident,
        title,
        desc,
        format_html_join("", "{}", ((mark,) for mark in marks)),
    )


def chart_id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())
