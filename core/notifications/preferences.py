"""Email or in-app only, per person and kind of reminder. Mandatory kinds are always emailed."""

from __future__ import annotations

from typing import Any

from core.models import NotificationPreference
from core.notifications.kinds import mandatory_kinds, reminder_kinds


def email_preferences(user: Any) -> dict[str, bool]:
    """Each registered kind: True when the user gets it by email (default), False for in-app only."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    forced = mandatory_kinds()
    return {code: code in forced or chosen.get(code, True) for code in reminder_kinds()}


def set_email_preferences(*, user: Any, choices: dict[str, bool]) -> None:
    """Record the user's choice per kind. Mandatory and unknown kinds are ignored."""
    allowed = set(reminder_kinds()) - mandatory_kinds()
    rows = [NotificationPreference(user=user, kind=kind, email=bool(email)) for kind, email in choices.items()]
    NotificationPreference.objects.bulk_create(
        [r for r in rows if r.kind in allowed],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email"],
    )
