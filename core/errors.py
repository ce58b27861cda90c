"""Domain errors raised by services and mapped to responses in one place each
(``core.api.exception_handler`` for the API, the views' error summaries for pages)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError


class DomainError(Exception):
    """Base for errors a service raises on purpose, with a message for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError, DjangoPermissionDenied):
    """The actor may not do this."""


class NotFound(DomainError):
    """The record does not exist, or the actor may not know that it does."""


class InvalidTransition(DomainError):
    """The change is not allowed from the record's current state."""


class ConflictError(DomainError):
    """The record changed since the actor read it (optimistic concurrency)."""


def check_version(current: int, expected: int | None, what: str) -> None:
    """Optimistic concurrency: refuse an edit made against an older version of the record."""
    if expected is not None and int(expected) != current:
        raise ConflictError(f"Someone changed this {what} since you opened it. Reload it and try again.")


def id_or_not_found(value: Any) -> int:
    """A record id from a URL or a form: anything that is not a whole number finds nothing."""
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise NotFound("Not found.") from exc


__all__ = [
    "ConflictError",
    "DomainError",
    "InvalidTransition",
    "NotFound",
    "PermissionDenied",
    "ValidationError",
    "check_version",
    "id_or_not_found",
]
