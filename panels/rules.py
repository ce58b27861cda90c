"""Rules of the panel that its pages and its writes both apply, with no query of their own beyond
what each says: whether a meeting is quorate (or the chair has overridden it), and whether consent must
come from a parent or guardian. Selectors show them and services enforce them, so they sit below both."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from cases.models import Case
from panels.models import Meeting
from partnership.models import AgencyKind


@dataclass(frozen=True)
class Quorum:
    met: bool
    reasons: list[str]
    overridden: bool = False
    override_reason: str = ""

    @property
    def may_decide(self) -> bool:
        """Decisions and signing need a quorum, or the chair's override of it."""
        return self.met or self.overridden


def quorum(meeting: Meeting) -> Quorum:
    """The panel's rule: chair present, required agency kinds present, and enough member agencies in all.

    Only the panel's member agencies (and the chair's and deputy's own) count towards it; other
    agencies may attend without making the meeting quorate. One query.
    """
    panel = meeting.panel
    chairs = [pk for pk in (panel.chair_id, panel.deputy_chair_id) if pk]
    present = list(
        meeting.attendance.filter(present=True)
        .filter(Q(agency__panel_memberships__panel=panel) | Q(agency__users__pk__in=chairs))
        .distinct()
        .select_related("agency")
    )
    return quorum_of(meeting, [(a.agency.kind, a.attendee_id) for a in present])


def quorum_of(meeting: Meeting, present: list[tuple[str, int | None]]) -> Quorum:
    """``quorum`` from attendance the caller has read already (no query): ``present`` holds, for each
    agency recorded as present that counts towards it, the agency's kind and who came for it."""
    panel = meeting.panel
    chairs = [pk for pk in (panel.chair_id, panel.deputy_chair_id) if pk]
    kinds = {kind for kind, _ in present}
    reasons = []
    if panel.quorum_requires_chair and not any(attendee_id in chairs for _, attendee_id in present):
        reasons.append("The chair or deputy is not recorded as present")
    for kind in panel.quorum_required_kinds:
        if kind not in kinds:
            reasons.append(f"No {AgencyKind(kind).label.lower()} agency is present")
    if len(present) < panel.quorum_min_agencies:
        reasons.append(f"{len(present)} of the {panel.quorum_min_agencies} agencies needed are present")
    return Quorum(
        met=not reasons,
        reasons=reasons,
        overridden=meeting.quorum_overridden,
        override_reason=meeting.quorum_override_reason,
    )


def is_under_18(case: Case) -> bool:
    """For under-18s consent comes from a parent or guardian (an approximate age counts when no birth date is known)."""
    person = case.referral.subject
    if person.date_of_birth:
        eighteen_years_ago: dt.date = timezone.localdate() - relativedelta(years=18)
        return bool(person.date_of_birth > eighteen_years_ago)
    return person.approximate_age is not None and person.approximate_age < 18
