"""Event notifications, kind by kind: who is told (the screening officers, the requested agency's SPOC, the
assignee, the requester and the case owner, an action's owner, the meeting's people) and who is not
(another agency, a clearance below the record's, an admin or auditor, whoever made the event). Told by
the next sweep, in the app and by email unless the person chose in-app only, and only while they may
still read the record (DESIGN.md rule 12): one who loses access before the sweep is never told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases import services as case_services
from cases.events import CONTRIBUTION_RECEIVED, REQUEST_ASSIGNED, REQUEST_RECEIVED
from cases.models import Case
from core import notifications
from core.models import Notification, Reminder, ReminderStatus
from panels import services as panel_services
from panels.events import ACTION_ASSIGNED, DECISION_RECORDED, PAPERS_READY
from partnership.models import AgencyKind, Role, User
from referrals.events import REFERRAL_SCREENED, REFERRAL_TO_SCREEN
from referrals.models import Referral
from sharing import services as sharing_services
from tests.partnership.factories import clearance
from tests.referrals.factories import submitted_referral
from tests.reminders.helpers import T0, settle, sweep, travel

pytestmark = pytest.mark.django_db

EVENT_KINDS = (
    REFERRAL_TO_SCREEN,
    REFERRAL_SCREENED,
    REQUEST_RECEIVED,
    REQUEST_ASSIGNED,
    CONTRIBUTION_RECEIVED,
    DECISION_RECORDED,
    ACTION_ASSIGNED,
    PAPERS_READY,
)
NEXT_SWEEP = T0 + dt.timedelta(minutes=1)
EVERYONE = (
    "officer",
    "regional_officer",
    "police_practitioner",
    "chair",
    "council_spoc",
    "council_worker",
    "teacher",
    "dv_teacher",
    "health_spoc",
    "health_baseline",
    "health_rep",
    "auditor",
    "admin_bystander",
    "housing_spoc",
)


@pytest.fixture
def w(world):
    with travel(T0):
        world.people(dv_teacher=(world.school, 3, Role.PRACTITIONER))
        world.agencies(housing=("Housing", AgencyKind.HOUSING))
        world.people(housing_spoc=(world.housing, 2, Role.SPOC))
        User.objects.filter(pk=world.chair.pk).update(clearance=clearance(3))  # so DV cases can be run
        world.chair.refresh_from_db()
    return world


def names(w, told: set[int]) -> set[str]:
    return {n for n in EVERYONE if getattr(w, n).pk in told}


def told(kind: str, at: dt.datetime = NEXT_SWEEP) -> tuple[set[int], set[int]]:
    """Sweep at ``at``: who got ``kind`` in the app, and who by email."""
    sweep(at)
    in_app = set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))
    addresses = {a for m in mail.outbox if m.extra_headers["X-Convene-Kind"] == kind for a in m.to}
    return in_app, set(User.objects.filter(email__in=addresses).values_list("pk", flat=True))


def told_names(w, kind: str) -> set[str]:
    in_app, emailed = told(kind)
    assert in_app == emailed, "told in the app and by email alike (nobody chose in-app only here)"
    return names(w, in_app)


def test_every_event_kind_is_a_preference_emailed_unless_chosen_otherwise(w):
    choices = notifications.email_preferences(w.health_spoc)
    assert all(choices[kind] is True for kind in EVENT_KINDS)
    notifications.set_email_preferences(user=w.health_spoc, choices=dict.fromkeys(EVENT_KINDS, False))
    assert not any(notifications.email_preferences(w.health_spoc)[kind] for kind in EVENT_KINDS)


# --- a referral to screen: the screening officers who may read it --------------------------------------------


@pytest.mark.parametrize(
    ("classification", "originator_only", "expected"),
    [
        (1, False, {"officer", "regional_officer"}),
        (3, False, {"officer"}),  # above the regional officer's Security Check
        (1, True, set()),  # the school's own: no screening agency reads it
    ],
)
def test_a_submitted_referral_is_told_to_the_screening_officers_who_may_read_it(
    w, classification, originator_only, expected
):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=classification, originator_only=originator_only)
    assert told_names(w, REFERRAL_TO_SCREEN) == expected  # never the referrer, a practitioner, admin or auditor
    for note in Notification.objects.filter(kind=REFERRAL_TO_SCREEN):
        assert referral.reference in note.title
        assert note.link.endswith(f"/{referral.pk}/")


def test_a_referral_screened_before_the_sweep_is_not_told_as_waiting(w):
    with travel(T0):
        w.case()  # submitted, then screened to the panel at once
    in_app, emailed = told(REFERRAL_TO_SCREEN)
    assert in_app == emailed == set()
    assert set(Reminder.objects.filter(kind=REFERRAL_TO_SCREEN).values_list("status", flat=True)) == {
        ReminderStatus.SKIPPED
    }


@pytest.mark.parametrize("change", ["clearance lowered", "deactivated", "classification raised"])
def test_an_officer_who_may_no_longer_read_the_referral_when_the_sweep_runs_is_not_told(w, change):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=2)
    if change == "clearance lowered":
        User.objects.filter(pk=w.regional_officer.pk).update(clearance=clearance(1))
    elif change == "deactivated":
        User.objects.filter(pk=w.regional_officer.pk).update(is_active=False)
    else:
        Referral.objects.filter(pk=referral.pk).update(classification=3)
        sharing_services.record_changed(Referral.objects.get(pk=referral.pk))
    assert told_names(w, REFERRAL_TO_SCREEN) == {"officer"}
    skipped = Reminder.objects.get(kind=REFERRAL_TO_SCREEN, recipient=w.regional_officer)
    assert skipped.status == ReminderStatus.SKIPPED
    assert skipped.notification is None
    assert not [m for m in mail.outbox if w.regional_officer.email in m.to]


@pytest.mark.parametrize(
    ("decision", "onward"),
    [("refer_to_panel", {}), ("signpost", {"signposted_to": "police_led"}), ("no_further_action", {})],
)
def test_the_referrer_hears_screening_is_done_in_the_same_words_whatever_the_decision(w, decision, onward):
    with travel(T0):
        referral = submitted_referral(w.teacher)
        settle()
        extra = {"panel": w.panel, "case_owner": w.council_worker} if decision == "refer_to_panel" else onward
        case_services.screen_referral(
            actor=w.officer, referral_id=referral.pk, decision=decision, rationale="Considered", **extra
        )
    assert told_names(w, REFERRAL_SCREENED) == {"teacher"}  # not the officer who screened it, nor anyone else
    [note] = Notification.objects.filter(kind=REFERRAL_SCREENED)
    # Never where it went (police do not confirm onward routing to a referrer), only that it was screened.
    when = "Monday 14 December 2026 at 10:00 (UK time)"
    assert note.title == f"Screening of your referral {referral.reference} was completed on {when}"


def test_a_referrer_who_may_no_longer_read_the_referral_is_not_told_it_was_screened(w):
    with travel(T0):
        referral = submitted_referral(w.teacher)
        w.screen(referral, owner=w.council_worker)
    User.objects.filter(pk=w.teacher.pk).update(is_active=False)
    assert told(REFERRAL_SCREENED) == (set(), set())


# --- information requests: the requested agency's SPOCs, the assignee ------------------------------------------


def _case(w, classification: int = 1) -> Case:
    with travel(T0):
        case = w.case(author=w.dv_teacher, owner=w.council_worker, classification=classification)
    settle()
    return case


@pytest.mark.parametrize(("classification", "expected"), [(1, {"health_spoc"}), (3, set())])
def test_a_request_is_told_to_the_requested_agencys_spocs_who_may_read_the_case(w, classification, expected):
    case = _case(w, classification)
    with travel(T0):
        w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
    # Not the chair who asked, the council, health's practitioner or its panel member, the admin or auditor.
    assert told_names(w, REQUEST_RECEIVED) == expected
    for note in Notification.objects.filter(kind=REQUEST_RECEIVED):
        assert case.reference in note.title


def test_a_request_answered_before_the_sweep_is_not_told_as_waiting(w):
    case = _case(w)
    with travel(T0):
        [request] = w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
        case_services.return_contribution(actor=w.health_spoc, request_id=request.pk, text="No", classification=1)
    assert told(REQUEST_RECEIVED) == (set(), set())


@pytest.mark.parametrize(
    ("classification", "assignee", "expected"),
    [(1, "health_baseline", {"health_baseline"}), (2, "health_baseline", set()), (1, "health_spoc", set())],
)
def test_an_assigned_request_is_told_to_the_assignee_who_may_read_the_case(w, classification, assignee, expected):
    case = _case(w, classification)
    with travel(T0):
        [request] = w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
        # The SPOC assigns: a SPOC who takes it on themself is not told of what they just did.
        case_services.assign_request(actor=w.health_spoc, request_id=request.pk, assignee=getattr(w, assignee))
    assert told_names(w, REQUEST_ASSIGNED) == expected


def test_a_contribution_is_told_to_the_requester_and_the_case_owner_not_its_author(w):
    case = _case(w)
    with travel(T0):
        [request] = w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
        case_services.return_contribution(
            actor=w.health_spoc,
            request_id=request.pk,
            text="Yes",
            classification=2,
            releasable_summary="Known to the service",
        )
    assert told_names(w, CONTRIBUTION_RECEIVED) == {"chair", "council_worker"}
    for note in Notification.objects.filter(kind=CONTRIBUTION_RECEIVED):
        assert note.title.startswith(f"An agency answered an information request about {case.reference} on ")
        assert note.link.endswith(f"/{request.pk}/")


def test_a_contribution_is_not_told_to_an_owner_below_the_cases_classification(w):
    case = _case(w, classification=2)
    User.objects.filter(pk=w.council_worker.pk).update(clearance=clearance(1))
    with travel(T0):
        [request] = w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
        case_services.return_contribution(actor=w.health_spoc, request_id=request.pk, text="No", classification=1)
    assert told_names(w, CONTRIBUTION_RECEIVED) == {"chair"}


def test_in_app_only_is_respected_for_events(w):
    notifications.set_email_preferences(user=w.health_spoc, choices={REQUEST_RECEIVED: False})
    case = _case(w)
    with travel(T0):
        w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))
    in_app, emailed = told(REQUEST_RECEIVED)
    assert (in_app, emailed) == ({w.health_spoc.pk}, set())


# --- panels: the case owner, an action's owner, the meeting's people -------------------------------------------


def _decide(w, case: Case) -> None:
    with travel(T0):
        meeting = panel_services.add_meeting(actor=w.chair, panel=w.panel, scheduled_at=T0, reason="Review")
        panel_services.add_to_agenda(actor=w.chair, meeting_id=meeting.pk, case_id=case.pk, reason="Due")
        panel_services.start_meeting(actor=w.chair, meeting_id=meeting.pk)
        panel_services.override_quorum(actor=w.chair, meeting_id=meeting.pk, reason="Not what this test is about")
        item = meeting.items.get(case=case)
        panel_services.record_decision(
            actor=w.chair, item_id=item.pk, decision="adopt", next_review_date=dt.date(2027, 2, 1)
        )


@pytest.mark.parametrize(("owner_rank", "expected"), [(2, {"council_worker"}), (1, set())])
def test_a_decision_is_told_to_the_case_owner_who_may_read_the_case(w, owner_rank, expected):
    case = _case(w, classification=2)
    User.objects.filter(pk=w.council_worker.pk).update(clearance=clearance(owner_rank))
    _decide(w, case)
    assert told_names(w, DECISION_RECORDED) == expected  # never the chair who recorded it


def test_a_decision_by_the_case_owner_themself_tells_nobody(w):
    with travel(T0):
        case = w.case(author=w.dv_teacher, owner=w.chair)
    _decide(w, case)
    assert told(DECISION_RECORDED) == (set(), set())


@pytest.mark.parametrize(
    ("classification", "owner", "agency", "expected"),
    [
        (1, None, "housing", set()),  # an agency granted nothing on the case: its SPOCs are not told
        (1, "health_baseline", "health", {"health_baseline"}),
        (2, "health_baseline", "health", set()),  # below the case's Security Check
        (1, None, "health", {"health_spoc"}),  # no one named: the owning agency's SPOCs
        (1, None, "school", set()),  # the school has no SPOC
        (1, "chair", "council", set()),  # the chair gave it to themself
    ],
)
def test_an_action_is_told_to_its_owner_who_may_read_the_case(w, classification, owner, agency, expected):
    case = _case(w, classification)
    given = {"owner_agency_id": getattr(w, agency).pk, "owner": getattr(w, owner) if owner else None}
    with travel(T0):
        w.ask(case, question="Known to you?", due_date=dt.date(2027, 1, 12))  # health may read the case now
        settle()
        panel_services.add_action(
            actor=w.chair, case_id=case.pk, description="Arrange a meeting", due_date=dt.date(2027, 1, 12), **given
        )
    assert told_names(w, ACTION_ASSIGNED) == expected
    if not expected:
        assert not Reminder.objects.filter(kind=ACTION_ASSIGNED).exists()  # not even queued


def test_a_built_agenda_is_told_to_the_meetings_people_but_the_chair_who_built_it(w):
    _case(w)
    with travel(T0):
        meeting = panel_services.add_meeting(
            actor=w.chair, panel=w.panel, scheduled_at=T0 + dt.timedelta(days=7), reason="Next"
        )
        settle()
        assert panel_services.build_agenda(actor=w.chair, meeting_id=meeting.pk), "the new case is due"
    # Health's named representative, the council's SPOC (it names none); not the chair who built it, nor
    # the police (not a member), the school (no SPOC), the admin or the auditor.
    assert told_names(w, PAPERS_READY) == {"health_rep", "council_spoc"}
    [note] = Notification.objects.filter(kind=PAPERS_READY, recipient=w.health_rep)
    assert (
        note.title
        == "The agenda and papers for the panel meeting on Monday 21 December 2026 at 10:00 (UK time) are ready to read"
    )


def test_a_built_agenda_that_adds_nothing_tells_nobody(w):
    with travel(T0):
        meeting = panel_services.add_meeting(
            actor=w.chair, panel=w.panel, scheduled_at=T0 + dt.timedelta(days=7), reason="Next"
        )
        assert panel_services.build_agenda(actor=w.chair, meeting_id=meeting.pk) == []
    assert told(PAPERS_READY) == (set(), set())
