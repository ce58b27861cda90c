"""Screening as a task list (issue 11 point 6): one thing per page, the decision checked in one pass and
before it is recorded, the confirmation with the screening clock, information requests sent during
screening (which follow the referral into its case, or close with it), and the queue's filters.

Every page is for the screening officers of the screening agency who read the referral: another
agency, the admin and the auditor meet a 404; a reader who may not screen, a 403; below the
referral's clearance, a 404.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import selectors as case_selectors
from cases import services as case_services
from cases.events import REQUEST_RECEIVED
from cases.models import Case, InformationRequest, RequestStatus
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, AuditVerb, Reminder
from referrals import services
from referrals.models import Referral, ReferralStatus
from tests.cases.conftest import Readers
from tests.pages import error_summary, pinned_get, text_of
from tests.world import client_for, new_agency

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ROW_LINK = re.compile(r'href="/referrals/\d+/screening/"')
TASK_PAGES = ("", "deconfliction/", "notes/", "rag/", "needs-and-consent/", "requests/", "decision/")


class ScreeningWorld(Readers):
    def secret_referral(self) -> Referral:
        """A Security Check referral (by the school's Security Check practitioner)."""
        return self.referral(self.sc_teacher, classification=2)


@pytest.fixture
def w(db: Any) -> ScreeningWorld:
    return ScreeningWorld()


def _decision(referral: Referral, **answers: Any) -> dict[str, Any]:
    return {"decision-version": Referral.objects.get(pk=referral.pk).version, **answers}


@pytest.mark.parametrize("path", TASK_PAGES)
def test_every_task_page_is_for_the_screening_officers_only(w: ScreeningWorld, path: str) -> None:
    referral = w.referral()
    secret = w.secret_referral()
    url = f"/referrals/{referral.pk}/screening/{path}"
    page = client_for(w.officer).get(url)
    assert page.status_code == 200
    assert referral.reference in text_of(page)
    assert client_for(w.police_baseline).get(url).status_code == 200
    assert client_for(w.police_baseline).get(f"/referrals/{secret.pk}/screening/{path}").status_code == 404
    assert client_for(w.teacher).get(url).status_code == 403  # reads the referral, does not screen it
    for who in (w.outsider, w.health_spoc, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who
        assert client_for(who).post(url, {}).status_code in (404, 405), who
        assert referral.reference not in text_of(client_for(who).get(url))


def test_the_check_and_confirmation_pages_are_for_the_screening_officers_only(w: ScreeningWorld) -> None:
    referral = w.referral()
    base = f"/referrals/{referral.pk}/screening/"
    officer = client_for(w.officer)
    officer.post(f"{base}decision/", _decision(referral, **{"decision-decision": "no_further_action"}))
    for path in ("check-your-answers/", "decided/"):
        assert client_for(w.teacher).get(f"{base}{path}").status_code == 403
        for who in (w.outsider, w.admin, w.auditor):
            assert client_for(who).get(f"{base}{path}").status_code == 404, who


def test_the_task_list_shows_each_task_and_its_status(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/"
    page = text_of(client_for(w.officer).get(url))
    assert "govuk-task-list" in page
    for name in ("Check for duplicates and deconfliction", "Screening notes", "RAG rating", "Needs and consent"):
        assert name in page
    assert "You have completed 0 of 3 required tasks" in page
    services.record_screening_note(
        actor=w.officer, referral_id=referral.pk, text="PNC: nothing", classification=2, deconfliction=True
    )
    services.review_rag(actor=w.officer, referral_id=referral.pk, rag="amber", rationale="Online activity")
    page = text_of(client_for(w.officer).get(url))
    assert "You have completed 2 of 3 required tasks" in page
    assert 'id="task-deconfliction-status">Completed' in page
    assert 'id="task-rag-status">Amber' in page


def test_the_decision_shows_every_error_at_once_and_keeps_what_was_typed(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/decision/"
    response = client_for(w.officer).post(url, _decision(referral, **{"decision-decision": "refer_to_panel"}))
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_decision-panel", "Choose the panel"),
        ("#id_decision-case_owner", "Choose the case owner"),
        ("#id_decision-rationale", "Give the rationale for the decision"),
    ]
    response = client_for(w.officer).post(
        url,
        _decision(
            referral, **{"decision-decision": "signpost", "decision-rationale": "Mental health needs, no ideology"}
        ),
    )
    assert error_summary(response) == [("#id_decision-signposted_to", "Choose the service you are signposting to")]
    assert b"Mental health needs, no ideology</textarea>" in response.content
    # The follow-up questions sit inside the choice they follow (GOV.UK conditional reveals).
    page = response.content.decode()
    assert 'data-aria-controls="conditional-id_decision-decision_1"' in page
    assert page.index('id="conditional-id_decision-decision_1"') < page.index('id="id_decision-signposted_to"')
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED


def test_check_your_answers_then_the_confirmation_with_the_clock(w: ScreeningWorld) -> None:
    # Monday 2 March 2026: a priority referral's clock is 3 working days (the partnership's default).
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False):
        referral = w.referral(urgency="priority")
    client = client_for(w.officer)
    base = f"/referrals/{referral.pk}/screening/"
    answers = {
        "decision-decision": "refer_to_panel",
        "decision-panel": w.panel.pk,
        "decision-case_owner": w.chair.pk,
        "decision-rationale": "Meets the threshold.",
    }
    with time_machine.travel(dt.datetime(2026, 3, 3, 11, 0, tzinfo=LONDON), tick=False):
        assert (
            client.post(f"{base}decision/", _decision(referral, **answers))["Location"] == f"{base}check-your-answers/"
        )
        page = text_of(client.get(f"{base}check-your-answers/"))
        for shown in (
            "Refer to the panel",
            w.panel.name,
            "Meets the threshold.",
            f'href="{base}decision/#id_decision-',
        ):
            assert shown in page
        assert not Case.objects.filter(pk=referral.pk).exists()
        # "Change" goes back to the question with the answers given.
        assert "Meets the threshold.</textarea>" in client.get(f"{base}decision/").content.decode()
        assert client.post(f"{base}check-your-answers/")["Location"] == f"{base}decided/"
        page = text_of(client.get(f"{base}decided/"))
        # Recorded once: a second click shows what happened, and the task list shows the decision.
        assert client.post(f"{base}check-your-answers/")["Location"] == f"{base}decided/"
        decided = text_of(client.get(base))
    assert "Meets the threshold." in decided
    assert "govuk-task-list" not in decided
    assert Case.objects.filter(pk=referral.pk, panel=w.panel, owner=w.chair).exists()
    assert "Decision recorded" in page
    assert "The partnership screens priority referrals within 3 working days." in page
    assert "Thursday 5 March 2026" in page  # due by the end of the third working day
    assert "Within the clock" in page
    assert "1 working day after it was submitted" in page
    assert "Go to case" in page


def test_a_late_decision_says_so(w: ScreeningWorld) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False):
        referral = w.referral(urgency="urgent")
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=LONDON), tick=False):
        case_services.screen_referral(
            actor=w.officer, referral_id=referral.pk, decision="no_further_action", rationale="No concern"
        )
        page = text_of(client_for(w.officer).get(f"/referrals/{referral.pk}/screening/decided/"))
    assert "The partnership screens urgent referrals within 1 working day." in page
    assert "Late" in page
    assert "by 2 working days" in page


