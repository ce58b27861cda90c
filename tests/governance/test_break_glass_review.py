"""The break-glass review queue: every opening in the trail is in it, an auditor marks each
justified or not with a note (audited, once, never their own), openings waiting more than five
working days are highlighted and reminded to the auditors. Auditors only (everyone else 403)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django_celery_beat.models import PeriodicTask

from core.models import AuditEvent, AuditVerb, Reminder, ReminderStatus
from governance import reminders as governance_reminders
from governance import services
from governance.models import BreakGlassReview
from partnership.models import Role, User
from referrals import selectors as referral_selectors
from sharing import services as sharing_services
from tests.governance.conftest import CONCERNS, TrailWorld
from tests.partnership.factories import AgencyFactory, AuditorUserFactory, UserFactory, clearance
from tests.reminders.helpers import emailed, sweep

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
QUEUE = "/governance/break-glass/"
REVIEWED = "/governance/break-glass/?show=reviewed"
NOTE = "Checked with the duty manager: an urgent call about risk that night."
# Friday 18 December 2026; Christmas Day (Friday 25) and the Boxing Day substitute (Monday 28) are
# bank holidays. Working days after it: 21, 22, 23, 24, 29 (the fifth), 30 December (the sixth).
OPENED = dt.datetime(2026, 12, 18, 10, 0, tzinfo=LONDON)
FIFTH_WORKING_DAY = dt.datetime(2026, 12, 29, 16, 0, tzinfo=LONDON)
SIXTH_WORKING_DAY = dt.datetime(2026, 12, 30, 10, 0, tzinfo=LONDON)
REMINDED_AT = dt.datetime(2026, 12, 30, 9, 0, tzinfo=LONDON)
QUEUE_QUERIES = 4


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def queue_rows(response: Any) -> list[str]:
    body = response.content.decode().split("<tbody", 1)[-1]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def opening_of(tw: TrailWorld) -> AuditEvent:
    return AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=tw.outsider.pk)


def only_a_later_opening_waits(tw: TrailWorld, at: dt.datetime) -> AuditEvent:
    """The world's own opening reviewed (so it is reminded of no more), and a new one made at ``at``."""
    services.review_break_glass_opening(actor=tw.auditor, event_id=opening_of(tw).pk, decision="justified", note=NOTE)
    return open_later(tw, at)


def open_later(
    tw: TrailWorld, at: dt.datetime, reason: str = "Called by the hospital about a risk tonight"
) -> AuditEvent:
    opener = UserFactory(agency=tw.outsider.agency, clearance=clearance(3), roles=[Role.PRACTITIONER])
    with time_machine.travel(at, tick=False):
        sharing_services.open_break_glass(actor=opener, record=tw.other, reason=reason)
    return AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS, actor_id=opener.pk).get()


def review(client: Client, event: AuditEvent, **data: str) -> Any:
    return client.post(f"{QUEUE}{event.pk}/", data)


# --- Who may open it ---------------------------------------------------------------------------------


def page_urls(tw: TrailWorld) -> list[str]:
    return [QUEUE, REVIEWED, f"{QUEUE}{opening_of(tw).pk}/"]


