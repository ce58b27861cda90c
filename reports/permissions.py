"""Who reads the partnership's statistics (DESIGN.md: chairs, admins and auditors; never anonymous).

Statistics are aggregates with disclosure control (``reports.disclosure``), so reading them needs no
case-working grant; a role alone decides, here and nowhere else in this app."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from partnership.models import Role
from sharing import policy

STATISTICS_READERS = frozenset({Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR})


class Capability(StrEnum):
    READ_STATISTICS = "read_statistics"


def can_read_statistics(user: Any) -> bool:
    """An active, signed-in chair, partnership admin or auditor."""
    return policy.holds_any_role(user, STATISTICS_READERS)
