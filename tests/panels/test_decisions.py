"""Recording a panel decision validates everything before it writes anything.

A decision the case's state does not allow (DESIGN.md, Workflows: a case is adopted or not
adopted from information gathering, supported cases continue or exit, only adopted cases exit)
is refused with a clear message, and the refusal leaves nothing behind: no discussion, no
chronology entry, no case transition, no audit event, not even a write rolled back later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case, CaseStatus, CaseTransition
from core.errors import InvalidTransition
from core.models import AuditEvent
from panels import services
from panels.models import AgendaItem, Discussion, Meeting
from referrals.models import ChronologyEntry
from tests.world import Partnership, hold_quorate, meeting_today

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def world(db: Any) -> Partnership:
    return Partnership().join_panel()


def _on_started_meeting(world: Partnership, case: Case) -> AgendaItem:
    """The case on the agenda of a meeting held today, started and quorate."""
    meeting: Meeting = meeting_today(world.panel, world.chair)
    services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    hold_quorate(world, meeting)
    return AgendaItem.objects.get(meeting=meeting, case=case)


def _trail(case: Case) -> tuple[int, int, int, int]:
    return (
        Discussion.objects.count(),
        ChronologyEntry.objects.filter(referral_id=case.pk).count(),
        CaseTransition.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
    )


NEXT_REVIEW = {"next_review_date": timezone.localdate() + dt.timedelta(weeks=6)}


@pytest.mark.parametrize(
    ("status", "decision", "extra", "message"),
    [
        # A supported case is reviewed, not adopted again.
        (CaseStatus.SUPPORT_ACTIVE, "adopt", NEXT_REVIEW, "support plan active"),
        (CaseStatus.ADOPTED, "not_adopt", {"signposted_to": "Youth service"}, "is adopted"),
        # Only an adopted case exits.
        (CaseStatus.INFORMATION_GATHERING, "exit", {"exit_reason": "EXIT-RISK"}, "never adopted"),
        (CaseStatus.DISCUSSED, "escalate", {}, "never adopted"),
        # Support continues only for an adopted case.
        (CaseStatus.INFORMATION_GATHERING, "continue", NEXT_REVIEW, "only continue"),
    ],
)
def test_a_decision_the_case_state_does_not_allow_leaves_nothing_behind(
    world: Partnership, status: str, decision: str, extra: dict[str, Any], message: str
) -> None:
    case = world.case()
    Case.objects.filter(pk=case.pk).update(status=status)
    item = _on_started_meeting(world, case)
    before = _trail(case)

    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidTransition, match=message):
        services.record_decision(actor=world.chair, item_id=item.pk, decision=decision, notes="Discussed", **extra)

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []
    assert _trail(case) == before
    assert not Discussion.objects.filter(item=item).exists()
    assert Case.objects.get(pk=case.pk).status == status


def test_an_allowed_decision_still_records_the_discussion_the_move_and_the_trail(world: Partnership) -> None:
    case = world.case()
    item = _on_started_meeting(world, case)
    discussions, entries, transitions, events = _trail(case)

    services.record_decision(actor=world.chair, item_id=item.pk, decision="adopt", notes="Agreed", **NEXT_REVIEW)

    assert Case.objects.get(pk=case.pk).status == CaseStatus.ADOPTED
    assert Discussion.objects.get(item=item).decision == "adopt"
    after = _trail(case)
    assert after[0] == discussions + 1
    assert after[1] >= entries + 2  # the state change and the decision itself
    assert after[2] == transitions + 1
    assert after[3] > events


def test_a_second_decision_on_the_same_item_is_refused_without_writing(world: Partnership) -> None:
    case = world.case()
    item = _on_started_meeting(world, case)
    services.record_decision(actor=world.chair, item_id=item.pk, decision="adopt", **NEXT_REVIEW)
    before = _trail(case)
    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidTransition, match="already recorded"):
        services.record_decision(actor=world.chair, item_id=item.pk, decision="continue", **NEXT_REVIEW)
    assert [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)] == []
    assert _trail(case) == before
