from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus
from core.errors import InvalidTransition, PermissionDenied, ValidationError
from panels import selectors, services
from panels.models import AgendaItem, AssessmentFactor, ItemKind, Meeting, MeetingStatus, PostExitReview
from partnership.models import Role
from tests.world import Partnership, hold_quorate, meeting_today, new_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return Partnership().join_panel()


def test_meetings_follow_the_cadence_and_moved_or_cancelled_ones_are_not_recreated(world):
    created = services.generate_meetings(panel=world.panel, until=world.panel.first_meeting_at + dt.timedelta(weeks=13))
    assert [m.slot for m in created] == [0, 1, 2]
    assert created[1].scheduled_at - created[0].scheduled_at == dt.timedelta(weeks=6)
    services.move_meeting(
        actor=world.chair,
        meeting_id=created[1].pk,
        scheduled_at=created[1].scheduled_at + dt.timedelta(days=2),
        reason="Room unavailable",
    )
    services.cancel_meeting(actor=world.chair, meeting_id=created[2].pk, reason="No cases")
    again = services.generate_meetings(panel=world.panel, until=world.panel.first_meeting_at + dt.timedelta(weeks=13))
    assert again == []
    assert Meeting.objects.get(pk=created[2].pk).status == MeetingStatus.CANCELLED
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(actor=world.teacher, meeting_id=created[0].pk, reason="x")
    with pytest.raises(ValidationError):
        services.move_meeting(actor=world.chair, meeting_id=created[0].pk, scheduled_at=timezone.now(), reason=" ")


def _meeting(world) -> Meeting:
    return services.generate_meetings(panel=world.panel, until=world.panel.first_meeting_at)[0]


def test_agenda_builds_itself_from_each_source(world):
    new_case = world.case()
    complete = world.case()
    [request] = case_services.request_information(
        actor=world.chair, case_id=complete.pk, agency_ids=[world.health.pk], question="Q"
    )
    case_services.return_contribution(actor=world.health_spoc, request_id=request.pk, text="A", classification=1)
    review = world.case()
    Case.objects.filter(pk=review.pk).update(status=CaseStatus.SUPPORT_ACTIVE)
    exited = world.case()
    Case.objects.filter(pk=exited.pk).update(status=CaseStatus.EXITED)
    PostExitReview.objects.create(case=exited, stage=6, due_on=timezone.localdate() - dt.timedelta(days=1))
    closed = world.case()
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    meeting = _meeting(world)
    services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    kinds = dict(AgendaItem.objects.filter(meeting=meeting).values_list("case_id", "kind"))
    assert kinds == {
        new_case.pk: ItemKind.NEW_CASE,
        complete.pk: ItemKind.INFORMATION_COMPLETE,
        review.pk: ItemKind.REVIEW,
        exited.pk: ItemKind.POST_EXIT_6,
    }
    # Building again adds nothing; every member agency can now read the cases.
    assert services.build_agenda(actor=world.chair, meeting_id=meeting.pk) == []
    school_member = new_user(world.school, 3, Role.PANEL_MEMBER)
    agenda = selectors.agenda_for(viewer=school_member, meeting=meeting)
    assert {r.case.pk for r in agenda.rows} == set(kinds)


def test_quorum(world):
    meeting = _meeting(world)
    world.panel.quorum_required_kinds = ["police"]
    world.panel.quorum_min_agencies = 3
    world.panel.save()
    services.record_attendance(
        actor=world.chair, meeting_id=meeting.pk, agency_id=world.council.pk, present=True, attendee=world.chair
    )
    services.record_attendance(actor=world.chair, meeting_id=meeting.pk, agency_id=world.health.pk, present=True)
    result = services.quorum(meeting)
    assert not result.met
    assert any("police" in r for r in result.reasons)
    services.record_attendance(actor=world.chair, meeting_id=meeting.pk, agency_id=world.police.pk, present=True)
    assert services.quorum(meeting).met


def _ratings(level: int) -> dict[int, tuple[int, str]]:
    return {f.pk: (level, "evidence") for f in AssessmentFactor.objects.filter(is_active=True)}


