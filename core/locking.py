"""Locking the row a service writes, for the rest of its transaction."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def locked_row(model: type[M], pk: int, *related: str, lock_related: bool = True) -> M:
    """The row, locked for the rest of the transaction (``select_for_update``), or ``NotFound``.

    ``related`` are followed in the same query and locked with it, unless ``lock_related`` is false
    (then only this row is). The caller still asks the policy: a row found here may be one the actor
    must not know exists.
    """
    queryset = model._default_manager.select_for_update(of=() if lock_related else ("self",))
    if related:
        queryset = queryset.select_related(*related)
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound("Not found.")
    return row