def test_the_auditor_sees_the_queue_and_the_opening(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    for url in page_urls(tw):
        assert client.get(url).status_code == 200, url
    page = text_of(client.get(QUEUE))
    assert tw.outsider.username in page
    assert "Housing" in page
    assert f"{tw.case.reference} referral {tw.referral.reference}" in page  # the case it has become, and the referral
    assert "Urgent safeguarding call from the duty desk" in page
    assert CONCERNS not in page  # the trail, never the record's content


def test_an_auditor_at_baseline_sees_the_queue_too_as_it_shows_the_trail_only(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(AuditorUserFactory(clearance=clearance(1)))
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert CONCERNS not in text_of(response)


@pytest.mark.parametrize("who", ["another_agency", "below_clearance", "admin", "opener"])
def test_everyone_else_is_refused_and_told_nothing(tw: TrailWorld, signed_in: Any, who: str) -> None:
    user = {
        "another_agency": tw.w.health_spoc,
        "below_clearance": tw.w.teacher,
        "admin": tw.admin,
        "opener": tw.outsider,
    }[who]
    client = signed_in(user)
    event = opening_of(tw)
    before = AuditEvent.objects.count()
    for url in page_urls(tw):
        response = client.get(url)
        assert response.status_code == 403, url
        assert tw.referral.reference not in text_of(response)
        assert tw.case.reference not in text_of(response)
        assert "duty desk" not in text_of(response)
    assert review(client, event, decision="justified", note=NOTE).status_code == 403
    assert not BreakGlassReview.objects.exists()
    assert AuditEvent.objects.count() == before


def test_anonymous_visitors_are_sent_to_sign_in(tw: TrailWorld) -> None:
    for url in page_urls(tw):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_an_id_that_is_not_an_opening_is_not_found(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    other_event = AuditEvent.objects.exclude(verb=AuditVerb.BREAK_GLASS).order_by("pk").first()
    assert other_event is not None
    assert client.get(f"{QUEUE}{other_event.pk}/").status_code == 404
    assert client.get(f"{QUEUE}999999999/").status_code == 404
    assert review(client, other_event, decision="justified", note=NOTE).status_code == 404


def test_the_search_page_links_to_the_queue(tw: TrailWorld, signed_in: Any) -> None:
    page = signed_in(tw.auditor).get("/governance/audit/").content.decode()
    assert f'href="{QUEUE}"' in page


# --- Every opening is in the queue --------------------------------------------------------------------


def test_every_opening_in_the_trail_is_waiting_until_reviewed(tw: TrailWorld, signed_in: Any) -> None:
    later = open_later(tw, OPENED)
    client = signed_in(tw.auditor)
    openings = set(AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS).values_list("pk", flat=True))
    page = client.get(QUEUE).content.decode()
    linked = {int(pk) for pk in re.findall(r'href="/governance/break-glass/(\d+)/"', page)}
    assert linked == openings == {opening_of(tw).pk, later.pk}
    assert "2 openings waiting for review" in text_of(client.get(QUEUE))


def test_the_reads_made_under_the_opening_are_shown_with_it(tw: TrailWorld, signed_in: Any) -> None:
    referral_selectors.access_referral(viewer=tw.outsider, referral_id=tw.referral.pk)
    page = signed_in(tw.auditor).get(f"{QUEUE}{opening_of(tw).pk}/")
    body = page.content.decode().split("What they did under break-glass", 1)[1]
    assert "Viewed a record" in body
    assert "Break-glass" in body


# --- Age and overdue ----------------------------------------------------------------------------------


def test_age_in_working_days_and_the_overdue_tag_skip_weekends_and_bank_holidays(
    tw: TrailWorld, signed_in: Any
) -> None:
    later = open_later(tw, OPENED, reason="A later opening over Christmas")
    with time_machine.travel(FIFTH_WORKING_DAY, tick=False):
        client = signed_in(tw.auditor)
        row = next(r for r in queue_rows(client.get(QUEUE)) if "over Christmas" in r)
        assert " 5 " in f" {row} "
        assert "Waiting" in row
        assert "Overdue" not in row
    with time_machine.travel(SIXTH_WORKING_DAY, tick=False):
        client = signed_in(tw.auditor)
        response = client.get(QUEUE)
        row = next(r for r in queue_rows(response) if "over Christmas" in r)
        assert " 6 " in f" {row} "
        assert "Overdue" in row
        assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in response.content.decode()
        assert "overdue" in text_of(response)
        detail = client.get(f"{QUEUE}{later.pk}/")
        assert "6 working days since it was opened" in text_of(detail)


# --- Reviewing ------------------------------------------------------------------------------------------


def test_the_auditor_marks_an_opening_justified_and_the_decision_is_audited(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    event = opening_of(tw)
    response = review(client, event, decision="justified", note=NOTE)
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    made = BreakGlassReview.objects.get(opening=event)
    assert (made.decision, made.note, made.reviewed_by_id) == ("justified", NOTE, tw.auditor.pk)
    audited = AuditEvent.objects.filter(object_type="governance.breakglassreview", object_id=str(made.pk)).get()
    assert audited.verb == AuditVerb.CREATED
    assert audited.actor_username == tw.auditor.username
    assert audited.reason == NOTE
    assert audited.details["opening"] == event.pk
    assert audited.details["decision"] == "justified"
    assert "You marked the opening justified" in text_of(client.get(QUEUE))
    assert not [r for r in queue_rows(client.get(QUEUE)) if "duty desk" in r]
    reviewed = [r for r in queue_rows(client.get(REVIEWED)) if "duty desk" in r]
    assert len(reviewed) == 1
    assert "Justified" in reviewed[0]
    assert tw.auditor.username in reviewed[0]
    detail = text_of(client.get(f"{QUEUE}{event.pk}/"))
    assert NOTE in detail
    assert "Save the review" not in detail


def test_not_justified_is_recorded_the_same_way(tw: TrailWorld, signed_in: Any) -> None:
    event = opening_of(tw)
    assert (
        review(signed_in(tw.auditor), event, decision="not_justified", note="No risk was recorded.").status_code == 302
    )
    assert BreakGlassReview.objects.get(opening=event).decision == "not_justified"


def test_a_decision_and_a_note_are_both_required(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    event = opening_of(tw)
    response = review(client, event, note="   ")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Select whether the break-glass opening was justified" in html
    assert "Enter a note saying why you decided this" in html
    assert 'href="#id_decision_0"' in html or 'href="#id_decision"' in html
    assert 'href="#id_note"' in html
    assert text_of(response).startswith(" Error:") or "<title>Error:" in html
    response = review(client, event, decision="maybe", note=NOTE)
    assert response.status_code == 400
    assert not BreakGlassReview.objects.exists()
    assert not AuditEvent.objects.filter(object_type="governance.breakglassreview").exists()


def test_an_opening_is_reviewed_once(tw: TrailWorld, signed_in: Any) -> None:
    event = opening_of(tw)
    first = signed_in(tw.auditor)
    second = signed_in(AuditorUserFactory(clearance=clearance(2)))
    second_page = second.get(f"{QUEUE}{event.pk}/")
    assert "Save the review" in second_page.content.decode()
    assert review(first, event, decision="justified", note=NOTE).status_code == 302
    response = review(second, event, decision="not_justified", note="I disagree.")
    assert response.status_code == 302
    assert "Another auditor has already reviewed this opening" in text_of(second.get(response["Location"]))
    assert BreakGlassReview.objects.get(opening=event).decision == "justified"
    assert AuditEvent.objects.filter(object_type="governance.breakglassreview").count() == 1


def test_an_auditor_never_reviews_an_opening_of_their_own(tw: TrailWorld, signed_in: Any) -> None:
    both = UserFactory(agency=tw.outsider.agency, clearance=clearance(3), roles=[Role.PRACTITIONER, Role.AUDITOR])
    sharing_services.open_break_glass(actor=both, record=tw.other, reason="Covering the duty desk tonight")
    own = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=both.pk)
    client = signed_in(both)
    page = client.get(f"{QUEUE}{own.pk}/")
    assert page.status_code == 200
    assert "Save the review" not in page.content.decode()
    assert "another auditor must review it" in text_of(page)
    response = review(client, own, decision="justified", note=NOTE)
    assert response.status_code == 403
    assert not BreakGlassReview.objects.filter(opening=own).exists()


# --- Query counts --------------------------------------------------------------------------------------


def test_the_queue_page_costs_the_same_whatever_the_number_of_openings(
    tw: TrailWorld, signed_in: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(tw.auditor)
    client.get(QUEUE)
    # The frame (the user with their devices and unread count, docs/adr/0031); the waiting and overdue
    # counts; one page of openings with their references, reviews and reviewers; the audit of the read.
    with django_assert_num_queries(QUEUE_QUERIES):
        assert client.get(QUEUE).status_code == 200
    for n in range(4):
        open_later(tw, OPENED + dt.timedelta(hours=n), reason=f"Another urgent opening number {n}")
    review(client, opening_of(tw), decision="justified", note=NOTE)
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(queue_rows(client.get(QUEUE))) == 4
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(queue_rows(client.get(REVIEWED))) == 1


# --- Reminders -------------------------------------------------------------------------------------------


def test_auditors_are_reminded_of_an_overdue_opening_once_and_never_the_opener(tw: TrailWorld) -> None:
    later = only_a_later_opening_waits(tw, OPENED)
    second_auditor = AuditorUserFactory(clearance=clearance(1))
    with time_machine.travel(OPENED.replace(hour=23), tick=False):
        governance_reminders.sync_waiting_openings()
        governance_reminders.sync_waiting_openings()  # idempotent
    pending = Reminder.objects.filter(kind="break_glass_review_overdue", object_id=later.pk)
    assert {r.recipient_id for r in pending} == {tw.auditor.pk, second_auditor.pk}
    assert {r.due_at for r in pending} == {REMINDED_AT}
    sweep(REMINDED_AT - dt.timedelta(minutes=1))
    assert not emailed("break_glass_review_overdue")
    sweep(REMINDED_AT)
    told = emailed("break_glass_review_overdue")
    assert told[tw.auditor.email] == 1
    assert told[second_auditor.email] == 1
    later_opener = User.objects.get(pk=later.actor_id)
    assert later_opener.email not in told
    sweep(REMINDED_AT + dt.timedelta(days=1))
    assert emailed("break_glass_review_overdue")[tw.auditor.email] == 1


def test_a_reminder_names_no_record_and_no_person(tw: TrailWorld) -> None:
    later = only_a_later_opening_waits(tw, OPENED)
    with time_machine.travel(OPENED.replace(hour=23), tick=False):
        governance_reminders.sync_waiting_openings()
    sweep(REMINDED_AT)
    sent = [m for m in mail.outbox if m.extra_headers.get("X-Convene-Kind") == "break_glass_review_overdue"]
    assert sent
    for message in sent:
        words = f"{message.subject} {message.body}"
        assert tw.other.reference not in words
        assert tw.other.subject.family_name not in words
        assert User.objects.get(pk=later.actor_id).username not in words
        assert f"/governance/break-glass/{later.pk}/" in words


def test_a_review_stops_the_reminders(tw: TrailWorld, signed_in: Any) -> None:
    later = only_a_later_opening_waits(tw, OPENED)
    with time_machine.travel(OPENED.replace(hour=23), tick=False):
        governance_reminders.sync_waiting_openings()
    assert review(signed_in(tw.auditor), later, decision="justified", note=NOTE).status_code == 302
    statuses = set(
        Reminder.objects.filter(kind="break_glass_review_overdue", object_id=later.pk).values_list("status", flat=True)
    )
    assert statuses == {ReminderStatus.CANCELLED}
    sweep(REMINDED_AT)
    assert not emailed("break_glass_review_overdue")


def test_someone_no_longer_an_auditor_is_not_told(tw: TrailWorld) -> None:
    only_a_later_opening_waits(tw, OPENED)
    leaver = AuditorUserFactory(clearance=clearance(1))
    with time_machine.travel(OPENED.replace(hour=23), tick=False):
        governance_reminders.sync_waiting_openings()
    User.objects.filter(pk=leaver.pk).update(roles=[Role.PRACTITIONER], agency=AgencyFactory())
    sweep(REMINDED_AT)
    told = emailed("break_glass_review_overdue")
    assert leaver.email not in told
    assert told[tw.auditor.email] == 1


def test_the_nightly_recheck_is_scheduled() -> None:
    task = PeriodicTask.objects.get(task="governance.tasks.sync_waiting_openings")
    assert task.enabled
    assert task.crontab is not None
