"""The dance of the case list and the request queue: read the tab, filters and order from the query
string, fetch a page through a selector, and keep them all in the tab, page and "clear" links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases.list_forms import ListForm
from core.pagination import Page

Fetch = Callable[[dict[str, str], str | None], tuple[Page[Any], dict[str, Any]]]


def list_page(request: HttpRequest, form: ListForm, template: str, fetch: Fetch) -> HttpResponse:
    """``fetch(filters, cursor)`` gives the page and anything else the template shows. A filter that is
    not on offer shows the page with an error summary and no rows (400)."""
    cursor = request.GET.get("cursor") or None
    context: dict[str, Any] = {"form": form, "first_page": cursor is None, "page": None}
    if not form.is_valid():
        return render(request, template, context, status=400)
    page, extra = fetch(form.filters(), cursor)
    context.update(
        extra,
        page=page,
        tabs=form.tabs(),
        filtered=form.filtered(),
        clear_url=form.cleared(),
        previous_url=form.query(cursor=page.previous_cursor) if page.previous_cursor else "",
        next_url=form.query(cursor=page.next_cursor) if page.next_cursor else "",
    )
    return render(request, template, context)
