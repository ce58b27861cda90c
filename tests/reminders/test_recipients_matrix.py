"""Telling is decided like seeing (DESIGN.md rule 12), for every kind of reminder and notification.

For each kind, the people its rules name (screening officers, the requested agency's SPOC and the
assignee, an action's owner or owning agency, the chair and the case owner, the sharer, the
panel's people, the break-glass audience), over: clearance below or equal to the record's
classification, another agency's originator-only record, an agency with no grant, a revoked or
an expired share, a deactivated person, a lowered clearance, a raised classification, a person
who is now only an admin. Expected answers come from DESIGN.md: told exactly when their agency
was granted the record AND their clearance covers its classification AND they are active in a
case-working role (rules 4, 5, 8); checked when queued and again when sent, and a skip is
recorded on the reminder. Break-glass alerts (rule 9) and meeting notices name no record.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases import services as case_services
from cases.models import Case
from cases.reminders import REQUEST_DUE_SOON, REQUEST_KINDS, REQUEST_OVERDUE
from core.models import Notification, Reminder, ReminderStatus
from panels import services as panel_services
from panels.models import Meeting
from panels.reminders import (
    ACTION_DUE_SOON,
    ACTION_OVERDUE,
    CASE_REVIEW_DUE,
    MEETING_NOTICE,
    MEETING_PAPERS,
    POST_EXIT_REVIEW_DUE,
)
from partnership.models import AgencyKind, PanelMembership, Role, User
from referrals.models import Referral
from referrals.reminders import SCREENING_AT_RISK
from sharing import services as sharing_services
from sharing.reminders import BREAK_GLASS, SHARE_EXPIRING
from tests.conftest import sign_in_verified
from tests.partnership.factories import clearance
from tests.referrals.factories import submitted_referral
from tests.reminders.helpers import T0, emails, london, pending, sweep, travel
from tests.reminders.readers import told_by_email, told_in_app, unreadable_mentions

pytestmark = pytest.mark.django_db

MAY_NOT_READ = "Recipient may not read the record it is about"
INACTIVE = "Recipient no longer active"


@pytest.fixture
def w(world):
    """The reminders world, plus a Developed Vetting referrer, a DV chair (so DV cases can be run)
    and a housing agency that reads nothing unless something is shared with it."""
    with travel(T0):
        world.people(dv_teacher=(world.school, 3, Role.PRACTITIONER), sc_teacher=(world.school, 2, Role.PRACTITIONER))
        User.objects.filter(pk=world.chair.pk).update(clearance=clearance(3))
        world.chair.refresh_from_db()
        world.agencies(housing=("Housing", AgencyKind.HOUSING))
        world.people(housing_spoc=(world.housing, 2, Role.SPOC))
    return world


def people(w, *names: str) -> set[int]:
    return {getattr(w, n).pk for n in names}


def queued(*kinds: str) -> set[int]:
    return {r.recipient_id for kind in kinds for r in pending(kind)}


def send(kind: str) -> tuple[set[int], dict[int, str]]:
    """Sweep when every pending reminder of ``kind`` is due: who was told (by email and in the app),
    and who was skipped, with the reason recorded on their reminder."""
    due = [r.due_at for r in pending(kind)]
    assert due, f"nothing of {kind} was queued"
    before = {n.pk for n in Notification.objects.filter(kind=kind)}
    sweep(max(due))
    emailed = {
        Reminder.objects.get(pk=int(m.extra_headers["X-Convene-Reminder"])).recipient_id
        for m in mail.outbox
        if m.extra_headers["X-Convene-Kind"] == kind
    }
    in_app = set(Notification.objects.filter(kind=kind).exclude(pk__in=before).values_list("recipient_id", flat=True))
    skipped = dict(
        Reminder.objects.filter(kind=kind, status=ReminderStatus.SKIPPED).values_list("recipient_id", "note")
    )
    return emailed | in_app, skipped


def lower_clearance(user: User, rank: int) -> None:
    User.objects.filter(pk=user.pk).update(clearance=clearance(rank))


def deactivate(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def reclassify(referral: Referral, *, classification: int | None = None, originator_only: bool | None = None) -> None:
    """The record's classification or originator flag changes after the reminder was queued."""
    changes = {
        k: v for k, v in {"classification": classification, "originator_only": originator_only}.items() if v is not None
    }
    Referral.objects.filter(pk=referral.pk).update(**changes)
    sharing_services.record_changed(Referral.objects.get(pk=referral.pk))


