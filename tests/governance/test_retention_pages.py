"""The retention pages: who may open each (information governance: the auditors; the schedule:
partnership admins), what they see (records by reference, never a name or content), the error
summaries of bad input, and the queries each page costs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseTransition
from core.models import AuditEvent, AuditVerb
from governance import services
from governance.models import DisposalBatch, HoldScope, LegalHold
from partnership.models import Role, User
from referrals.models import Referral
from tests.conftest import sign_in_verified
from tests.sharing.worlds import kept_for_the_module
from tests.world import Partnership, new_admin, new_agency, new_auditor, new_user

pytestmark = pytest.mark.django_db

CONCERNS = "Posting threats about the mosque on Holloway Road."
OVERVIEW = "/governance/retention/"
LOG = "/governance/retention/log/"
HOLDS = "/governance/retention/holds/"
SCHEDULE = "/governance/retention/schedule/"
# Each page: the frame (one query, docs/adr/0031) and what the page itself reads.
OVERVIEW_QUERIES = 4
BATCH_QUERIES = 3
LOG_QUERIES = 2
HOLDS_QUERIES = 2


@dataclass
class RetentionWorld:
    w: Partnership
    auditor: User
    junior_auditor: User
    admin: User
    outsider: User
    case: Case
    referral: Referral
    batch: DisposalBatch
    hold: LegalHold

    def batch_url(self) -> str:
        return f"/governance/retention/batches/{self.batch.pk}/"

    def lift_url(self) -> str:
        return f"/governance/retention/holds/{self.hold.pk}/lift/"


def build() -> RetentionWorld:
    w = Partnership()
    case = w.case(concerns=CONCERNS)
    case_services.transition_case(actor=None, case_id=case.pk, to_status="not_adopted", reason="Signposted")
    referral = w.referral()
    case_services.screen_referral(
        actor=w.officer, referral_id=referral.pk, decision="signpost", signposted_to="early_help", rationale="Help"
    )
    # The pages act now: move both departures back past the schedule (the services are tested with ``now``).
    long_ago = timezone.now() - relativedelta(years=6, days=1)
    CaseTransition.objects.filter(case_id=case.pk).update(at=long_ago)
    Referral.objects.filter(pk=referral.pk).update(screened_at=long_ago)
    (batch,) = services.list_due_for_disposal()
    auditor = new_auditor(3)
    held = w.case()
    hold = services.place_legal_hold(actor=auditor, reference=held.reference, scope=HoldScope.CASE, reason="Claim")
    return RetentionWorld(
        w=w,
        auditor=auditor,
        junior_auditor=new_auditor(1),
        admin=new_admin(3),
        outsider=new_user(new_agency("Housing"), 3, Role.PRACTITIONER, Role.SPOC),
        case=Case.objects.get(pk=case.pk),
        referral=Referral.objects.get(pk=referral.pk),
        batch=batch,
        hold=hold,
    )


@pytest.fixture(scope="module")
def retention_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[RetentionWorld]:
    with kept_for_the_module(django_db_blocker):
        yield build()


@pytest.fixture
def rw(retention_world: RetentionWorld, db: Any) -> RetentionWorld:
    return retention_world


def client_of(user: User) -> Client:
    return sign_in_verified(Client(), user)


def ig_pages(rw: RetentionWorld) -> list[str]:
    return [OVERVIEW, rw.batch_url(), LOG, HOLDS, rw.lift_url()]


# --- Who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor", "junior_auditor"])
def test_information_governance_opens_every_retention_page(rw: RetentionWorld, who: str) -> None:
    """Records are shown by reference only, so no clearance is needed beyond the auditor role."""
    client = client_of(getattr(rw, who))
    for url in ig_pages(rw):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["admin", "chair", "teacher", "officer", "outsider"])
def test_everyone_else_is_refused_the_information_governance_pages(rw: RetentionWorld, who: str) -> None:
    user = getattr(rw, who, None) or getattr(rw.w, who)
    client = client_of(user)
    for url in ig_pages(rw):
        assert client.get(url).status_code == 403, url
    assert client.post(rw.batch_url(), {"confirm": "on"}).status_code == 403
    assert client.post(HOLDS, {"reference": rw.case.reference, "scope": "case", "reason": "x"}).status_code == 403
    assert client.post(rw.lift_url(), {"reason": "x"}).status_code == 403
    assert Case.objects.filter(pk=rw.case.pk).exists()
    assert LegalHold.objects.filter(pk=rw.hold.pk, lifted_at__isnull=True).exists()
    assert LegalHold.objects.count() == 1


@pytest.mark.parametrize("who", ["auditor", "chair", "teacher"])
def test_only_partnership_admins_open_the_schedule(rw: RetentionWorld, who: str) -> None:
    client = client_of(getattr(rw, who, None) or getattr(rw.w, who))
    assert client.get(SCHEDULE).status_code == 403
    assert client.post(SCHEDULE, {"case_years": 1, "referral_years": 1, "draft_days": 1}).status_code == 403
    assert client_of(rw.admin).get(SCHEDULE).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(rw: RetentionWorld) -> None:
    for url in [*ig_pages(rw), SCHEDULE]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert "/account/" in response["Location"], url


def test_a_batch_or_hold_that_does_not_exist_is_not_found(rw: RetentionWorld) -> None:
    client = client_of(rw.auditor)
    assert client.get("/governance/retention/batches/999999/").status_code == 404
    assert client.get("/governance/retention/holds/999999/lift/").status_code == 404


# --- What they see --------------------------------------------------------------------------------


def test_the_batch_shows_references_and_rules_never_names_or_content(rw: RetentionWorld) -> None:
    page = client_of(rw.auditor).get(rw.batch_url()).content.decode()
    assert rw.case.reference in page
    assert rw.referral.reference in page
    assert "6 years" in page
    person = rw.case.referral.subject
    for secret in (CONCERNS, person.given_name, person.family_name, rw.referral.subject.family_name):
        assert secret not in page
    assert "Approve and dispose of batch" in page


def test_the_overview_lists_the_waiting_batch_and_the_schedule(rw: RetentionWorld) -> None:
    page = client_of(rw.auditor).get(OVERVIEW).content.decode()
    assert f"Batch {rw.batch.pk}" in page
    assert "6 years after they leave the programme" in page
    assert "90 days" in page


def test_the_holds_page_lists_the_hold_by_reference(rw: RetentionWorld) -> None:
    held = Case.objects.get(pk=rw.hold.referral_id)
    page = client_of(rw.auditor).get(HOLDS).content.decode()
    assert held.reference in page
    assert "Claim" in page
    assert held.referral.subject.family_name not in page


# --- Doing it in the browser ----------------------------------------------------------------------


def test_approving_without_confirming_shows_an_error_summary_and_disposes_of_nothing(rw: RetentionWorld) -> None:
    response = client_of(rw.auditor).post(rw.batch_url(), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Confirm that you approve the disposal of these records" in page
    assert Case.objects.filter(pk=rw.case.pk).exists()


def test_approving_disposes_of_the_batch_and_the_log_shows_it(rw: RetentionWorld) -> None:
    client = client_of(rw.auditor)
    response = client.post(rw.batch_url(), {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 records disposed of" in page
    assert not Case.objects.filter(pk=rw.case.pk).exists()
    assert not Referral.objects.filter(pk=rw.referral.pk).exists()
    log = client.get(LOG).content.decode()
    assert f"Batch {rw.batch.pk}" in log
    assert rw.auditor.username in log
    again = client.post(rw.batch_url(), {"confirm": "on"}, follow=True)
    assert "already been disposed of" in again.content.decode()


def test_placing_a_hold_audits_it_and_bad_input_shows_an_error_summary(rw: RetentionWorld) -> None:
    client = client_of(rw.auditor)
    bad = client.post(HOLDS, {"reference": "nothing", "scope": "", "reason": ""})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "There is a problem" in text
    assert "Select what the hold covers" in text
    assert "Enter why the records must be kept" in text
    response = client.post(HOLDS, {"reference": rw.case.reference, "scope": "person", "reason": "Inquest"})
    assert response.status_code == 302
    hold = LegalHold.objects.get(referral_id=rw.case.pk)
    assert AuditEvent.objects.filter(object_type="governance.legalhold", object_id=str(hold.pk)).exists()


def test_lifting_a_hold_needs_a_reason(rw: RetentionWorld) -> None:
    client = client_of(rw.auditor)
    assert client.post(rw.lift_url(), {"reason": ""}).status_code == 400
    assert client.post(rw.lift_url(), {"reason": "Claim withdrawn"}).status_code == 302
    rw.hold.refresh_from_db()
    assert rw.hold.lift_reason == "Claim withdrawn"


def test_the_admin_saves_the_schedule_and_bad_input_shows_an_error_summary(rw: RetentionWorld) -> None:
    client = client_of(rw.admin)
    bad = client.post(SCHEDULE, {"case_years": "six", "referral_years": 9, "draft_days": 90})
    assert bad.status_code == 400
    assert "Years must be a whole number, like 6" in bad.content.decode()
    longer = client.post(SCHEDULE, {"case_years": 6, "referral_years": 9, "draft_days": 90})
    assert longer.status_code == 400
    assert "cannot be kept longer than cases" in longer.content.decode()
    assert client.post(SCHEDULE, {"case_years": 7, "referral_years": 5, "draft_days": 60}).status_code == 302
    assert AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=rw.admin.pk).count() == 3


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "queries"),
    [("overview", OVERVIEW_QUERIES), ("batch", BATCH_QUERIES), ("log", LOG_QUERIES), ("holds", HOLDS_QUERIES)],
)
def test_each_page_costs_a_fixed_number_of_queries(
    rw: RetentionWorld, django_assert_num_queries: Any, page: str, queries: int
) -> None:
    url = {"overview": OVERVIEW, "batch": rw.batch_url(), "log": LOG, "holds": HOLDS}[page]
    client = client_of(rw.auditor)
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
