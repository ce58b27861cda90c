"""Screening, case, information request, chronology and report pages (issue 4).

Every page is checked for who may open it: the allowed user, another agency
(404), a reader below the clearance (404 or withheld), and the partnership
admin and auditor (404 or nothing). List and detail pages have pinned query
counts that do not grow with the number of rows (3 against 15).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseStatus, InformationRequest, RequestStatus
from core.models import AuditEvent, AuditVerb
from partnership.models import Role
from referrals import services
from referrals.models import ChronologyEntry, EntryType, Referral, ReferralStatus
from tests.cases.conftest import Readers
from tests.pages import PDF, assert_sign_in_needed, date_fields, error_summary, pinned_get, text_of
from tests.partnership.factories import AgencyFactory
from tests.world import client_for

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SC_TEXT = "Known to the crisis team since 2024; two admissions under section 2."
SUMMARY = "Health services have been involved; details are held at Security Check."


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


class CaseWorld(Readers):
    """The readers of the screening pages, and two more health practitioners (Security Check, Developed Vetting)."""

    def __init__(self) -> None:
        super().__init__()
        self.people(
            health_worker=(self.health, 2, Role.PRACTITIONER),
            health_dv=(self.health, 3, Role.PRACTITIONER),
        )

    def contribution(self, info_request: InformationRequest, **kwargs: Any) -> ChronologyEntry:
        values = {"text": SC_TEXT, "classification": 2, "releasable_summary": SUMMARY, **kwargs}
        return self.answer(info_request, **values)


@pytest.fixture
def w(db: Any) -> CaseWorld:
    return CaseWorld()


# --- Screening -----------------------------------------------------------------------------------------


def test_screening_queue_shows_the_clock_the_rag_and_overdue_referrals(w: CaseWorld) -> None:
    # Monday 2 March 2026, 10:00 in London: a routine referral's screening is due at the end of Monday 9 March.
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=LONDON), tick=False):
        fresh = w.referral(given_name="Freya", urgency="routine")
        late = w.referral(given_name="Leo", urgency="routine")
        Referral.objects.filter(pk=late.pk).update(screening_due_at=dt.datetime(2026, 2, 25, 23, 59, tzinfo=LONDON))
        services.review_rag(actor=w.officer, referral_id=fresh.pk, rag="red", rationale="Talk of weapons")
        page = text_of(client_for(w.officer).get("/referrals/screening/"))
    assert "9 Mar 2026" in page
    assert "5 working days left" in page
    assert (
        '<strong class="govuk-tag govuk-tag--red">Overdue</strong> <span class="govuk-body-s">by 3 working days' in page
    )
    assert "1 referral is past the screening deadline" in page
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page
    assert f'href="/referrals/{fresh.pk}/screening/"' in page
    assert page.index(late.reference) < page.index(fresh.reference)  # same urgency: the earlier deadline first


def test_screening_page_is_for_screening_officers_who_can_read_the_referral(w: CaseWorld) -> None:
    referral = w.referral()
    secret = services.submit_referral(
        actor=w.sc_teacher,
        referral_id=services.update_draft(
            actor=w.sc_teacher,
            referral_id=services.start_referral(actor=w.sc_teacher).pk,
            expected_version=None,
            changes={
                "given_name": "Sam",
                "family_name": "Secret",
                "approximate_age": 15,
                "concerns": "Concerns",
                "ideology": "mixed",
                "urgency": "routine",
                "classification": 2,
            },
        ).pk,
    )
    url = f"/referrals/{referral.pk}/screening/"
    assert client_for(w.officer).get(url).status_code == 200
    assert client_for(w.police_baseline).get(url).status_code == 200
    assert client_for(w.police_baseline).get(f"/referrals/{secret.pk}/screening/").status_code == 404  # clearance
    assert client_for(w.teacher).get(url).status_code == 403  # may read it, may not screen it
    for who in (w.outsider, w.health_spoc, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who
        assert client_for(who).post(f"{url}start/").status_code == 404, who
    assert client_for(w.officer).get("/referrals/999999/screening/").status_code == 404


def test_officer_records_deconfliction_a_note_and_the_rag_then_refers_to_the_panel(w: CaseWorld) -> None:
    referral = w.referral()
    client = client_for(w.officer)
    url = f"/referrals/{referral.pk}/screening/"
    # Deconfliction defaults: Security Check (the officer holds it) and kept inside the police.
    page = client.get(f"{url}deconfliction/").content.decode()
    assert re.search(r'id="id_deconfliction-classification_1"[^>]*value="2" checked', page)
    assert re.search(r'id="id_deconfliction-originator_only"[^>]*checked', page)
    assert 'value="3"' in page  # Developed Vetting is offered to a DV officer
    page = client.get(f"{url}notes/").content.decode()
    assert re.search(r'id="id_note-classification_0"[^>]*value="1" checked', page)
    # The case owner list: active chairs and practitioners of local authority agencies only.
    page = client.get(f"{url}decision/").content.decode()
    assert f'<option value="{w.chair.pk}"' in page
    assert f'<option value="{w.teacher.pk}"' not in page

    assert client.post(f"{url}start/").status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SCREENING
    response = client.post(
        f"{url}deconfliction/",
        {
            "deconfliction-text": "PNC and local intelligence checked: nothing held.",
            "deconfliction-classification": "2",
            "deconfliction-originator_only": "on",
        },
    )
    assert response.status_code == 302
    deconfliction = ChronologyEntry.objects.get(referral=referral, entry_type=EntryType.DECONFLICTION)
    assert (deconfliction.classification, deconfliction.originator_only) == (2, True)
    response = client.post(f"{url}notes/", {"note-text": "Spoke to the school.", "note-classification": "1"})
    assert response.status_code == 302
    note = ChronologyEntry.objects.get(referral=referral, entry_type=EntryType.SCREENING_NOTE)
    assert (note.classification, note.originator_only) == (1, False)
    response = client.post(f"{url}rag/", {"rag-rag": "amber", "rag-rationale": "Escalating online activity"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).rag == "amber"

    page = client.get(f"{url}deconfliction/")
    assert b"PNC and local intelligence checked" in page.content  # the officer's own screening record
    response = client.post(
        f"{url}decision/",
        {
            "decision-version": Referral.objects.get(pk=referral.pk).version,
            "decision-decision": "refer_to_panel",
            "decision-panel": w.panel.pk,
            "decision-case_owner": w.chair.pk,
            "decision-rationale": "Vulnerable and susceptible; meets the threshold.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}check-your-answers/"
    assert not Case.objects.filter(pk=referral.pk).exists()  # nothing is written before the answers are checked
    response = client.post(f"{url}check-your-answers/")
    assert response.status_code == 302
    assert response["Location"] == f"{url}decided/"
    case = Case.objects.get(pk=referral.pk)
    assert (case.owner, case.panel, case.status) == (w.chair, w.panel, CaseStatus.INFORMATION_GATHERING)
    # Decided: the decision form is gone and the decision is shown.
    page = client.get(url).content.decode()
    assert 'name="decision-decision"' not in page
    assert "Refer to the panel" in page

    # The school reads the chronology without the police's originator-only deconfliction, and it is not counted.
    page = text_of(client_for(w.teacher).get(f"/referrals/cases/{case.pk}/chronology/"))
    assert "PNC and local intelligence" not in page
    assert 'govuk-summary-card__title">Deconfliction' not in page  # neither the entry nor a hint of it
    assert "withheld" not in page
    assert "Spoke to the school." in page


def test_signposting_needs_a_service_and_goes_back_to_the_referral(w: CaseWorld) -> None:
    referral = w.referral()
    client = client_for(w.officer)
    data = {
        "decision-version": Referral.objects.get(pk=referral.pk).version,
        "decision-decision": "signpost",
        "decision-rationale": "Mental health needs, no ideology.",
    }
    response = client.post(f"/referrals/{referral.pk}/screening/decision/", data)
    assert response.status_code == 400
    assert error_summary(response) == [("#id_decision-signposted_to", "Choose the service you are signposting to")]
    response = client.post(
        f"/referrals/{referral.pk}/screening/decision/", {**data, "decision-signposted_to": "mental_health"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/screening/check-your-answers/"
    response = client.post(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/screening/decided/"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SIGNPOSTED


def test_screening_decision_errors_and_a_stale_version(w: CaseWorld) -> None:
    referral = w.referral()
    client = client_for(w.officer)
    url = f"/referrals/{referral.pk}/screening/decision/"
    response = client.post(url, {"decision-version": Referral.objects.get(pk=referral.pk).version})
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_decision-decision_0", "Select a decision"),
        ("#id_decision-rationale", "Give the rationale for the decision"),
    ]
    assert b"<title>Error: " in response.content
    version = Referral.objects.get(pk=referral.pk).version
    response = client.post(
        url, {"decision-version": version, "decision-decision": "refer_to_panel", "decision-rationale": "Threshold"}
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_decision-panel", "Choose the panel"),
        ("#id_decision-case_owner", "Choose the case owner"),
    ]
    # Someone else adds a note in the meantime: the decision on the old page is refused, nothing is lost.
    services.record_screening_note(actor=w.officer, referral_id=referral.pk, text="Checked", classification=1)
    response = client.post(
        url, {"decision-version": version, "decision-decision": "no_further_action", "decision-rationale": "None"}
    )
    assert response.status_code == 409
    assert "Someone changed this referral since you opened it" in text_of(response)
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED
    assert f'value="{Referral.objects.get(pk=referral.pk).version}"'.encode() in response.content  # offered afresh
    assert b"None</textarea>" in response.content  # what was typed is kept


def test_screening_note_errors(w: CaseWorld) -> None:
    referral = w.referral()
    response = client_for(w.police_baseline).post(
        f"/referrals/{referral.pk}/screening/deconfliction/",
        {"deconfliction-text": "", "deconfliction-classification": "3"},
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_deconfliction-text", "Enter the note"),
        ("#id_deconfliction-classification_0", "Select the clearance needed to read this"),
    ]
    assert not ChronologyEntry.objects.filter(referral=referral, entry_type=EntryType.DECONFLICTION).exists()


# --- Cases ---------------------------------------------------------------------------------------------


def test_case_list_shows_the_cases_your_agency_may_read(w: CaseWorld) -> None:
    case = w.case(given_name="Casey")
    for who in (w.chair, w.officer, w.teacher):
        page = client_for(who).get("/referrals/cases/")
        assert page.status_code == 200
        assert case.reference.encode() in page.content, who
    for who in (w.health_spoc, w.outsider, w.admin, w.auditor):
        page = client_for(who).get("/referrals/cases/")
        assert page.status_code == 200
        assert case.reference.encode() not in page.content, who
        assert b"Casey" not in page.content
    w.ask(case)
    assert case.reference.encode() in client_for(w.health_spoc).get("/referrals/cases/").content
    assert client_for(w.chair).get("/referrals/cases/?cursor=nonsense").status_code == 400


def test_case_page_permissions(w: CaseWorld) -> None:
    case = w.case()
    url = f"/referrals/cases/{case.pk}/"
    for who in (w.chair, w.officer, w.teacher):
        assert client_for(who).get(url).status_code == 200, who
    for who in (w.health_spoc, w.outsider, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who
    assert client_for(w.chair).get("/referrals/cases/999999/").status_code == 404
    # A referral without a case is not a case.
    assert client_for(w.officer).get(f"/referrals/cases/{w.referral().pk}/").status_code == 404


def test_a_case_above_your_clearance_does_not_exist_for_you(w: CaseWorld) -> None:
    draft = services.start_referral(actor=w.sc_teacher)
    services.update_draft(
        actor=w.sc_teacher,
        referral_id=draft.pk,
        expected_version=None,
        changes={
            "given_name": "Hidden",
            "family_name": "Person",
            "approximate_age": 16,
            "concerns": "Concerns",
            "ideology": "mixed",
            "urgency": "routine",
            "classification": 2,
        },
    )
    referral = services.submit_referral(actor=w.sc_teacher, referral_id=draft.pk)
    [info_request] = w.ask(w.screen(referral, rationale="Threshold"))
    for url in (
        f"/referrals/cases/{referral.pk}/",
        f"/referrals/cases/{referral.pk}/chronology/",
        f"/referrals/cases/{referral.pk}/chronology/export/csv/",
        f"/referrals/requests/{info_request.pk}/",
    ):
        assert client_for(w.health_spoc).get(url).status_code == 200, url
        assert client_for(w.health_baseline).get(url).status_code == 404, url
    assert b"Hidden" not in client_for(w.health_baseline).get("/referrals/cases/").content
    assert b"Hidden" not in client_for(w.health_baseline).get("/referrals/requests/").content


def test_case_page_for_the_owner_and_for_a_reader(w: CaseWorld) -> None:
    case = w.case()
    page = client_for(w.chair).get(f"/referrals/cases/{case.pk}/").content.decode()
    assert case.reference in page
    assert "Information gathering" in page
    assert w.panel.name in page
    assert f'href="/referrals/cases/{case.pk}/chronology/"' in page
    assert f'href="/panels/cases/{case.pk}/"' in page  # the panel record, when the panels app is installed
    # Only the states the table allows from here, and a hidden version.
    offered = re.findall(r'name="transition-to_status" type="radio" value="([a-z_0-9]+)"', page)
    # From information gathering DESIGN.md allows: discussed at panel, adopted, not adopted.
    assert sorted(offered) == ["adopted", "discussed", "not_adopted"]
    assert f'name="transition-version" value="{case.version}"' in page
    assert 'name="request-agencies"' in page
    assert 'name="note-text"' in page
    # A reader from another agency may add notes, but not manage the case.
    page = client_for(w.officer).get(f"/referrals/cases/{case.pk}/").content.decode()
    assert 'name="transition-to_status"' not in page
    assert 'name="request-agencies"' not in page
    assert 'name="note-text"' in page


def test_transition_with_a_reason_and_a_stale_edit_is_refused(w: CaseWorld) -> None:
    case = w.case()
    client = client_for(w.chair)
    url = f"/referrals/cases/{case.pk}/transition/"
    response = client.post(url, {"transition-version": case.version, "transition-to_status": "discussed"})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_transition-reason", "Give a reason for the change")]
    response = client.post(
        url,
        {"transition-version": case.version, "transition-to_status": "discussed", "transition-reason": "At panel"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISCUSSED
    # The same page, posted again: someone (here, the chair) changed the case in between.
    response = client.post(
        url,
        {"transition-version": case.version, "transition-to_status": "adopted", "transition-reason": "Consent given"},
    )
    assert response.status_code == 409
    assert "Someone changed this case since you opened it" in text_of(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.DISCUSSED
    current = Case.objects.get(pk=case.pk).version
    assert f'name="transition-version" value="{current}"' in response.content.decode()


def test_a_refused_transition_says_why(w: CaseWorld) -> None:
    case = w.case()
    response = client_for(w.chair).post(
        f"/referrals/cases/{case.pk}/transition/",
        {"transition-version": case.version, "transition-to_status": "closed", "transition-reason": "Done"},
    )
    assert response.status_code == 409
    assert "A case that is information gathering cannot become closed" in text_of(response)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INFORMATION_GATHERING


def test_only_the_case_owner_or_a_chair_may_change_the_status(w: CaseWorld) -> None:
    case = w.case()
    data = {"transition-version": case.version, "transition-to_status": "discussed", "transition-reason": "x"}
    assert client_for(w.officer).post(f"/referrals/cases/{case.pk}/transition/", data).status_code == 403
    assert client_for(w.outsider).post(f"/referrals/cases/{case.pk}/transition/", data).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.INFORMATION_GATHERING


def test_case_note_with_its_own_classification(w: CaseWorld) -> None:
    case = w.case()
    client = client_for(w.officer)
    response = client.post(f"/referrals/cases/{case.pk}/notes/", {"note-text": "", "note-classification": "1"})
    assert response.status_code == 400
    assert error_summary(response) == [("#id_note-text", "Enter the note")]
    response = client.post(
        f"/referrals/cases/{case.pk}/notes/",
        {"note-text": "Police note", "note-classification": "3", "note-originator_only": "on"},
    )
    assert response.status_code == 302
    note = ChronologyEntry.objects.get(referral=case.referral, entry_type=EntryType.CASE_NOTE)
    assert (note.classification, note.originator_only, note.owning_agency) == (3, True, w.police)
    assert client_for(w.outsider).post(f"/referrals/cases/{case.pk}/notes/", {"note-text": "x"}).status_code == 404


# --- Information requests --------------------------------------------------------------------------------


def test_coordinator_requests_information_with_a_default_due_date(w: CaseWorld) -> None:
    case = w.case()
    client = client_for(w.chair)
    page = client.get(f"/referrals/cases/{case.pk}/").content.decode()
    assert 'name="request-due_date_day"' in page
    assert re.search(r'name="request-due_date_year"[^>]*value="\d{4}"', page)  # filled in from the settings
    response = client.post(f"/referrals/cases/{case.pk}/requests/", {"request-question": ""})
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_request-agencies_0", "Select one or more agencies"),
        ("#id_request-question", "Enter what you are asking for"),
    ]
    past = timezone.localdate() - dt.timedelta(days=3)
    response = client.post(
        f"/referrals/cases/{case.pk}/requests/",
        {"request-agencies": [w.health.pk], "request-question": "Anything?", **date_fields("request-due_date", past)},
    )
    assert response.status_code == 400
    assert error_summary(response)[0][0] == "#id_request-due_date_day"
    response = client.post(
        f"/referrals/cases/{case.pk}/requests/",
        {"request-agencies": [w.health.pk, w.housing.pk], "request-question": "What do you know?"},
    )
    assert response.status_code == 302
    assert set(InformationRequest.objects.filter(case=case).values_list("agency__name", flat=True)) == {
        "Health",
        "Housing",
    }
    page = text_of(client.get(f"/referrals/cases/{case.pk}/"))
    assert "0 of 2 requests answered or closed." in page
    assert 'Chase<span class="govuk-visually-hidden"> Health</span>' in page


def test_spoc_queue_shows_overdue_requests(w: CaseWorld) -> None:
    case = w.case()
    [late] = w.ask(case)
    InformationRequest.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=2))
    page = text_of(client_for(w.health_spoc).get("/referrals/requests/"))
    assert case.reference in page
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in page
    assert "1 request is overdue" in page
    for who in (w.outsider, w.admin, w.auditor, w.officer):
        response = client_for(who).get("/referrals/requests/")
        assert response.status_code == 200
        assert case.reference.encode() not in response.content, who
    page = text_of(client_for(w.chair).get(f"/referrals/cases/{case.pk}/"))
    assert "1 request is overdue" in page


def test_request_page_permissions(w: CaseWorld) -> None:
    case = w.case()
    [info_request] = w.ask(case)
    url = f"/referrals/requests/{info_request.pk}/"
    for who in (w.health_spoc, w.health_baseline, w.chair):
        assert client_for(who).get(url).status_code == 200, who
    # The police can read the case but the request is not theirs; others cannot read the case at all.
    for who in (w.officer, w.teacher, w.outsider, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who
    assert client_for(w.health_spoc).get("/referrals/requests/999999/").status_code == 404
    spoc_page = client_for(w.health_spoc).get(url).content.decode()
    assert 'name="assign-assignee"' in spoc_page
    assert 'name="contribution-text"' in spoc_page
    reader_page = client_for(w.health_baseline).get(url).content.decode()
    assert 'name="assign-assignee"' not in reader_page
    assert 'name="contribution-text"' not in reader_page


def test_spoc_assigns_and_the_assignee_returns_a_contribution_with_a_document(w: CaseWorld) -> None:
    case = w.case()
    [info_request] = w.ask(case)
    spoc = client_for(w.health_spoc)
    url = f"/referrals/requests/{info_request.pk}/"
    page = spoc.get(url).content.decode()
    assert f'<option value="{w.health_worker.pk}"' in page
    assert f'<option value="{w.teacher.pk}"' not in page  # only the agency's people
    assert spoc.post(f"{url}assign/", {"assign-assignee": w.outsider.pk}).status_code == 400
    assert spoc.post(f"{url}assign/", {"assign-assignee": w.health_worker.pk}).status_code == 302
    assert InformationRequest.objects.get(pk=info_request.pk).assigned_to == w.health_worker

    worker = client_for(w.health_worker)
    response = worker.post(f"{url}contribution/", {"contribution-text": SC_TEXT, "contribution-classification": "2"})
    assert response.status_code == 400
    assert error_summary(response) == [
        (
            "#id_contribution-releasable_summary",
            "Above Baseline, give a summary that readers with Baseline clearance can see",
        )
    ]
    assert SC_TEXT.encode() in response.content  # kept
    response = worker.post(
        f"{url}contribution/",
        {
            "contribution-text": SC_TEXT,
            "contribution-classification": "2",
            "contribution-releasable_summary": SUMMARY,
            "contribution-documents": [
                SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("notes.txt", b"Plain notes", content_type="text/plain"),
            ],
        },
    )
    assert response.status_code == 302
    assert InformationRequest.objects.get(pk=info_request.pk).status == RequestStatus.RETURNED
    entry = ChronologyEntry.objects.get(referral=case.referral, entry_type=EntryType.CONTRIBUTION)
    assert (entry.classification, entry.body, entry.releasable_summary) == (2, SC_TEXT, SUMMARY)
    assert sorted(entry.documents.values_list("original_name", flat=True)) == ["letter.pdf", "notes.txt"]
    page = worker.get(url).content.decode()
    assert 'name="contribution-text"' not in page
    assert "has answered this request" in page


def test_a_bad_document_is_an_error_not_a_crash(w: CaseWorld) -> None:
    [info_request] = w.ask(w.case())
    response = client_for(w.health_spoc).post(
        f"/referrals/requests/{info_request.pk}/contribution/",
        {
            "contribution-text": "Nothing known",
            "contribution-classification": "1",
            "contribution-documents": [SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 64)],
        },
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        ("#id_contribution-documents", "The selected file must be a PDF, Word document, PNG, JPG or text file")
    ]


def test_coordinator_chases_extends_and_closes(w: CaseWorld) -> None:
    case = w.case()
    [info_request] = w.ask(case)
    chair = client_for(w.chair)
    base = f"/referrals/requests/{info_request.pk}"
    assert chair.post(f"{base}/chase/").status_code == 302
    assert InformationRequest.objects.get(pk=info_request.pk).chase_count == 1
    page = chair.get(f"{base}/extend/")
    assert page.status_code == 200
    response = chair.post(f"{base}/extend/", date_fields("due_date", info_request.due_date))
    assert response.status_code == 400
    assert error_summary(response) == [("#id_due_date_day", "The new due date must be later than the current one")]
    later = info_request.due_date + dt.timedelta(days=7)
    response = chair.post(f"{base}/extend/", {**date_fields("due_date", later), "reason": "Awaiting records"})
    assert response.status_code == 302
    assert InformationRequest.objects.get(pk=info_request.pk).due_date == later
    assert chair.post(f"{base}/close/").status_code == 302
    assert InformationRequest.objects.get(pk=info_request.pk).status == RequestStatus.CLOSED
    response = chair.post(f"{base}/close/", follow=True)
    assert "This request is already closed." in text_of(response)
    # The requested agency may not chase, extend or close its own request.
    [other] = w.ask(case)
    spoc = client_for(w.health_spoc)
    assert spoc.post(f"/referrals/requests/{other.pk}/chase/").status_code == 403
    assert spoc.get(f"/referrals/requests/{other.pk}/extend/").status_code == 403
    assert spoc.post(f"/referrals/requests/{other.pk}/close/").status_code == 403
    assert client_for(w.outsider).post(f"/referrals/requests/{other.pk}/close/").status_code == 404


# --- The chronology ----------------------------------------------------------------------------------------


@pytest.fixture
def chronology_case(w: CaseWorld) -> Case:
    """A case with an SC contribution from health (with a summary and a document), a DV police note without
    a summary, a health originator-only note and a school note."""
    case = w.case()
    [info_request] = w.ask(case)
    w.contribution(info_request, documents=[SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")])
    case_services.add_case_note(actor=w.officer, referral_id=case.pk, text="DV intelligence note", classification=3)
    case_services.add_case_note(
        actor=w.health_spoc, referral_id=case.pk, text="Health internal note", classification=1, originator_only=True
    )
    case_services.add_case_note(actor=w.chair, referral_id=case.pk, text="Coordinator note", classification=1)
    return case


def test_chronology_shows_summaries_and_withheld_counts(w: CaseWorld, chronology_case: Case) -> None:
    url = f"/referrals/cases/{chronology_case.pk}/chronology/"
    # A Baseline reader in health: the summary, marked, the DV note counted, their own originator-only note.
    page = text_of(client_for(w.health_baseline).get(url))
    assert SUMMARY in page
    assert SC_TEXT not in page
    assert "Summary released at Baseline" in page
    assert "1 entry is withheld at a higher classification." in page
    assert "DV intelligence note" not in page
    assert "Health internal note" in page
    assert "letter.pdf" not in page  # documents need the full entry
    # A Security Check reader in health: the full text and the document.
    page = text_of(client_for(w.health_spoc).get(url))
    assert SC_TEXT in page
    assert "Summary released at" not in page
    assert "letter.pdf" in page
    # The chair (Security Check, council): no health originator-only note, and it is not counted.
    page = text_of(client_for(w.chair).get(url))
    assert "Health internal note" not in page
    assert "1 entry is withheld" in page
    # The DV health reader sees everything but the other agency's... nothing is withheld.
    page = text_of(client_for(w.health_dv).get(url))
    assert "DV intelligence note" in page
    assert "withheld" not in page
    # Each entry is tagged with its agency, author, clearance and type.
    assert "Agency contribution" in page
    assert w.health_spoc.get_full_name() in page
    assert "Security Check" in page
    # Oldest first.
    assert page.index("Referral REF-") < page.index("Contribution from Health") < page.index("Coordinator note")


def test_chronology_permissions(w: CaseWorld, chronology_case: Case) -> None:
    url = f"/referrals/cases/{chronology_case.pk}/chronology/"
    for who in (w.chair, w.officer, w.teacher, w.health_spoc):
        assert client_for(who).get(url).status_code == 200, who
    for who in (w.outsider, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who
    # A referral without a case has a chronology too.
    referral = w.referral()
    assert client_for(w.teacher).get(f"/referrals/{referral.pk}/chronology/").status_code == 200
    assert client_for(w.outsider).get(f"/referrals/{referral.pk}/chronology/").status_code == 404


def test_chronology_filters(w: CaseWorld, chronology_case: Case) -> None:
    url = f"/referrals/cases/{chronology_case.pk}/chronology/"
    client = client_for(w.health_spoc)
    page = text_of(client.get(url, {"agency": w.council.pk}))
    assert "Coordinator note" in page
    assert "Contribution from Health" not in page
    page = text_of(client.get(url, {"entry_type": "contribution"}))
    assert "Contribution from Health" in page
    assert "Coordinator note" not in page
    assert "1 entry matching the filters" in page
    assert "/chronology/export/csv/?entry_type=contribution" in page
    response = client.get(url, {"entry_type": "gossip", "agency": "police"})
    assert response.status_code == 400
    assert sorted(error_summary(response)) == [
        ("#id_agency", "Select an agency from the list"),
        ("#id_entry_type", "Select a type of entry from the list"),
    ]


def test_mark_and_unmark_significant(w: CaseWorld, chronology_case: Case) -> None:
    """The case owner and the chair of the case's panel mark what matters (here the chair owns the case)."""
    note = ChronologyEntry.objects.get(referral=chronology_case.referral, body="Coordinator note")
    client = client_for(w.chair)
    back = f"/referrals/cases/{chronology_case.pk}/chronology/?entry_type=case_note"
    response = client.post(
        f"/referrals/chronology/entries/{note.pk}/significant/", {"significant": "yes", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{back}#entry-{note.pk}"
    assert ChronologyEntry.objects.get(pk=note.pk).significant
    page = text_of(client.get(f"/referrals/cases/{chronology_case.pk}/chronology/", {"significant": "on"}))
    assert "Coordinator note" in page
    assert "Health internal note" not in page
    # A reader who neither owns the case nor chairs its panel is refused, and is not offered the button.
    assert client_for(w.health_spoc).post(f"/referrals/chronology/entries/{note.pk}/significant/").status_code == 403
    assert "Mark as significant" not in text_of(
        client_for(w.health_spoc).get(f"/referrals/cases/{chronology_case.pk}/chronology/")
    )
    response = client.post(
        f"/referrals/chronology/entries/{note.pk}/significant/", {"significant": "no", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/referrals/{chronology_case.pk}/chronology/#entry-{note.pk}"
    assert not ChronologyEntry.objects.get(pk=note.pk).significant
    # An entry you may not read (or read only as a summary) cannot be marked.
    dv = ChronologyEntry.objects.get(referral=chronology_case.referral, body="DV intelligence note")
    assert client.post(f"/referrals/chronology/entries/{dv.pk}/significant/", {"significant": "yes"}).status_code == 404
    contribution = ChronologyEntry.objects.get(referral=chronology_case.referral, entry_type=EntryType.CONTRIBUTION)
    response = client_for(w.health_baseline).post(
        f"/referrals/chronology/entries/{contribution.pk}/significant/", {"significant": "yes"}
    )
    assert response.status_code == 404


def _csv_rows(response: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_exports_hold_only_what_the_reader_may_see_and_are_audited(w: CaseWorld, chronology_case: Case) -> None:
    base = f"/referrals/cases/{chronology_case.pk}/chronology/export"
    response = client_for(w.chair).get(f"{base}/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="chronology-{chronology_case.reference}')
    assert "no-store" in response["Cache-Control"]
    texts = [row["Text"] for row in _csv_rows(response)]
    assert SC_TEXT in texts
    assert "Health internal note" not in texts  # another agency's originator-only note
    assert "DV intelligence note" not in texts

    # A Baseline reader's CSV: the summary, not the Security Check text; their own agency's internal note.
    response = client_for(w.health_baseline).get(f"{base}/csv/")
    rows = _csv_rows(response)
    body = response.content.decode()
    assert SC_TEXT not in body
    assert "DV intelligence note" not in body
    [contribution] = [row for row in rows if row["Type"] == "Agency contribution"]
    assert contribution["Text"] == SUMMARY
    assert contribution["Released as a summary"] == "Yes: summary released at Baseline"
    assert contribution["Source agency"] == "Health"
    assert contribution["Classification"] == "Security Check"
    assert "Health internal note" in body

    event = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=w.health_baseline.pk).latest("seq")
    assert event.object_id == str(chronology_case.pk)
    assert event.details["format"] == "csv"
    assert event.details["withheld"] == 1
    assert event.details["summaries_only"] == [
        ChronologyEntry.objects.get(referral=chronology_case.referral, entry_type=EntryType.CONTRIBUTION).pk
    ]

    response = client_for(w.health_baseline).get(f"{base}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('.pdf"')
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=w.health_baseline.pk).count() == 2

    # Filtered exports follow the filters; unknown formats and outsiders get nothing.
    rows = _csv_rows(client_for(w.chair).get(f"{base}/csv/", {"entry_type": "case_note"}))
    assert [row["Text"] for row in rows] == ["Coordinator note"]
    assert client_for(w.chair).get(f"{base}/xlsx/").status_code == 404
    for who in (w.outsider, w.admin, w.auditor):
        assert client_for(who).get(f"{base}/csv/").status_code == 404, who
    assert not AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=w.outsider.pk).exists()


def test_pdf_export_text_is_the_readers_view(w: CaseWorld, chronology_case: Case) -> None:
    from core import pdf as pdf_module

    texts: list[str] = []
    original = pdf_module.PdfDocument.table

    def spy(self: Any, header: Any, rows: Any, widths: Any = None) -> None:
        rows = list(rows)
        texts.extend(str(cell) for row in rows for cell in row)
        original(self, header, rows, widths)

    pdf_module.PdfDocument.table = spy  # type: ignore[method-assign]
    try:
        client_for(w.health_baseline).get(f"/referrals/cases/{chronology_case.pk}/chronology/export/pdf/")
    finally:
        pdf_module.PdfDocument.table = original  # type: ignore[method-assign]
    joined = "\n".join(texts)
    assert SUMMARY in joined
    assert "(Summary released at Baseline)" in joined
    assert SC_TEXT not in joined
    assert "DV intelligence note" not in joined


def test_csv_cells_never_start_a_formula(w: CaseWorld) -> None:
    case = w.case()
    case_services.add_case_note(actor=w.chair, referral_id=case.pk, text='=HYPERLINK("http://x")', classification=1)
    rows = _csv_rows(client_for(w.chair).get(f"/referrals/cases/{case.pk}/chronology/export/csv/"))
    assert '\'=HYPERLINK("http://x")' in [row["Text"] for row in rows]


def test_contribution_documents_download_only_for_full_readers(w: CaseWorld, chronology_case: Case) -> None:
    contribution = ChronologyEntry.objects.get(referral=chronology_case.referral, entry_type=EntryType.CONTRIBUTION)
    document = contribution.documents.get()
    url = f"/referrals/chronology/documents/{document.pk}/download/"
    response = client_for(w.health_spoc).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    for who in (w.health_baseline, w.teacher, w.outsider, w.admin, w.auditor):
        assert client_for(who).get(url).status_code == 404, who


# --- Navigation and sign-in -----------------------------------------------------------------------------


def test_navigation(w: CaseWorld) -> None:
    def labels(user: Any) -> str:
        return client_for(user).get("/").content.decode()

    assert 'href="/referrals/cases/"' in labels(w.teacher)
    assert 'href="/referrals/requests/"' in labels(w.health_spoc)
    assert 'href="/referrals/requests/"' not in labels(w.teacher)
    for who in (w.chair, w.admin, w.auditor):
        assert 'href="/referrals/reports/outcomes/"' in labels(who), who
    assert 'href="/referrals/reports/outcomes/"' not in labels(w.officer)
    assert 'href="/referrals/cases/"' not in labels(w.admin)


def test_pages_need_sign_in(db: Any) -> None:
    assert_sign_in_needed(
        "/referrals/cases/",
        "/referrals/cases/1/",
        "/referrals/cases/1/chronology/",
        "/referrals/cases/1/chronology/export/csv/",
        "/referrals/1/screening/",
        "/referrals/1/chronology/",
        "/referrals/requests/",
        "/referrals/requests/1/",
        "/referrals/chronology/documents/1/download/",
        "/referrals/reports/outcomes/",
    )


# --- Query counts ------------------------------------------------------------------------------------------

# Pinned. Every page: the frame (one query: the user with agency, clearance, confirmed two-factor devices
# and the header's unread count; the session comes from the cache, docs/adr/0031).
# Cases list: the page of grants with the case, panel, owner and person joined, and the audit insert;
# the people who may own cases, for the owner filter.
# Requests queue: the agency's requests with case and people joined, each row carrying the overdue count
# of every request the filters keep (not only this page's; a subquery, a query of its own only for an
# empty page), and the audit insert; the agency's people, for the assignee filter.
# Case page: the case with its referral, person, panel and owner, read with how the viewer reads it and
# with the settings' working days for the default due date (a subquery); the audit insert; the active
# agencies (the request form's choices); clearance levels (the note form's choices); the requests with
# agency and assignee joined. What the viewer may do (move the case, ask, note, chase) costs nothing
# more: the read basis came with the case.
# Chronology: the case; agencies for the filter; entries (agency, author joined) each carrying the
# withheld count (a subquery, on its own only when no entry is shown); their documents (one prefetch);
# the audit insert; clearance names.
# A change here needs a reason.
CASE_LIST_QUERIES = 4
REQUEST_QUEUE_QUERIES = 4
CASE_PAGE_QUERIES = 6
CHRONOLOGY_QUERIES = 7


@pytest.mark.parametrize("rows", [3, 15])
def test_case_list_query_count_is_pinned(w: CaseWorld, rows: int, django_assert_num_queries: Any) -> None:
    cases = [w.case(given_name=f"Person{i}") for i in range(rows)]
    client = client_for(w.chair)
    response = pinned_get(client, "/referrals/cases/", CASE_LIST_QUERIES, django_assert_num_queries)
    assert all(case.reference.encode() in response.content for case in cases)


@pytest.mark.parametrize("rows", [3, 15])
def test_request_queue_query_count_is_pinned(w: CaseWorld, rows: int, django_assert_num_queries: Any) -> None:
    case = w.case()
    for i in range(rows):
        w.ask(case, question=f"Question {i}")
    InformationRequest.objects.filter(case=case).update(assigned_to=w.health_worker)
    client = client_for(w.health_spoc)
    response = pinned_get(client, "/referrals/requests/", REQUEST_QUEUE_QUERIES, django_assert_num_queries)
    assert response.content.decode().count("Question ") == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_case_page_query_count_is_pinned(w: CaseWorld, rows: int, django_assert_num_queries: Any) -> None:
    case = w.case()
    agencies = [AgencyFactory(name=f"Agency {i}") for i in range(rows)]
    requests = w.ask(case, *agencies)
    InformationRequest.objects.filter(pk__in=[r.pk for r in requests]).update(assigned_to=w.health_worker)
    client = client_for(w.chair)
    response = pinned_get(client, f"/referrals/cases/{case.pk}/", CASE_PAGE_QUERIES, django_assert_num_queries)
    assert response.content.decode().count("/extend/") == rows


@pytest.mark.parametrize("rows", [3, 15])
def test_chronology_query_count_is_pinned(w: CaseWorld, rows: int, django_assert_num_queries: Any) -> None:
    case = w.case()
    [info_request] = w.ask(case)
    w.contribution(info_request, documents=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")])
    for i in range(rows):
        author = (w.chair, w.officer, w.teacher)[i % 3]
        case_services.add_case_note(actor=author, referral_id=case.pk, text=f"Note number {i}", classification=1)
    case_services.add_case_note(actor=w.officer, referral_id=case.pk, text="Withheld", classification=3)
    client = client_for(w.chair)
    url = f"/referrals/cases/{case.pk}/chronology/"
    response = pinned_get(client, url, CHRONOLOGY_QUERIES, django_assert_num_queries)
    assert response.content.decode().count("Note number ") == rows
    assert b"1 entry is withheld" in response.content


def test_csv_starts_with_a_byte_order_mark_and_the_header(w: CaseWorld) -> None:
    case = w.case()
    body = client_for(w.chair).get(f"/referrals/cases/{case.pk}/chronology/export/csv/").content
    assert body.startswith("\ufeffWhen,Type,Source agency,Author,Classification".encode())


def test_the_referral_page_links_to_screening_the_case_and_the_chronology(w: CaseWorld) -> None:
    referral = w.referral()
    page = client_for(w.officer).get(f"/referrals/{referral.pk}/").content.decode()
    assert f'href="/referrals/{referral.pk}/screening/"' in page
    assert f'href="/referrals/{referral.pk}/chronology/"' in page
    page = client_for(w.teacher).get(f"/referrals/{referral.pk}/").content.decode()
    assert "/screening/" not in page
    case = w.case()
    page = client_for(w.officer).get(f"/referrals/{case.pk}/").content.decode()
    assert f'href="/referrals/cases/{case.pk}/"' in page
    assert "Screen this referral" not in page
