"""Keyset pagination over a unique, descending ``sort_key`` (the grant index's order).

A deep page costs what the first does, and no page counts the whole list.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.errors import ValidationError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list and the opaque cursors to its neighbours (None at either end)."""

    results: list[T]
    next_cursor: str | None
    previous_cursor: str | None


def encode_cursor(direction: str, sort_key: int) -> str:
    return base64.urlsafe_b64encode(f"{direction}:{sort_key}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        direction, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if direction not in ("n", "p"):
            raise ValueError(direction)
        return direction, int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": ["Invalid cursor."]}) from exc


def page_size_of(size: Any) -> int:
    if size in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        value = int(size)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"page_size": ["Enter a whole number."]}) from exc
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Page size must be between 1 and {MAX_PAGE_SIZE}."]})
    return value


def keyset_page(grants: Any, *, cursor: str | None, size: int) -> tuple[list[Any], str | None, str | None]:
    """One page of grant rows ordered newest change first, and the cursors around it.

    Keyset pagination on the unique ``sort_key``: a deep page costs what the first does,
    and no page counts the whole list.
    """
    direction, key = decode_cursor(cursor) if cursor else ("n", None)
    if key is not None:
        grants = (
            grants.filter(sort_key__lt=key)
            if direction == "n"
            else grants.filter(sort_key__gt=key).order_by("sort_key")
        )
    return page_beyond(
        grants,
        size=size,
        direction=direction,
        from_cursor=key is not None,
        cursor_to=lambda d, row: encode_cursor(d, row.sort_key),
    )


def page_beyond(
    rows_qs: Any, *, size: int, direction: str, from_cursor: bool, cursor_to: Callable[[str, Any], str]
) -> tuple[list[Any], str | None, str | None]:
    """One page of ``rows_qs`` (already past the cursor, in reading order for ``direction``), in display order,
    and the cursors around it: ``cursor_to(direction, row)`` encodes one. ``from_cursor``: the page was asked
    for with a cursor (the first page has no previous one)."""
    rows = list(rows_qs[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    if direction == "p":
        rows.reverse()
    next_cursor = previous_cursor = None
    if rows:
        if (direction == "n" and has_more) or direction == "p":
            next_cursor = cursor_to("n", rows[-1])
        if from_cursor and (direction == "n" or has_more):
            previous_cursor = cursor_to("p", rows[0])
    return rows, next_cursor, previous_cursor
