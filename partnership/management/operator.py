"""What the commands an operator runs at the shell share: the person a command acts as, named by
their username, and a service's refusal shown as the command's error (with its message, not a trace)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from core.errors import DomainError, ValidationError
from partnership.models import User


def user_named(username: str, *, option: str = "") -> User:
    """The user called ``username``; a command error naming the ``option`` it came from when there is none."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user called {username!r}{f' ({option})' if option else ''}.")
    return user


@contextmanager
def refusals_as_command_errors() -> Iterator[None]:
    """A service's validation error or domain refusal, raised inside, becomes a command error."""
    try:
        yield
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from exc
    except DomainError as exc:
        raise CommandError(exc.message) from exc