# --- screening clock at risk: the screening agencies' screening officers ------------------------------------
# Police's officer holds Developed Vetting (3); Regional police's officer holds Security Check (2).


@pytest.mark.parametrize(
    ("classification", "originator_only", "expected"),
    [
        (1, False, {"officer", "regional_officer"}),
        (2, False, {"officer", "regional_officer"}),  # equal to the regional officer's clearance
        (3, False, {"officer"}),  # above the regional officer's: not told of it, nor its reference
        (1, True, set()),  # the school's originator-only referral: no other agency reads it
    ],
)
def test_screening_reminders_reach_only_officers_who_may_read_the_referral(
    w, classification, originator_only, expected
):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=classification, originator_only=originator_only)
    if not expected:
        assert not Reminder.objects.filter(kind=SCREENING_AT_RISK).exists()
        return
    assert queued(SCREENING_AT_RISK) == people(w, *expected)
    told, _ = send(SCREENING_AT_RISK)
    assert told == people(w, *expected)
    for message in mail.outbox:
        assert (referral.reference in message.subject) is True
        assert {u.pk for u in User.objects.filter(email__in=message.to)} <= people(w, *expected)


def _change(change: str | None, person: User, referral: Referral) -> None:
    """What changes between queueing a reminder and sending it: the person, the record, or nothing."""
    if change is None:
        return
    if change.endswith("deactivated"):
        deactivate(person)
    elif change.endswith("clearance lowered"):
        lower_clearance(person, 1)
    elif change == "classification raised":
        reclassify(referral, classification=3)
    else:
        assert change == "made originator-only", change
        reclassify(referral, originator_only=True)


@pytest.mark.parametrize(
    ("change", "still_told"),
    [
        ("deactivated", {"officer"}),
        ("clearance lowered", {"officer"}),
        ("classification raised", {"officer"}),
        ("made originator-only", set()),
    ],
)
def test_screening_reminders_are_checked_again_when_sent(w, change, still_told):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=2)
    assert queued(SCREENING_AT_RISK) == people(w, "officer", "regional_officer")
    _change(change, w.regional_officer, referral)
    told, skipped = send(SCREENING_AT_RISK)
    assert told == people(w, *still_told)
    assert set(skipped) == people(w, "officer", "regional_officer") - people(w, *still_told)
    assert skipped[w.regional_officer.pk] == (INACTIVE if change == "deactivated" else MAY_NOT_READ)
    # Skipped is final: a later sweep does not try again.
    sweep(london(2027, 1, 31))
    assert not [m for m in mail.outbox if w.regional_officer.email in m.to]


# --- information requests: the requested agency's SPOC (SC) and the assignee (Baseline) -----------------------


def _case(w, classification: int, owner: User | None = None) -> Case:
    return w.case(author=w.dv_teacher, owner=owner or w.council_worker, classification=classification)


def _request_to_health(w, case: Case, *, assign: bool):
    [request] = w.ask(case, question="Known?", due_date=dt.date(2027, 1, 12))
    if assign:
        case_services.assign_request(actor=w.health_spoc, request_id=request.pk, assignee=w.health_baseline)
    return request


@pytest.mark.parametrize(
    ("classification", "assign", "expected"),
    [
        (1, True, {"health_spoc", "health_baseline"}),
        (2, True, {"health_spoc"}),  # the Baseline assignee may not read an SC case
        (3, False, set()),  # the SC SPOC may not read a DV case: not told of the request on it
    ],
)
def test_request_reminders_reach_only_those_who_may_read_the_case(w, classification, assign, expected):
    with travel(T0):
        case = _case(w, classification)
        _request_to_health(w, case, assign=assign)
    assert queued(REQUEST_DUE_SOON) == queued(REQUEST_OVERDUE) == people(w, *expected)
    for kind in (REQUEST_DUE_SOON, REQUEST_OVERDUE):
        if expected:
            assert send(kind)[0] == people(w, *expected)
    assert not Reminder.objects.filter(kind__in=REQUEST_KINDS).exclude(recipient__in=people(w, *expected)).exists()


