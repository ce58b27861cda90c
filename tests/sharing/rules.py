"""An independent statement of who may read a referral (DESIGN.md, the sharing model, rules 4-8).

Tests compute the EXPECTED answer here, from facts they recorded while building
the world (never from sharing.policy or the grant tables), and compare it with
what the product does. Break-glass (rule 9) and drafts are stated separately:
break-glass opens the detail of one record and never lists; a draft is its
author's alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Rule 8: the case-working roles. Everyone else reads no case content by role alone.
CASE_WORKING = frozenset({"practitioner", "screening_officer", "spoc", "panel_chair", "panel_member"})


@dataclass
class Person:
    """What the test knows about a user."""

    pk: int
    agency: int | None
    rank: int
    roles: frozenset[str]
    active: bool = True
    agency_active: bool = True


@dataclass
class Grant:
    """One event that gave an agency access (rule 5)."""

    agency: int
    expires_at: dt.datetime | None = None
    revoked: bool = False

    def live(self, now: dt.datetime) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


@dataclass
class Record:
    """What the test knows about a referral."""

    pk: int
    author: int
    referring_agency: int
    classification: int
    originator_only: bool = False
    draft: bool = False
    grants: list[Grant] = field(default_factory=list)


def case_worker(person: Person) -> bool:
    return person.active and person.agency is not None and person.agency_active and bool(CASE_WORKING & person.roles)


def may_read(person: Person, record: Record, now: dt.datetime) -> bool:
    """Rules 4-8 for a submitted record; a draft is readable by its author alone."""
    if not case_worker(person):
        return False
    if record.draft:
        return person.pk == record.author
    if person.rank < record.classification:
        return False
    if record.originator_only and person.agency != record.referring_agency:
        return False
    return any(g.agency == person.agency and g.live(now) for g in record.grants)


def may_list(person: Person, record: Record, now: dt.datetime) -> bool:
    """Lists, search and counts: what ``may_read`` allows, never drafts (they are not yet shared)."""
    return not record.draft and may_read(person, record, now)
