"""GOV.UK Frontend pieces for the page templates: ``{% load govuk %}``.

Each tag writes the markup of one GOV.UK component the same way on every page, so a template says
what it shows (the column labels, a summary row's key) and not how the component is built.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.forms import BaseForm, BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from core.forms import DATE_PARTS

register = template.Library()


def _stripped(content: SafeString) -> SafeString:
    """A block tag's rendered (so already escaped) content without the white space around it."""
    return mark_safe(content.strip())  # noqa: S308


@register.simple_block_tag
def capture(content: SafeString) -> SafeString:
    """What the tag encloses, rendered and stripped: ``{% capture as name %}...{% endcapture %}`` keeps
    it in ``name`` so a layout can leave out a wrapper when a block is empty."""
    return _stripped(content)


@register.simple_block_tag
def table(content: SafeString, label: str) -> SafeString:
    """A GOV.UK table in a box that scrolls sideways when the table is wider than the screen (a phone),
    focusable and named ``label`` so keyboard and screen-reader users can reach and scroll it:
    ``{% table "Cases your agency can see" %}{% table_head ... %}<tbody>...</tbody>{% endtable %}``."""
    return format_html(
        '<div class="app-table-container" tabindex="0" role="region" aria-label="{}">\n'
        '<table class="govuk-table">\n{}\n</table>\n</div>',
        label,
        _stripped(content),
    )


@register.filter
def when(value: Any, condition: Any) -> Any:
    """``value`` if ``condition`` holds, else "": ``{% table_head "Case" "Reorder"|when:can_build %}``."""
    return value if condition else ""


@register.simple_tag
def table_head(
    *columns: str,
    caption: str = "",
    caption_class: str = "govuk-table__caption--s",
    numeric: str = "",
    hidden: str = "",
) -> SafeString:
    """A GOV.UK table's caption and header row, one ``<th scope="col">`` a column label.

    Empty labels are left out (so ``"Update"|when:can_update`` adds a column only when it holds).
    ``numeric``: comma-separated labels whose header is right-aligned; ``hidden``: labels shown
    only to screen readers (a column of buttons or links). No caption without ``caption``.
    """
    numeric_labels = {label.strip() for label in numeric.split(",") if label.strip()}
    hidden_labels = {label.strip() for label in hidden.split(",") if label.strip()}
    headers = format_html_join(
        "\n",
        '    <th scope="col" class="govuk-table__header{}">{}</th>',
        (
            (
                " govuk-table__header--numeric" if label in numeric_labels else "",
                format_html('<span class="govuk-visually-hidden">{}</span>', label)
                if label in hidden_labels
                else label,
            )
            for label in map(str, columns)
            if label
        ),
    )
    head = format_html(
        '<thead class="govuk-table__head">\n  <tr class="govuk-table__row">\n{}\n  </tr>\n</thead>', headers
    )
    if not caption:
        return head
    return format_html('<caption class="govuk-table__caption {}">{}</caption>\n{}', caption_class, caption, head)


@register.simple_block_tag
def summary_row(content: SafeString, key: str, no_actions: bool = True) -> SafeString:
    """One row of a GOV.UK summary list: ``{% summary_row "Status" %}...the value...{% endsummary_row %}``.

    ``no_actions=False`` for a list in which no row has actions (the row then reserves no space for them).
    """
    return format_html(
        '<div class="govuk-summary-list__row{}">\n'
        '  <dt class="govuk-summary-list__key">{}</dt>\n'
        '  <dd class="govuk-summary-list__value">{}</dd>\n'
        "</div>",
        " govuk-summary-list__row--no-actions" if no_actions else "",
        key,
        _stripped(content),
    )


@register.simple_block_tag
def warning_text(content: SafeString) -> SafeString:
    """GOV.UK warning text: the "!" icon and the enclosed words, which screen readers hear as "Warning ..."."""
    return format_html(
        '<div class="govuk-warning-text">\n'
        '  <span class="govuk-warning-text__icon" aria-hidden="true">!</span>\n'
        '  <strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> {}</strong>\n'
        "</div>",
        _stripped(content),
    )


@register.filter
def cursor_query(cursor: str | None) -> str:
    """The query string that opens a cursor page (``core.pagination.Page``), or "" without a cursor."""
    return f"?cursor={quote(cursor, safe='/')}" if cursor else ""


@register.inclusion_tag("includes/_pagination.html")
def pagination(
    label: str,
    *,
    page: Any = None,
    previous_url: str = "",
    next_url: str = "",
    previous_text: str = "Previous",
    next_text: str = "Next",
    unit: str = "page",
) -> dict[str, Any]:
    """GOV.UK block pagination, labelled ``label``: links to ``previous_url`` and ``next_url``, or to the
    cursors of a ``core.pagination.Page`` given as ``page``. ``unit`` ends each link's hidden text."""
    if page is not None:
        previous_url, next_url = cursor_query(page.previous_cursor), cursor_query(page.next_cursor)
    links = [
        {"rel": rel, "url": url, "text": text}
        for rel, url, text in (("prev", previous_url, previous_text), ("next", next_url, next_text))
        if url
    ]
    return {"label": label, "links": links, "unit": unit}


@register.filter
def date_boxes(field: BoundField) -> list[dict[str, Any]]:
    """The Day, Month and Year boxes of a bound ``core.forms.GovukDateField``, in order: part (the name's
    suffix), label, width (of GOV.UK's width classes), value, and error (whether to highlight the box)."""
    value = field.value()
    values = [*(value if isinstance(value, list | tuple) else ()), "", "", ""]
    error_parts = getattr(field.field.widget, "error_parts", DATE_PARTS)
    return [
        {
            "part": part,
            "label": part.capitalize(),
            "width": 4 if part == "year" else 2,
            "value": "" if values[index] is None else values[index],
            "error": bool(field.errors) and part in error_parts,
        }
        for index, part in enumerate(DATE_PARTS)
    ]


@register.filter
def error_links(form: BaseForm) -> list[dict[str, str]]:
    """A form's errors as includes/_error_summary_list.html's rows (text, href): an error of no field links
    to the form's first visible field (or the main content), a field's error to its input."""
    visible = form.visible_fields()
    first = (visible[0].id_for_label if visible else "") or "main-content"
    links = [{"text": str(error), "href": f"#{first}"} for error in form.non_field_errors()]
    links += [{"text": str(error), "href": f"#{field.id_for_label}"} for field in form for error in field.errors]
    return links