@pytest.mark.parametrize(
    ("classification", "change", "still_told"),
    [
        (1, "assignee deactivated", {"health_spoc"}),
        (1, "classification raised", {"health_spoc"}),
        (2, "SPOC clearance lowered", set()),
    ],
)
def test_request_reminders_are_checked_again_when_sent(w, classification, change, still_told):
    with travel(T0):
        case = _case(w, classification)
        _request_to_health(w, case, assign=classification == 1)
    if change == "assignee deactivated":
        deactivate(w.health_baseline)
    elif change == "classification raised":
        reclassify(case.referral, classification=2)
    else:
        lower_clearance(w.health_spoc, 1)
    was = queued(REQUEST_DUE_SOON)
    told, skipped = send(REQUEST_DUE_SOON)
    assert told == people(w, *still_told)
    assert set(skipped) == was - told


# --- actions: the owner, else the owning agency's SPOCs -------------------------------------------------------


def _action(w, case: Case, agency, owner: User | None = None):
    return panel_services.add_action(
        actor=w.chair,
        case_id=case.pk,
        description="Home visit",
        owner_agency_id=agency.pk,
        owner=owner,
        due_date=dt.date(2027, 1, 12),
    )


@pytest.mark.parametrize(
    ("classification", "access", "expected"),
    [
        (2, "information request", {"health_spoc"}),
        (3, "information request", set()),  # granted, but above the SPOC's clearance
        (2, "none", set()),  # an owning agency with no grant is not told of a case it cannot see
        (2, "explicit share", {"housing_spoc"}),
    ],
)
def test_action_reminders_reach_the_owning_agency_only_when_it_may_read_the_case(w, classification, access, expected):
    with travel(T0):
        case = _case(w, classification)
        agency = w.health if access == "information request" else w.housing
        if access == "information request":
            _request_to_health(w, case, assign=False)
        elif access == "explicit share":
            sharing_services.share_with_agency(actor=w.chair, record=case.referral, agency=w.housing, reason="Housing")
        _action(w, case, agency)
    assert queued(ACTION_DUE_SOON) == queued(ACTION_OVERDUE) == people(w, *expected)


def test_a_named_owner_who_may_not_read_the_case_is_not_told_their_agencys_spoc_who_may_is(w):
    with travel(T0):
        case = _case(w, 2)
        _request_to_health(w, case, assign=False)
        _action(w, case, w.health, owner=w.health_baseline)  # Baseline owner, SC case
    assert queued(ACTION_DUE_SOON) == people(w, "health_spoc")


@pytest.mark.parametrize("change", ["share revoked", "share expired", "SPOC deactivated"])
def test_action_reminders_stop_when_the_share_ends_or_the_person_goes(w, change):
    with travel(T0):
        case = _case(w, 2)
        expiry = london(2027, 1, 2, 12) if change == "share expired" else None  # before the reminder's moment
        share = sharing_services.share_with_agency(
            actor=w.chair, record=case.referral, agency=w.housing, reason="Housing", expires_at=expiry
        )
        _action(w, case, w.housing)
        assert queued(ACTION_DUE_SOON) == people(w, "housing_spoc")
        if change == "share revoked":
            sharing_services.revoke_share(actor=w.chair, record=case.referral, share_id=share.pk, reason="Done")
        elif change == "SPOC deactivated":
            deactivate(w.housing_spoc)
    told, skipped = send(ACTION_DUE_SOON)
    assert told == set()
    assert skipped == {w.housing_spoc.pk: INACTIVE if change == "SPOC deactivated" else MAY_NOT_READ}


# --- case reviews and post-exit reviews: the chair (DV here) and the case owner (SC) ----------------------------


def _decide(w, case: Case, when: dt.datetime, **decision) -> None:
    meeting = panel_services.add_meeting(actor=w.chair, panel=w.panel, scheduled_at=when, reason="Review")
    panel_services.add_to_agenda(actor=w.chair, meeting_id=meeting.pk, case_id=case.pk, reason="Due")
    panel_services.start_meeting(actor=w.chair, meeting_id=meeting.pk)
    panel_services.override_quorum(
        actor=w.chair, meeting_id=meeting.pk, reason="Attendance is not what this test is about"
    )
    panel_services.record_decision(actor=w.chair, item_id=meeting.items.get(case=case).pk, **decision)