# --- Information requests during screening ------------------------------------------------------------


def test_the_screener_asks_an_agency_and_the_request_follows_the_referral_into_its_case(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/requests/"
    client = client_for(w.officer)
    response = client.post(url, {"request-question": ""})
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_request-agencies_0", "Select one or more agencies"),
        ("#id_request-question", "Enter what you are asking for"),
    ]
    response = client.post(url, {"request-agencies": [w.health.pk], "request-question": "Known to health?"})
    assert response.status_code == 302
    [info_request] = InformationRequest.objects.filter(referral=referral)
    assert info_request.case_id is None
    # Health's SPOC is told, sees it in the queue under the referral's reference, and may answer it.
    told = set(Reminder.objects.filter(kind=REQUEST_RECEIVED).values_list("recipient_id", flat=True))
    assert told == {w.health_spoc.pk}
    assert [r.reference for r in case_selectors.requests_for_agency(viewer=w.health_spoc)] == [referral.reference]
    assert client_for(w.health_spoc).get(f"/referrals/requests/{info_request.pk}/").status_code == 200
    # Nobody else: not another agency, not the admin (and the screening pages stay the police's).
    for who in (w.outsider, w.admin, w.auditor):
        assert client_for(who).get(f"/referrals/requests/{info_request.pk}/").status_code == 404, who
        assert not case_selectors.requests_for_agency(viewer=who)
    assert client_for(w.health_spoc).get(url).status_code == 403
    assert "1 request sent, 0 answered" in text_of(client.get(f"/referrals/{referral.pk}/screening/"))

    w.answer(info_request, "Seen by the crisis team.")
    case = w.screen(referral)
    assert InformationRequest.objects.get(pk=info_request.pk).case == case
    assert client_for(w.chair).get(f"/referrals/requests/{info_request.pk}/").status_code == 200  # the case's now


