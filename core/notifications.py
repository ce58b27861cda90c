"""Notification delivery: in-app rows now; email and preferences grow here.

Nothing domain-specific: callers pass recipients, a kind, a title and a link.
Titles must never carry personal data (a person's name, case content)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.models import Notification


def notify(*, recipients: Iterable[Any], kind: str, title: str, link: str = "") -> list[Notification]:
    rows = [
        Notification(recipient=user, kind=kind, title=title, link=link)
        for user in {u.pk: u for u in recipients}.values()
    ]
    return Notification.objects.bulk_create(rows)
