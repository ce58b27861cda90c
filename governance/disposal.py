"""Disposal of one record: its referral, its case, its person and everything hanging off them.

What hangs off a record is found from the models themselves: every model with a chain of forward
foreign keys (one-to-ones included) to the referral or to its person. A model added later that
points at a referral is disposed with it, with no change here. The rows found are deleted
children first (so a protecting foreign key never stops a parent), with the rows that name them
generically (shares, break-glass grants, reminders and the notifications they made) and, once the
transaction commits, their files on storage.

The audit trail is never touched: its events have no foreign keys, are append-only, and the chain
stays verifiable. Only ``governance.services.approve_disposal`` calls this, inside its transaction
with the referral locked and no legal hold on it (``governance.retention.why_not_due``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import FileField, Model, Q

from core.models import Notification, Reminder
from referrals.models import Person, Referral
from sharing.models import BreakGlass, Share

ROOTS: tuple[type[Model], ...] = (Referral, Person)
# Tables that name a record by (content type, id) rather than by a foreign key.
GENERIC: tuple[type[Model], ...] = (Share, BreakGlass, Reminder)


@dataclass(frozen=True)
class Link:
    """A chain of foreign keys from a model to one of the roots, as a lookup (``case__referral``)."""

    root: type[Model]
    lookup: str


def _forward_keys(model: type[Model]) -> Iterable[Any]:
    return (
        f
        for f in model._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model is not None
    )


def _links(model: type[Model], seen: frozenset[type[Model]]) -> list[Link]:
    found: list[Link] = []
    for f in _forward_keys(model):
        target = f.related_model
        if target in ROOTS:
            found.append(Link(target, f.name))
        elif target not in seen and target is not model:
            found.extend(Link(link.root, f"{f.name}__{link.lookup}") for link in _links(target, seen | {model}))
    return found


@cache
def linked_models() -> tuple[tuple[type[Model], tuple[Link, ...]], ...]:
    """Every model (but the roots) with a chain of foreign keys to a referral or a person."""
    found = []
    for model in apps.get_models():
        if model in ROOTS or model._meta.proxy or not model._meta.managed:
            continue
        links = _links(model, frozenset())
        if links:
            found.append((model, tuple(links)))
    return tuple(found)


@cache
def deletion_order() -> tuple[type[Model], ...]:
    """The linked models and the roots, each before every model it points at."""
    remaining = {model for model, _ in linked_models()} | set(ROOTS)
    points_at = {m: {f.related_model for f in _forward_keys(m)} - {m} for m in remaining}
    order: list[type[Model]] = []
    while remaining:
        ready = [m for m in remaining if not any(m in points_at[other] for other in remaining if other is not m)]
        if not ready:  # a cycle of foreign keys: a design error, refused before anything is deleted
            raise RuntimeError(f"Foreign keys form a cycle among {sorted(m._meta.label for m in remaining)}")
        order.extend(sorted(ready, key=lambda m: m._meta.label))
        remaining -= set(ready)
    return tuple(order)


@dataclass(frozen=True)
class Removed:
    """What went, as numbers only: rows by model label, and files from storage."""

    rows: dict[str, int]
    files: int

    def as_log(self) -> dict[str, Any]:
        return {"rows": self.rows, "files": self.files}


def _found(referral_id: int, person_id: int) -> dict[type[Model], list[Any]]:
    ids: dict[type[Model], int] = {Referral: referral_id, Person: person_id}
    found: dict[type[Model], list[Any]] = {Referral: [referral_id], Person: [person_id]}
    for model, links in linked_models():
        condition = Q()
        for link in links:
            condition |= Q(**{link.lookup: ids[link.root]})
        pks = list(model._default_manager.filter(condition).values_list("pk", flat=True).distinct())
        if pks:
            found[model] = pks
    return found


def _files(found: dict[type[Model], list[Any]]) -> list[tuple[Any, str]]:
    files: list[tuple[Any, str]] = []
    for model, pks in found.items():
        for f in model._meta.concrete_fields:
            if isinstance(f, FileField):
                names = model._default_manager.filter(pk__in=pks).values_list(f.attname, flat=True)
                files.extend((f.storage, name) for name in names if name)
    return files


def _delete_generic(found: dict[type[Model], list[Any]]) -> None:
    types = ContentType.objects.get_for_models(*found)
    named = Q(pk__in=[])
    for model, pks in found.items():
        named |= Q(content_type=types[model], object_id__in=pks)
    reminders = Reminder.objects.filter(named)
    Notification.objects.filter(pk__in=reminders.filter(notification__isnull=False).values("notification")).delete()
    for generic in GENERIC:
        generic._default_manager.filter(named).delete()


def destroy_referral(referral_id: int) -> Removed:
    """Delete the referral, its case, its person and every row and file hanging off them.

    Precondition: inside a transaction, the referral locked and due (no live hold)."""
    person_id = Referral.objects.filter(pk=referral_id).values_list("subject_id", flat=True).get()
    found = _found(referral_id, person_id)
    files = _files(found)
    _delete_generic(found)
    rows: dict[str, int] = {}
    for model in deletion_order():
        pks = found.get(model)
        if pks:
            model._default_manager.filter(pk__in=pks).delete()
            rows[model._meta.label_lower] = len(pks)
    for storage, name in files:  # the bytes go only once the rows' removal is committed
        transaction.on_commit(partial(storage.delete, name))
    return Removed(rows=rows, files=len(files))
