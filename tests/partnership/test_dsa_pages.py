"""The data-sharing agreement pages: partnership admins only; recording one through the page is
audited and makes the agency able to receive new shares again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership import selectors
from partnership.models import DataSharingAgreement, LawfulBasis, Role
from tests.pages import date_fields, error_summary, text_of
from tests.world import client_for, new_admin, new_agency, new_user

pytestmark = pytest.mark.django_db


def test_admins_see_the_register_and_case_workers_and_auditors_are_refused() -> None:
    covered, bare = new_agency("Northshire Health"), new_agency("Northshire Housing", agreement=False)
    page = client_for(new_admin()).get("/account/agreements/")
    assert page.status_code == 200
    text = text_of(page)
    assert "Northshire Health" in text
    assert "Northshire Housing" in text
    assert f"/account/agreements/{bare.pk}/" in page.content.decode()
    for role in (Role.PRACTITIONER, Role.AUDITOR, Role.PANEL_CHAIR):
        client = client_for(new_user(covered, 3, role))
        assert client.get("/account/agreements/").status_code == 403
        assert client.get(f"/account/agreements/{bare.pk}/").status_code == 403
        assert client.post(f"/account/agreements/{bare.pk}/", {"reference": "X"}).status_code == 403
    assert not DataSharingAgreement.objects.filter(agency=bare).exists()


def test_an_admin_records_an_agreement_through_the_page() -> None:
    admin, housing = new_admin(), new_agency("Northshire Housing", agreement=False)
    client = client_for(admin)
    response = client.post(f"/account/agreements/{housing.pk}/", {"reference": ""})
    assert response.status_code == 400
    anchors = [anchor for anchor, _ in error_summary(response)]
    assert "#id_reference" in anchors
    assert "#id_review_due_day" in anchors
    today = timezone.localdate()
    response = client.post(
        f"/account/agreements/{housing.pk}/",
        {
            "reference": "DSA-HOUSING-2026",
            **date_fields("signed_on", today - dt.timedelta(days=2)),
            **date_fields("review_due", today + dt.timedelta(days=365)),
            "lawful_bases": [LawfulBasis.PUBLIC_TASK, LawfulBasis.STATUTORY_PURPOSES],
        },
    )
    assert response.status_code == 302
    agreement = selectors.current_agreement(housing)
    assert agreement is not None
    assert agreement.reference == "DSA-HOUSING-2026"
    assert AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=admin.pk, object_id=str(agreement.pk)).exists()


@pytest.mark.parametrize(
    ("signed", "review", "anchor"),
    [(-3, -10, "#id_review_due_day"), (3, 300, "#id_signed_on_day")],
)
def test_the_page_refuses_a_past_review_date_and_a_signing_in_the_future(signed: int, review: int, anchor: str) -> None:
    housing = new_agency(agreement=False)
    today = timezone.localdate()
    response = client_for(new_admin()).post(
        f"/account/agreements/{housing.pk}/",
        {
            "reference": "DSA-1",
            **date_fields("signed_on", today + dt.timedelta(days=signed)),
            **date_fields("review_due", today + dt.timedelta(days=review)),
            "lawful_bases": [LawfulBasis.PUBLIC_TASK],
        },
    )
    assert response.status_code == 400
    assert [a for a, _ in error_summary(response)] == [anchor]
    assert not DataSharingAgreement.objects.filter(agency=housing).exists()