def _adopted(w, classification: int) -> Case:
    case = _case(w, classification)
    _decide(w, case, T0, decision="adopt", next_review_date=dt.date(2027, 2, 1))
    return case


@pytest.mark.parametrize(
    ("classification", "expected"),
    [(2, {"chair", "council_worker"}), (3, {"chair"})],  # the SC owner may not read a DV case
)
def test_case_and_post_exit_reviews_reach_the_chair_and_owner_who_may_read_the_case(w, classification, expected):
    with travel(T0):
        case = _adopted(w, classification)
    assert queued(CASE_REVIEW_DUE) == people(w, *expected)
    with travel(T0 + dt.timedelta(hours=1)):
        _decide(w, case, T0 + dt.timedelta(hours=1), decision="exit", exit_reason="EXIT-RISK")
    assert queued(POST_EXIT_REVIEW_DUE) == people(w, *expected)


@pytest.mark.parametrize(
    ("kind", "change", "still_told"),
    [
        (CASE_REVIEW_DUE, "owner deactivated", {"chair"}),
        (CASE_REVIEW_DUE, "owner now only an admin", {"chair"}),  # rule 8: an admin reads no case content
        (CASE_REVIEW_DUE, "classification raised", {"chair"}),
        (POST_EXIT_REVIEW_DUE, "owner clearance lowered", {"chair"}),
        (POST_EXIT_REVIEW_DUE, "chair clearance lowered", {"council_worker"}),
    ],
)
def test_reviews_are_checked_again_when_sent(w, kind, change, still_told):
    with travel(T0):
        case = _adopted(w, 2)
    if kind == POST_EXIT_REVIEW_DUE:
        with travel(T0 + dt.timedelta(hours=1)):
            _decide(w, case, T0 + dt.timedelta(hours=1), decision="exit", exit_reason="EXIT-RISK")
    if change == "owner deactivated":
        deactivate(w.council_worker)
    elif change == "owner now only an admin":
        User.objects.filter(pk=w.council_worker.pk).update(roles=[Role.PARTNERSHIP_ADMIN])
    elif change == "classification raised":
        reclassify(case.referral, classification=3)
    elif change == "owner clearance lowered":
        lower_clearance(w.council_worker, 1)
    else:
        lower_clearance(w.chair, 1)
    told, skipped = send(kind)
    assert told == people(w, *still_told)
    assert set(skipped) == people(w, "chair", "council_worker") - told


# --- meetings: the chair, the member agencies' representatives or SPOCs (the notice names no record) -----------


def _meeting(w) -> Meeting:
    w.panel.first_meeting_at = london(2027, 1, 14, 10)
    w.panel.save()
    [meeting] = panel_services.generate_meetings(panel=w.panel, until=london(2027, 1, 14, 10))
    return meeting


@pytest.mark.parametrize(
    ("change", "still_told"),
    [
        (None, {"chair", "health_rep", "council_spoc"}),
        ("representative deactivated", {"chair", "council_spoc"}),
        ("council left the panel", {"chair", "health_rep"}),  # its SPOC may no longer open the meeting
    ],
)
@pytest.mark.parametrize("kind", [MEETING_NOTICE, MEETING_PAPERS])
def test_meeting_reminders_reach_those_who_may_open_the_meeting(w, kind, change, still_told):
    with travel(T0):
        _meeting(w)
    assert queued(kind) == people(w, "chair", "health_rep", "council_spoc")
    if change == "representative deactivated":
        deactivate(w.health_rep)
    elif change == "council left the panel":
        PanelMembership.objects.filter(panel=w.panel, agency=w.council).delete()
    told, skipped = send(kind)
    assert told == people(w, *still_told)
    assert set(skipped) == people(w, "chair", "health_rep", "council_spoc") - told
    for note in Notification.objects.filter(kind=kind):
        assert "REF-" not in note.title
        assert "CASE-" not in note.title
        assert not any(ch.isdigit() for ch in note.title.split(" on ")[0]), "no count of anything in the text"


# --- break-glass: the opener's agency SPOCs and the auditors (rule 9); the alert names no record ----------------