def test_a_referral_decided_without_a_case_closes_its_waiting_requests(w: ScreeningWorld) -> None:
    referral = w.referral()
    [info_request] = case_services.request_information(
        actor=w.officer, referral_id=referral.pk, agency_ids=[w.health.pk], question="Anything?"
    )
    case_services.screen_referral(
        actor=w.officer, referral_id=referral.pk, decision="no_further_action", rationale="No concern"
    )
    assert InformationRequest.objects.get(pk=info_request.pk).status == RequestStatus.CLOSED
    assert not Reminder.objects.filter(object_id=info_request.pk, kind="request_due_soon", status="pending").exists()
    # Decided: no more requests in screening.
    with pytest.raises(ValidationError, match="decided"):
        case_services.request_information(
            actor=w.officer, referral_id=referral.pk, agency_ids=[w.health.pk], question="More?"
        )


def test_only_the_screening_officer_asks_during_screening(w: ScreeningWorld) -> None:
    referral = w.referral()
    for who in (w.teacher, w.chair):
        with pytest.raises((NotFound, PermissionDenied)):  # the chair's agency does not read it; the teacher's does
            case_services.request_information(
                actor=who, referral_id=referral.pk, agency_ids=[w.health.pk], question="?"
            )
    assert not InformationRequest.objects.exists()


# --- The queue ------------------------------------------------------------------------------------------


def test_the_queue_filters_and_sorts_in_the_query_string(w: ScreeningWorld) -> None:
    urgent = w.referral(given_name="Una", urgency="urgent")
    routine = w.referral(given_name="Rory", urgency="routine")
    services.review_rag(actor=w.officer, referral_id=routine.pk, rag="red", rationale="Weapons")
    client = client_for(w.officer)
    page = text_of(client.get("/referrals/screening/?urgency=urgent"))
    assert urgent.reference in page
    assert routine.reference not in page
    page = text_of(client.get("/referrals/screening/?rag=red"))
    assert routine.reference in page
    assert urgent.reference not in page
    page = text_of(client.get("/referrals/screening/?rag=none&status=submitted"))
    assert urgent.reference in page
    assert routine.reference not in page
    assert "Clear filters" in page
    assert client.get("/referrals/screening/?urgency=nonsense").status_code == 400
    # What another agency's reader sees: nothing.
    assert urgent.reference not in text_of(client_for(w.outsider).get("/referrals/screening/?urgency=urgent"))


def test_the_queue_shows_the_referrals_i_have_worked_on(w: ScreeningWorld) -> None:
    mine = w.referral(given_name="Mina")
    theirs = w.referral(given_name="Theo")
    services.record_screening_note(actor=w.officer, referral_id=mine.pk, text="Checked", classification=1)
    services.review_rag(actor=w.police_baseline, referral_id=theirs.pk, rag="green", rationale="Low")
    page = text_of(client_for(w.officer).get("/referrals/screening/?screener=me"))
    assert mine.reference in page
    assert theirs.reference not in page
    page = text_of(client_for(w.police_baseline).get("/referrals/screening/?screener=me"))
    assert theirs.reference in page
    assert mine.reference not in page


def test_the_queue_pages_keep_the_filters(w: ScreeningWorld) -> None:
    for i in range(51):
        w.referral(given_name=f"P{i}", urgency="routine")
    page = client_for(w.officer).get("/referrals/screening/?urgency=routine&sort=due").content.decode()
    assert 'href="?urgency=routine&amp;sort=due&amp;page=2"' in page
    page = client_for(w.officer).get("/referrals/screening/?urgency=routine&sort=due&page=2").content.decode()
    assert len(ROW_LINK.findall(page)) == 1  # one referral on the second page


QUEUE_QUERIES = 3  # the frame (one query, docs/adr/0031); the page of referrals; the audit insert


@pytest.mark.parametrize("rows", [3, 15])
def test_the_queue_query_count_is_pinned(w: ScreeningWorld, rows: int, django_assert_num_queries: Any) -> None:
    for i in range(rows):
        w.referral(given_name=f"Q{i}", urgency="priority")
    params = {"urgency": "priority", "sort": "received"}
    response = pinned_get(
        client_for(w.officer), "/referrals/screening/", QUEUE_QUERIES, django_assert_num_queries, params
    )
    assert len(ROW_LINK.findall(response.content.decode())) == rows


# Pinned. Every page: the frame (one query: user, devices, unread count; docs/adr/0031). The task list: the referral
# read with how the viewer reads it, the audit insert, and how many chronology entries of each type the
# viewer may read (one grouped count). A task page (notes): the referral; the clearance names (read once,
# for its form's choices and the entries it lists); the chronology's entries, each carrying the withheld
# count (a subquery), with their documents (one prefetch); the audit insert (one event, naming the
# entries read). A change here needs a reason.
TASK_LIST_QUERIES = 4
NOTES_PAGE_QUERIES = 6


