"""Every reminder kind, with the clock moved: due at the right moment, to the right
people, once (the sweep runs twice), and gone when the event that made it due changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, InformationRequest, RequestStatus
from cases.reminders import REQUEST_DUE_SOON, REQUEST_OVERDUE
from core.models import Notification, NotificationPreference, Reminder, ReminderStatus
from panels import services as panel_services
from panels.models import Meeting, PostExitReview
from panels.reminders import (
    ACTION_DUE_SOON,
    ACTION_OVERDUE,
    CASE_REVIEW_DUE,
    MEETING_NOTICE,
    MEETING_PAPERS,
    POST_EXIT_REVIEW_DUE,
)
from referrals.reminders import SCREENING_AT_RISK
from sharing import services as sharing_services
from sharing.reminders import BREAK_GLASS, SHARE_EXPIRING
from tests.reminders.helpers import (
    T0,
    addresses,
    clear_mail,
    emailed,
    emails,
    ids,
    in_app,
    london,
    pending,
    settle,
    sweep,
    travel,
)

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def assert_sent_once(at: dt.datetime, kind: str, *people) -> None:
    """Nothing a minute before ``at``; at ``at`` each person once, in-app and by email; a second sweep adds nothing."""
    mails_before, notes_before = emailed(kind), in_app(kind)
    sweep(at - MINUTE)
    assert emailed(kind) == mails_before, f"{kind} went out early"
    sweep(at)
    sweep(at + MINUTE)
    assert emailed(kind) - mails_before == addresses(*people)
    assert in_app(kind) - notes_before == ids(*people)
    assert not [r for r in pending(kind) if r.due_at <= at]


# --- screening clock at risk --------------------------------------------------------------------


def test_screening_at_risk_goes_to_every_screening_officer_a_working_day_before_the_clock_runs_out(world):
    # A routine referral submitted Monday 21 December 2026: five working days skip Christmas Day and the 28th
    # (bank holidays) and the weekend, so screening is due by the end of Wednesday 30 December.
    with travel(london(2026, 12, 21, 10)):
        referral = world.referral(urgency="routine")
    assert timezone.localtime(referral.screening_due_at).date() == dt.date(2026, 12, 30)
    assert_sent_once(london(2026, 12, 29, 9), SCREENING_AT_RISK, world.officer, world.regional_officer)
    [mail_] = [m for m in emails(SCREENING_AT_RISK) if world.officer.email in m.to]
    assert referral.reference in mail_.subject
    assert "Wednesday 30 December 2026" in mail_.body


def test_screening_reminder_is_cancelled_when_the_referral_is_screened(world):
    with travel(T0):
        referral = world.referral()
        assert {r.recipient_id for r in pending(SCREENING_AT_RISK)} == {world.officer.pk, world.regional_officer.pk}
        case_services.screen_referral(
            actor=world.officer, referral_id=referral.pk, decision="no_further_action", rationale="Not Prevent"
        )
    assert not pending(SCREENING_AT_RISK)
    assert Reminder.objects.filter(kind=SCREENING_AT_RISK, status=ReminderStatus.CANCELLED).count() == 2
    sweep(london(2027, 1, 30))
    assert emailed(SCREENING_AT_RISK) == {}


# --- information requests ---------------------------------------------------------------------------


def _request(world, due: dt.date) -> InformationRequest:
    case = world.case()
    [request] = world.ask(case, question="Known to you?", due_date=due)
    settle()
    return request


def test_request_due_soon_and_overdue_go_to_the_agency_spoc_and_the_assignee(world):
    with travel(T0):
        request = _request(world, dt.date(2026, 12, 29))
        case_services.assign_request(actor=world.health_spoc, request_id=request.pk, assignee=world.health_baseline)
    # Two working days before Tuesday 29th, skipping the 28th, the weekend and Christmas Day: Wednesday 23rd.
    assert_sent_once(london(2026, 12, 23, 9), REQUEST_DUE_SOON, world.health_spoc, world.health_baseline)
    # The first working day after the due date.
    assert_sent_once(london(2026, 12, 30, 9), REQUEST_OVERDUE, world.health_spoc, world.health_baseline)


def test_returning_a_request_cancels_its_reminders(world):
    with travel(T0):
        request = _request(world, dt.date(2026, 12, 29))
        case_services.return_contribution(actor=world.health_spoc, request_id=request.pk, text="No", classification=1)
    assert not pending(REQUEST_DUE_SOON)
    assert not pending(REQUEST_OVERDUE)
    sweep(london(2027, 1, 5))
    assert emailed(REQUEST_DUE_SOON) == emailed(REQUEST_OVERDUE) == {}


def test_closing_a_request_cancels_its_reminders(world):
    with travel(T0):
        request = _request(world, dt.date(2026, 12, 29))
        case_services.close_request(actor=world.chair, request_id=request.pk, reason="Not needed")
    sweep(london(2027, 1, 5))
    assert emailed(REQUEST_DUE_SOON) == emailed(REQUEST_OVERDUE) == {}


def test_extending_a_request_moves_its_reminders(world):
    with travel(T0):
        request = _request(world, dt.date(2026, 12, 29))
        case_services.extend_request(actor=world.chair, request_id=request.pk, due_date=dt.date(2027, 1, 12))
    sweep(london(2026, 12, 31))
    assert emailed(REQUEST_DUE_SOON) == emailed(REQUEST_OVERDUE) == {}
    assert_sent_once(london(2027, 1, 8, 9), REQUEST_DUE_SOON, world.health_spoc)
    assert_sent_once(london(2027, 1, 13, 9), REQUEST_OVERDUE, world.health_spoc)
    [mail_] = [m for m in mail.outbox if "overdue" in m.subject]
    assert "Tuesday 12 January 2027" in mail_.subject


def test_the_sweep_rechecks_at_send_time_and_skips_what_is_no_longer_due(world):
    with travel(T0):
        request = _request(world, dt.date(2026, 12, 29))
    # Changed behind the services' back: the outbox still holds the reminders.
    InformationRequest.objects.filter(pk=request.pk).update(status=RequestStatus.RETURNED)
    report = sweep(london(2027, 1, 5))
    assert report.skipped == 2
    assert report.sent == 0
    assert emailed(REQUEST_OVERDUE) == {}
    assert set(
        Reminder.objects.filter(kind__in=[REQUEST_DUE_SOON, REQUEST_OVERDUE]).values_list("status", flat=True)
    ) == {ReminderStatus.SKIPPED}


# --- meetings ---------------------------------------------------------------------------------------


def _meeting(world, when: dt.datetime) -> Meeting:
    world.panel.first_meeting_at = when
    world.panel.save()
    [meeting] = panel_services.generate_meetings(panel=world.panel, until=when)
    return meeting


def test_meeting_notice_and_papers_go_to_the_chair_and_each_member_agencys_people(world):
    with travel(T0):
        meeting = _meeting(world, london(2027, 1, 14, 10))
    # Chair; Health's named representative; the council names none, so its SPOC; the school has nobody.
    people = (world.chair, world.health_rep, world.council_spoc)
    assert_sent_once(london(2027, 1, 7, 10), MEETING_NOTICE, *people)
    assert_sent_once(london(2027, 1, 13, 10), MEETING_PAPERS, *people)
    assert Meeting.objects.get(pk=meeting.pk).scheduled_at == london(2027, 1, 14, 10)


def test_panel_timings_are_the_panels_own(world):
    world.panel.notice_days_before = 10
    world.panel.papers_days_before = 3
    with travel(T0):
        _meeting(world, london(2027, 1, 14, 10))
    assert_sent_once(london(2027, 1, 4, 10), MEETING_NOTICE, world.chair, world.health_rep, world.council_spoc)
    assert_sent_once(london(2027, 1, 11, 10), MEETING_PAPERS, world.chair, world.health_rep, world.council_spoc)


def test_a_moved_meeting_moves_its_reminders_and_a_cancelled_one_has_none(world):
    with travel(T0):
        meeting = _meeting(world, london(2027, 1, 14, 10))
        panel_services.move_meeting(
            actor=world.chair, meeting_id=meeting.pk, scheduled_at=london(2027, 1, 21, 14), reason="Room"
        )
    sweep(london(2027, 1, 13, 10))
    assert emailed(MEETING_NOTICE) == {}
    assert emailed(MEETING_PAPERS) == {}
    assert_sent_once(london(2027, 1, 14, 14), MEETING_NOTICE, world.chair, world.health_rep, world.council_spoc)
    with travel(london(2027, 1, 15)):
        panel_services.cancel_meeting(actor=world.chair, meeting_id=meeting.pk, reason="No cases")
    assert not pending(MEETING_PAPERS)
    sweep(london(2027, 1, 21, 13))
    assert emailed(MEETING_PAPERS) == {}


def test_moving_a_meeting_back_revives_the_cancelled_reminders_without_resending_sent_ones(world):
    with travel(T0):
        meeting = _meeting(world, london(2027, 1, 14, 10))
    sweep(london(2027, 1, 7, 10))  # the notice goes out
    with travel(london(2027, 1, 8)):
        panel_services.move_meeting(
            actor=world.chair, meeting_id=meeting.pk, scheduled_at=london(2027, 1, 15, 10), reason="a"
        )
        panel_services.move_meeting(
            actor=world.chair, meeting_id=meeting.pk, scheduled_at=london(2027, 1, 14, 10), reason="b"
        )
    sweep(london(2027, 1, 13, 10))
    assert emailed(MEETING_NOTICE) == addresses(world.chair, world.health_rep, world.council_spoc)
    assert emailed(MEETING_PAPERS) == addresses(world.chair, world.health_rep, world.council_spoc)


def test_meeting_times_are_shown_in_london_time_across_the_clock_change(world):
    # Clocks go forward on 28 March 2027: a 10:00 meeting on 1 April is 09:00 UTC.
    with travel(T0):
        meeting = _meeting(world, london(2027, 4, 1, 10))
    notice = Reminder.objects.filter(kind=MEETING_NOTICE, object_id=meeting.pk).first()
    assert notice.due_at == london(2027, 3, 25, 10)  # a week before, 10:00 on London's clock (GMT then)
    assert notice.due_at.utcoffset() == dt.timedelta(0)
    sweep(london(2027, 3, 25, 10))
    [message] = [m for m in mail.outbox if world.chair.email in m.to]
    assert "Thursday 1 April 2027 at 10:00 (UK time)" in message.subject


# --- actions ----------------------------------------------------------------------------------------


def _case_health_may_read(world) -> Case:
    """A case Health was asked about, so Health reads it (DESIGN.md rule 5)."""
    case = world.case()
    world.ask(case, question="Known?", due_date=dt.date(2027, 2, 1))
    return case


def test_action_reminders_go_to_the_owning_agencys_spocs_without_an_owner_and_stop_when_done(world):
    with travel(T0):
        case = _case_health_may_read(world)
        action = panel_services.add_action(
            actor=world.chair,
            case_id=case.pk,
            description="Home visit",
            owner_agency_id=world.health.pk,
            due_date=dt.date(2027, 1, 6),
        )
    assert_sent_once(london(2027, 1, 4, 9), ACTION_DUE_SOON, world.health_spoc)
    with travel(london(2027, 1, 5)):
        panel_services.complete_action(actor=world.chair, action_id=action.pk)
    sweep(london(2027, 1, 8))
    assert emailed(ACTION_OVERDUE) == {}


def test_action_reminders_go_to_the_named_owner(world):
    with travel(T0):
        case = _case_health_may_read(world)
        panel_services.add_action(
            actor=world.chair,
            case_id=case.pk,
            description="Mentor",
            owner_agency_id=world.health.pk,
            owner=world.health_baseline,
            due_date=dt.date(2027, 1, 6),
        )
    assert_sent_once(london(2027, 1, 4, 9), ACTION_DUE_SOON, world.health_baseline)
    assert_sent_once(london(2027, 1, 7, 9), ACTION_OVERDUE, world.health_baseline)


# --- case reviews and post-exit reviews ---------------------------------------------------------------


def _decide(world, case: Case, when: dt.datetime, *, reason: str = "Review", built: bool = False, **decision) -> None:
    """A meeting at ``when`` with the case on its agenda (added, or ``built`` from what is due) decides."""
    meeting = panel_services.add_meeting(actor=world.chair, panel=world.panel, scheduled_at=when, reason=reason)
    if built:
        panel_services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    else:
        panel_services.add_to_agenda(actor=world.chair, meeting_id=meeting.pk, case_id=case.pk, reason="Due")
    panel_services.start_meeting(actor=world.chair, meeting_id=meeting.pk)
    panel_services.override_quorum(
        actor=world.chair, meeting_id=meeting.pk, reason="Attendance is not what this test is about"
    )
    item = meeting.items.get(case=case)
    panel_services.record_decision(actor=world.chair, item_id=item.pk, **decision)


def test_case_review_due_goes_to_the_case_owner_and_the_chair_and_follows_the_latest_decision(world):
    with travel(T0):
        case = world.case(owner=world.council_worker)
        _decide(world, case, T0, decision="adopt", next_review_date=dt.date(2027, 2, 1))
    # Five working days before Monday 1 February 2027.
    assert_sent_once(london(2027, 1, 25, 9), CASE_REVIEW_DUE, world.council_worker, world.chair)
    clear_mail()
    with travel(london(2027, 2, 1, 10)):
        _decide(world, case, london(2027, 2, 1, 10), decision="continue", next_review_date=dt.date(2027, 3, 15))
        _decide(world, case, london(2027, 2, 1, 11), decision="continue", next_review_date=dt.date(2027, 3, 22))
    # The later decision replaced the earlier date.
    sweep(london(2027, 3, 9, 9))
    assert emailed(CASE_REVIEW_DUE) == {}
    assert_sent_once(london(2027, 3, 15, 9), CASE_REVIEW_DUE, world.council_worker, world.chair)


def _exited(world) -> Case:
    """A case the council worker owns, adopted and then exited at T0."""
    with travel(T0):
        case = world.case(owner=world.council_worker)
        _decide(world, case, T0, decision="adopt", next_review_date=dt.date(2027, 2, 1))
        _decide(world, case, T0 + dt.timedelta(hours=1), decision="exit", exit_reason="EXIT-RISK")
    return case


def test_exit_cancels_the_case_review_and_schedules_both_post_exit_reviews(world):
    case = _exited(world)
    assert not pending(CASE_REVIEW_DUE)
    reviews = {r.stage: r.due_on for r in PostExitReview.objects.filter(case=case)}
    assert reviews == {6: dt.date(2027, 6, 14), 12: dt.date(2027, 12, 14)}
    sweep(london(2027, 2, 1, 9))
    assert emailed(CASE_REVIEW_DUE) == {}
    # Ten working days before Monday 14 June 2027, skipping the bank holiday on 31 May.
    assert_sent_once(london(2027, 5, 28, 9), POST_EXIT_REVIEW_DUE, world.chair, world.council_worker)
    clear_mail()
    # Ten working days before Tuesday 14 December 2027.
    assert_sent_once(london(2027, 11, 30, 9), POST_EXIT_REVIEW_DUE, world.chair, world.council_worker)


def test_a_held_post_exit_review_is_not_reminded_and_closing_the_case_stops_the_rest(world):
    case = _exited(world)
    sweep(london(2027, 5, 28, 9))
    assert emailed(POST_EXIT_REVIEW_DUE) == addresses(world.chair, world.council_worker)
    with travel(london(2027, 6, 14, 10)):  # the 6-month review is held when due
        _decide(
            world,
            case,
            london(2027, 6, 14, 11),
            reason="Post-exit review",
            built=True,
            decision="reviewed",
            notes="Settled",
        )
    six, _twelve = PostExitReview.objects.filter(case=case).order_by("stage")
    assert Reminder.objects.filter(object_id=six.pk, kind=POST_EXIT_REVIEW_DUE).exclude(status="sent").count() == 0
    assert len(pending(POST_EXIT_REVIEW_DUE)) == 2  # the 12-month review is still ahead
    with travel(london(2027, 7, 1, 10)):  # then the panel escalates: the case closes
        _decide(world, case, london(2027, 7, 1, 10), decision="escalate")
    assert not pending(POST_EXIT_REVIEW_DUE)
    sweep(london(2027, 12, 31))
    assert emailed(POST_EXIT_REVIEW_DUE) == addresses(world.chair, world.council_worker)


# --- break-glass --------------------------------------------------------------------------------------


def test_break_glass_is_in_app_at_once_and_emailed_by_the_next_sweep_even_to_those_who_opted_out(world):
    with travel(T0):
        referral = world.referral()
    # The auditor chose in-app only: break-glass is mandatory, so the email still comes.
    NotificationPreference.objects.create(user=world.auditor, kind=BREAK_GLASS, email=False)
    with travel(T0 + dt.timedelta(hours=1)):
        sharing_services.open_break_glass(
            actor=world.health_baseline, record=referral, reason="Urgent call from A&E tonight"
        )
    # In-app straight away, in the event's transaction; nothing on the request path touched email or the broker.
    assert in_app(BREAK_GLASS) == ids(world.health_spoc, world.auditor)
    assert emailed(BREAK_GLASS) == {}
    sweep(T0 + dt.timedelta(hours=1, minutes=1))
    sweep(T0 + dt.timedelta(hours=1, minutes=2))
    assert emailed(BREAK_GLASS) == addresses(world.health_spoc, world.auditor)
    assert in_app(BREAK_GLASS) == ids(world.health_spoc, world.auditor)  # no second in-app copy
    assert (
        Notification.objects.filter(kind=BREAK_GLASS, recipient=world.auditor).get().link == "/governance/break-glass/"
    )


# --- shares ---------------------------------------------------------------------------------------


def test_share_expiring_reminds_the_sharer_two_days_before(world):
    with travel(T0):
        referral = world.referral()
        sharing_services.share_with_agency(
            actor=world.teacher,
            record=referral,
            agency=world.health,
            reason="Health input",
            expires_at=london(2027, 1, 10, 17),
        )
    assert_sent_once(london(2027, 1, 8, 17), SHARE_EXPIRING, world.teacher)


def test_a_revoked_share_is_not_reminded_nor_one_made_close_to_expiry(world):
    with travel(T0):
        referral = world.referral()
        share = sharing_services.share_with_agency(
            actor=world.teacher,
            record=referral,
            agency=world.health,
            reason="Health input",
            expires_at=london(2027, 1, 10, 17),
        )
        sharing_services.revoke_share(actor=world.teacher, record=referral, share_id=share.pk, reason="Done")
        sharing_services.share_with_agency(
            actor=world.teacher,
            record=referral,
            agency=world.council,
            reason="Quick look",
            expires_at=T0 + dt.timedelta(days=1),
        )
    assert not pending(SHARE_EXPIRING)
    sweep(london(2027, 1, 31))
    assert emailed(SHARE_EXPIRING) == {}