def test_break_glass_is_flagged_to_the_openers_agency_spocs_and_the_auditors_only(w):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=2)
        sharing_services.open_break_glass(actor=w.health_rep, record=referral, reason="Urgent call from A&E tonight")
    expected = people(w, "health_spoc", "auditor")  # not the council's SPOC, the opener or the admin
    assert set(Notification.objects.filter(kind=BREAK_GLASS).values_list("recipient_id", flat=True)) == expected
    assert queued(BREAK_GLASS) == expected
    for note in Notification.objects.filter(kind=BREAK_GLASS):
        assert referral.reference not in note.title
        assert note.link == "" or note.recipient_id == w.auditor.pk  # the SPOC gets no link to a record


@pytest.mark.parametrize(
    ("change", "still_emailed"), [("auditor deactivated", {"health_spoc"}), ("no longer SPOC", {"auditor"})]
)
def test_break_glass_emails_are_checked_again_when_sent(w, change, still_emailed):
    with travel(T0):
        referral = submitted_referral(w.dv_teacher, classification=1)
        sharing_services.open_break_glass(actor=w.health_rep, record=referral, reason="Urgent call from A&E tonight")
    if change == "auditor deactivated":
        deactivate(w.auditor)
    else:
        User.objects.filter(pk=w.health_spoc.pk).update(roles=[Role.PRACTITIONER])
    sweep(T0 + dt.timedelta(minutes=1))
    emailed = {u.pk for u in User.objects.filter(email__in=[a for m in emails(BREAK_GLASS) for a in m.to])}
    assert emailed == people(w, *still_emailed)
    assert Reminder.objects.filter(kind=BREAK_GLASS, status=ReminderStatus.SKIPPED).count() == 1


# --- share expiring: the sharer --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "told"),
    [
        (None, True),
        ("sharer deactivated", False),
        ("sharer clearance lowered", False),
        ("classification raised", False),  # above the SC sharer's clearance
    ],
)
def test_share_expiring_reaches_the_sharer_only_while_they_may_read_the_record(w, change, told):
    with travel(T0):
        referral = submitted_referral(w.sc_teacher, classification=2)
        sharing_services.share_with_agency(
            actor=w.sc_teacher,
            record=referral,
            agency=w.health,
            reason="Health input",
            expires_at=london(2027, 1, 10, 17),
        )
    assert queued(SHARE_EXPIRING) == people(w, "sc_teacher")
    _change(change, w.sc_teacher, referral)
    sent, skipped = send(SHARE_EXPIRING)
    assert sent == (people(w, "sc_teacher") if told else set())
    assert set(skipped) == (set() if told else people(w, "sc_teacher"))


# --- what was sent: no reference or link to a record its recipient may not read, and every link opens -------


def test_across_the_matrix_nothing_names_a_record_its_recipient_may_not_read_and_every_link_opens(w, client):
    with travel(T0):
        dv_case = _case(w, 3)
        _request_to_health(w, dv_case, assign=False)
        _action(w, dv_case, w.housing)
        sc_case = _case(w, 2)
        _request_to_health(w, sc_case, assign=True)
        _action(w, sc_case, w.health)
        submitted_referral(w.dv_teacher, classification=3)
        submitted_referral(w.dv_teacher, originator_only=True)
        _meeting(w)
    day = T0.replace(hour=23)
    while day < london(2027, 1, 31):  # beat's sweep every evening
        sweep(day)
        day += dt.timedelta(days=1)
    told = told_by_email(mail.outbox) + told_in_app(Notification.objects.select_related("recipient"))
    kinds = {m.extra_headers["X-Convene-Kind"] for m in mail.outbox}
    assert {SCREENING_AT_RISK, REQUEST_DUE_SOON, ACTION_DUE_SOON, MEETING_NOTICE} <= kinds
    assert unreadable_mentions(told) == []
    links: dict[int, set[str]] = {}
    for item in told:
        if item.link:
            links.setdefault(item.recipient.pk, set()).add(item.link)
    with travel(london(2027, 1, 31)):
        for pk, paths in links.items():
            client.logout()
            sign_in_verified(client, User.objects.get(pk=pk))
            for path in sorted(paths):
                assert client.get(path).status_code == 200, f"{path} for {User.objects.get(pk=pk).username}"
