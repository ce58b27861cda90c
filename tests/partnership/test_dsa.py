"""Data-sharing agreements: which one is current, and that an agency without one receives no new
explicit shares or information requests (with the reason, on the page and in the API)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, InformationRequest
from core.errors import PermissionDenied
from core.models import AuditEvent, AuditVerb
from partnership import selectors, services
from partnership.models import DataSharingAgreement, LawfulBasis, Role
from referrals.models import Referral
from sharing.models import Share, ShareBasis
from tests.pages import error_summary
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import record_agreement as _record
from tests.world import Partnership, client_for, new_admin, new_agency, new_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


# --- Which agreement is current ---------------------------------------------------------------


def test_an_agency_without_an_agreement_has_no_current_one() -> None:
    assert selectors.current_agreement(new_agency(agreement=False), on=TODAY) is None


def test_an_unsigned_agreement_is_not_current() -> None:
    agency = new_agency(agreement=False)
    _record(agency, "DSA-DRAFT", signed_on=None, review_due=TODAY + dt.timedelta(days=300))
    assert selectors.current_agreement(agency, on=TODAY) is None


def test_an_agreement_past_its_review_date_is_not_current_and_is_on_the_review_day() -> None:
    agency = new_agency(agreement=False)
    agreement = _record(agency, "DSA-OLD", signed_on=TODAY - dt.timedelta(days=400), review_due=TODAY)
    assert selectors.current_agreement(agency, on=TODAY) == agreement
    assert selectors.current_agreement(agency, on=TODAY + dt.timedelta(days=1)) is None


def test_the_newest_signed_current_agreement_wins() -> None:
    agency = new_agency(agreement=False)
    _record(agency, "DSA-1", signed_on=TODAY - dt.timedelta(days=300), review_due=TODAY + dt.timedelta(days=60))
    newest = _record(agency, "DSA-2", signed_on=TODAY - dt.timedelta(days=10), review_due=TODAY + dt.timedelta(days=30))
    _record(agency, "DSA-3", signed_on=None, review_due=TODAY + dt.timedelta(days=900))
    _record(agency, "DSA-0", signed_on=TODAY - dt.timedelta(days=5), review_due=TODAY - dt.timedelta(days=1))
    assert selectors.current_agreement(agency, on=TODAY) == newest


def test_the_factory_gives_agencies_a_current_agreement() -> None:
    assert selectors.current_agreement(new_agency()) is not None


# --- Recording ---------------------------------------------------------------------------------


def test_recording_an_agreement_is_audited_as_configuration() -> None:
    admin, agency = new_admin(), new_agency(agreement=False)
    values = {
        "reference": "DSA-7",
        "signed_on": TODAY,
        "review_due": TODAY + dt.timedelta(days=365),
        "lawful_bases": [LawfulBasis.SUBSTANTIAL_PUBLIC_INTEREST, LawfulBasis.PUBLIC_TASK],
    }
    agreement = services.record_data_sharing_agreement(actor=admin, agency=agency, values=values)
    event = AuditEvent.objects.get(object_type="partnership.datasharingagreement", object_id=str(agreement.pk))
    assert event.verb == AuditVerb.CONFIGURED
    assert event.actor_id == admin.pk
    assert event.details["action"] == "created"
    assert event.details["after"]["reference"] == "DSA-7"
    assert event.details["after"]["agency"] == agency.pk
    assert event.details["after"]["review_due"] == (TODAY + dt.timedelta(days=365)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lawful_bases": []}, "lawful_bases"),
        ({"review_due": TODAY - dt.timedelta(days=1)}, "review_due"),
        ({"reference": ""}, "reference"),
    ],
)
def test_an_agreement_needs_a_basis_a_reference_and_a_later_review(changes: dict[str, object], field: str) -> None:
    values = {"reference": "DSA-9", "signed_on": TODAY, "review_due": TODAY + dt.timedelta(days=9)}
    values |= {"lawful_bases": [LawfulBasis.PUBLIC_TASK], **changes}
    with pytest.raises(ValidationError) as caught:
        services.record_data_sharing_agreement(agency=new_agency(agreement=False), values=values)
    assert field in caught.value.message_dict
    assert not DataSharingAgreement.objects.filter(reference="DSA-9").exists()


def test_only_partnership_admins_record_agreements() -> None:
    agency = new_agency()
    for role in (Role.PRACTITIONER, Role.AUDITOR):
        with pytest.raises(PermissionDenied):
            services.record_data_sharing_agreement(
                actor=new_user(agency, 3, role),
                agency=agency,
                values={"reference": "X", "signed_on": TODAY, "review_due": TODAY + dt.timedelta(days=9)},
            )


# --- Enforcement ------------------------------------------------------------------------------

NO_DSA_SHARE = "Northshire Housing has no current data-sharing agreement, so it cannot be sent new shares."
NO_DSA_REQUEST = "Northshire Housing has no current data-sharing agreement, so it cannot be sent information requests."


class World(Partnership):
    def __init__(self, *, housing_agreement: bool) -> None:
        super().__init__()
        self.housing = new_agency("Northshire Housing", agreement=housing_agreement)


def _shares_to(world: World) -> int:
    return Share.objects.filter(agency=world.housing, basis=ShareBasis.EXPLICIT).count()


def _share_on_page(w: World, referral: Referral) -> Any:
    return client_for(w.teacher).post(f"/referrals/{referral.pk}/share/", {"agency": w.housing.pk, "reason": "Input"})


def test_a_share_to_an_agency_without_an_agreement_is_refused_on_the_page() -> None:
    w = World(housing_agreement=False)
    referral = w.referral()
    response = _share_on_page(w, referral)
    assert response.status_code == 400
    assert error_summary(response) == [("#id_agency", NO_DSA_SHARE)]
    assert _shares_to(w) == 0


def test_a_share_to_an_agency_without_an_agreement_is_refused_in_the_api() -> None:
    w = World(housing_agreement=False)
    referral = w.referral()
    response = client_for(w.teacher).post(
        f"/api/v1/referrals/{referral.pk}/shares/",
        {"agency": w.housing.pk, "reason": "Housing input"},
        content_type="application/json",
        **token_headers(w.teacher),
    )
    assert response.status_code == 400
    assert response.json()["agency"] == [NO_DSA_SHARE]
    assert _shares_to(w) == 0


def test_a_share_to_an_agency_with_an_agreement_is_made() -> None:
    w = World(housing_agreement=True)
    referral = w.referral()
    response = _share_on_page(w, referral)
    assert response.status_code == 302
    assert _shares_to(w) == 1


def test_a_lapsed_agreement_leaves_existing_shares_alone() -> None:
    w = World(housing_agreement=True)
    referral = w.referral()
    _share_on_page(w, referral)
    DataSharingAgreement.objects.filter(agency=w.housing).update(review_due=timezone.localdate() - dt.timedelta(days=1))
    share = Share.objects.get(agency=w.housing, basis=ShareBasis.EXPLICIT)
    assert share.revoked_at is None
    assert share.lapsed_at is None
    other = w.referral(given_name="Other")
    response = _share_on_page(w, other)
    assert response.status_code == 400
    assert _shares_to(w) == 1


def test_an_information_request_to_an_agency_without_an_agreement_is_refused_on_the_page() -> None:
    w = World(housing_agreement=False)
    case = w.case()
    response = client_for(w.chair).post(
        f"/referrals/cases/{case.pk}/requests/",
        {"request-agencies": [w.health.pk, w.housing.pk], "request-question": "What do you know?"},
    )
    assert response.status_code == 400
    assert error_summary(response) == [("#id_request-agencies_0", NO_DSA_REQUEST)]
    assert not InformationRequest.objects.filter(case=case).exists()


def _ask_in_the_api(w: World, case: Case) -> Any:
    return client_for(w.chair).post(
        f"/api/v1/cases/{case.pk}/information-requests/",
        {"agencies": [w.housing.pk], "question": "What do you know?"},
        content_type="application/json",
        **token_headers(w.chair),
    )


def test_an_information_request_to_an_agency_without_an_agreement_is_refused_in_the_api() -> None:
    w = World(housing_agreement=False)
    case = w.case()
    response = _ask_in_the_api(w, case)
    assert response.status_code == 400
    assert response.json()["agencies"] == [NO_DSA_REQUEST]
    assert not InformationRequest.objects.filter(case=case).exists()


def test_an_information_request_to_an_agency_with_an_agreement_is_sent() -> None:
    w = World(housing_agreement=True)
    case = w.case()
    response = _ask_in_the_api(w, case)
    assert response.status_code == 201
    assert InformationRequest.objects.filter(case=case, agency=w.housing).count() == 1