def test_adopt_with_consent_then_exit_and_two_post_exit_reviews(world):
    case = world.case(date_of_birth=dt.date(2010, 1, 1))
    meeting = meeting_today(world.panel, world.chair)
    services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    hold_quorate(world, meeting)
    item = meeting.items.get(case=case)
    with pytest.raises(ValidationError):
        services.record_decision(actor=world.chair, item_id=item.pk, decision="adopt")  # no review date
    services.record_decision(
        actor=world.chair,
        item_id=item.pk,
        decision="adopt",
        notes="Agreed",
        next_review_date=timezone.localdate() + dt.timedelta(weeks=6),
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ADOPTED
    with pytest.raises(InvalidTransition, match="consent"):
        services.activate_support_plan(actor=world.chair, case_id=case.pk, objectives="Mentoring")
    consent = {"actor": world.chair, "case_id": case.pk, "purpose": "channel_support", "status": "given"}
    with pytest.raises(ValidationError, match="parent or guardian"):
        services.record_consent(**consent, given_by="person", method="written")
    services.record_consent(**consent, given_by="parent_guardian", method="written")
    services.activate_support_plan(actor=world.chair, case_id=case.pk, objectives="Mentoring")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.SUPPORT_ACTIVE
    services.sign_minutes(actor=world.chair, meeting_id=meeting.pk)
    with pytest.raises(InvalidTransition, match="addendum"):
        services.record_attendance(actor=world.chair, meeting_id=meeting.pk, agency_id=world.health.pk, present=True)
    services.add_addendum(actor=world.chair, meeting_id=meeting.pk, text="Correction to attendance")

    second = meeting_today(world.panel, world.chair, reason="Extra")
    services.build_agenda(actor=world.chair, meeting_id=second.pk)
    hold_quorate(world, second)
    item = second.items.get(case=case)
    assert item.kind == ItemKind.REVIEW
    services.record_decision(actor=world.chair, item_id=item.pk, decision="exit", exit_reason="EXIT-RISK")
    case.refresh_from_db()
    assert case.status == CaseStatus.EXITED
    reviews = list(case.post_exit_reviews.order_by("stage"))
    assert [r.stage for r in reviews] == [6, 12]
    exit_day = timezone.localtime(case.exited_at).date()
    assert reviews[0].due_on.month == (exit_day.month + 5) % 12 + 1

    for months, kind, status in (
        (6, ItemKind.POST_EXIT_6, CaseStatus.REVIEWED_6_MONTHS),
        (12, ItemKind.POST_EXIT_12, CaseStatus.CLOSED),
    ):
        with time_machine.travel(timezone.now() + dt.timedelta(days=months * 31), tick=False):
            meeting_n = meeting_today(world.panel, world.chair, reason="Review")
            services.build_agenda(actor=world.chair, meeting_id=meeting_n.pk)
            item = meeting_n.items.get(case=case)
            assert item.kind == kind
            hold_quorate(world, meeting_n)
            services.record_decision(actor=world.chair, item_id=item.pk, decision="reviewed", notes="Settled")
            assert Case.objects.get(pk=case.pk).status == status


def test_consent_withdrawal_puts_exit_on_the_next_agenda(world):
    case = world.case()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.SUPPORT_ACTIVE)
    meeting = _meeting(world)
    services.record_consent(
        actor=world.chair,
        case_id=case.pk,
        purpose="channel_support",
        status="withdrawn",
        given_by="parent_guardian",
        method="verbal",
    )
    assert meeting.items.get(case=case).kind == ItemKind.CONSENT_WITHDRAWN


def test_assessment_versions_show_what_changed(world):
    case = world.case()
    services.record_assessment(actor=world.chair, case_id=case.pk, ratings=_ratings(1), conclusion="Low")
    ratings = _ratings(1)
    first_factor = next(iter(ratings))
    ratings[first_factor] = (3, "Escalating")
    latest = services.record_assessment(actor=world.chair, case_id=case.pk, ratings=ratings, conclusion="Higher")
    previous = case.assessments.get(version=1)
    changes = selectors.assessment_changes(latest, previous)
    assert changes == [{"factor": AssessmentFactor.objects.get(pk=first_factor).name, "was": 1, "now": 3}]


def test_panel_pack_differs_by_reader_as_the_rules_say(world):
    case = world.case()
    meeting = _meeting(world)
    services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    services.record_assessment(
        actor=world.chair, case_id=case.pk, ratings=_ratings(2), conclusion="SC only", classification=2
    )
    baseline = new_user(world.health, 1, Role.PANEL_MEMBER)
    cleared = new_user(world.health, 2, Role.PANEL_MEMBER)
    low = selectors.panel_pack_for(viewer=baseline, meeting=meeting)
    high = selectors.panel_pack_for(viewer=cleared, meeting=meeting)
    assert [c.case.pk for c in high.cases] == [case.pk]
    assert high.cases[0].latest_assessment is not None
    # The referral was classified 1 so both read the case; only the SC reader gets the SC assessment.
    assert [c.case.pk for c in low.cases] == [case.pk]
    assert low.cases[0].latest_assessment is None