@pytest.mark.parametrize("rows", [3, 15])
def test_the_task_list_and_a_task_page_query_counts_are_pinned(
    w: ScreeningWorld, rows: int, django_assert_num_queries: Any
) -> None:
    referral = w.referral()
    for i in range(rows):
        services.record_screening_note(actor=w.officer, referral_id=referral.pk, text=f"Note {i}", classification=1)
    client = client_for(w.officer)
    url = f"/referrals/{referral.pk}/screening/"
    response = pinned_get(client, url, TASK_LIST_QUERIES, django_assert_num_queries)
    assert f"{rows} notes" in text_of(response)
    with django_assert_num_queries(NOTES_PAGE_QUERIES):
        response = client.get(f"{url}notes/")
    assert text_of(response).count("Note ") >= rows


def test_an_agency_without_a_current_agreement_is_not_asked_during_screening(w: ScreeningWorld) -> None:
    referral = w.referral()
    unagreed = new_agency("Unagreed Trust", agreement=False)
    response = client_for(w.officer).post(
        f"/referrals/{referral.pk}/screening/requests/",
        {"request-agencies": [unagreed.pk], "request-question": "Known to you?"},
    )
    assert response.status_code == 400
    [(anchor, message)] = error_summary(response)
    assert anchor == "#id_request-agencies_0"
    assert "Unagreed Trust" in message
    assert not InformationRequest.objects.exists()
    assert b"Known to you?</textarea>" in response.content  # what was typed is kept


# --- Needs and consent (the national statistics' screening fields) ------------------------------------


def _needs(**answers: Any) -> dict[str, Any]:
    return {f"needs-{name}": value for name, value in answers.items()}


def test_the_screener_records_needs_and_consent_where_known(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/needs-and-consent/"
    client = client_for(w.officer)
    page = text_of(client.get(url))
    for option in ("Autistic spectrum disorder", "None identified", "Not known", "Not asked yet", "Withdrawn"):
        assert option in page, option
    assert 'id="task-needs-status">Optional' in text_of(client.get(f"/referrals/{referral.pk}/screening/"))

    response = client.post(url, _needs(needs=["autism", "adhd"], consent_status="given"))
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/screening/"
    saved = Referral.objects.get(pk=referral.pk)
    assert sorted(saved.recorded_needs.values_list("code", flat=True)) == ["adhd", "autism"]
    assert saved.consent_status.code == "given"
    event = AuditEvent.objects.filter(object_id=str(referral.pk), verb=AuditVerb.CHANGED).latest("seq")
    assert event.details == {"fields": ["recorded_needs", "consent_status"]}  # which, never what
    assert 'id="task-needs-status">Completed' in text_of(client.get(f"/referrals/{referral.pk}/screening/"))
    again = text_of(client.get(url))
    assert re.search(r'value="autism"[^>]*checked', again)
    assert re.search(r'value="given"[^>]*checked', again)

    # Changed to "Not known": the earlier needs go.
    assert client.post(url, _needs(needs=["not_known"], consent_status="not_known")).status_code == 302
    saved = Referral.objects.get(pk=referral.pk)
    assert list(saved.recorded_needs.values_list("code", flat=True)) == ["not_known"]


def test_needs_and_consent_errors_are_shown_at_once_and_nothing_is_saved(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/needs-and-consent/"
    client = client_for(w.officer)
    response = client.post(url, {})
    assert response.status_code == 400
    assert [message for _, message in error_summary(response)] == [
        "Select the needs recorded, &#x27;None identified&#x27; or &#x27;Not known&#x27;",
        "Select whether the person has given consent, or &#x27;Not known&#x27;",
    ]
    response = client.post(url, _needs(needs=["autism", "none_identified"], consent_status="given"))
    assert response.status_code == 400
    assert "not both" in text_of(response)
    response = client.post(url, _needs(needs=["islamist"], consent_status="given"))
    assert response.status_code == 400
    saved = Referral.objects.get(pk=referral.pk)
    assert (saved.consent_status, saved.recorded_needs.count()) == (None, 0)


def test_only_a_screening_officer_records_needs_and_consent(w: ScreeningWorld) -> None:
    referral = w.referral()
    url = f"/referrals/{referral.pk}/screening/needs-and-consent/"
    answers = _needs(needs=["autism"], consent_status="given")
    assert client_for(w.teacher).post(url, answers).status_code == 403
    for who in (w.outsider, w.health_spoc, w.admin, w.auditor):
        assert client_for(who).post(url, answers).status_code == 404, who
    secret = w.secret_referral()
    secret_url = f"/referrals/{secret.pk}/screening/needs-and-consent/"
    assert client_for(w.police_baseline).post(secret_url, answers).status_code == 404
    for record in (referral, secret):
        saved = Referral.objects.get(pk=record.pk)
        assert (saved.consent_status, saved.recorded_needs.count()) == (None, 0)
    with pytest.raises(PermissionDenied):
        services.record_needs_and_consent(actor=w.teacher, referral_id=referral.pk, needs=[], consent=None)
