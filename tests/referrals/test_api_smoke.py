from __future__ import annotations

import pytest

from partnership.models import Role
from referrals.models import Referral
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.django_db


def test_post_then_get_and_list(client):
    police = new_police()
    school = new_agency()
    teacher = new_user(school, 2)
    headers = token_headers(teacher)
    response = client.post(
        "/api/v1/referrals/",
        {
            "subject": {"given_name": "Ali", "family_name": "Test", "date_of_birth": "2009-01-02"},
            "concerns": "Worrying posts",
            "classification": 2,
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("REF-")
    assert body["referring_agency"] == school.id
    assert body["subject"] == {"given_name": "Ali", "family_name": "Test", "date_of_birth": "2009-01-02"}
    detail = client.get(f"/api/v1/referrals/{body['id']}/", **headers)
    assert detail.status_code == 200
    listing = client.get("/api/v1/referrals/", **headers).json()
    assert [r["id"] for r in listing["results"]] == [body["id"]]
    officer = new_user(police, 2, Role.SCREENING_OFFICER)
    assert client.get(f"/api/v1/referrals/{body['id']}/", **token_headers(officer)).status_code == 200
    outsider = new_user(new_agency(), 3)
    assert client.get(f"/api/v1/referrals/{body['id']}/", **token_headers(outsider)).status_code == 404


def test_post_above_own_clearance_is_a_field_error(client):
    teacher = UserFactory(clearance=clearance(1))
    response = client.post(
        "/api/v1/referrals/",
        {"subject": {"given_name": "A", "family_name": "B"}, "concerns": "x", "classification": 2},
        content_type="application/json",
        **token_headers(teacher),
    )
    assert response.status_code == 400
    assert "classification" in response.json()


def test_share_and_revoke(client):
    author = UserFactory()
    referral = submitted_referral(author)
    other = new_agency()
    reader = UserFactory(agency=other)
    assert client.get(f"/api/v1/referrals/{referral.pk}/", **token_headers(reader)).status_code == 404
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/shares/",
        {"agency": other.pk, "reason": "Health input needed"},
        content_type="application/json",
        **token_headers(author),
    )
    assert response.status_code == 201, response.content
    assert client.get(f"/api/v1/referrals/{referral.pk}/", **token_headers(reader)).status_code == 200
    share_id = response.json()["id"]
    assert (
        client.delete(f"/api/v1/referrals/{referral.pk}/shares/{share_id}/", **token_headers(author)).status_code == 204
    )
    assert client.get(f"/api/v1/referrals/{referral.pk}/", **token_headers(reader)).status_code == 404


@pytest.mark.parametrize("page_size", [1, 10, 100])
def test_referral_list_costs_three_queries_whatever_the_page_size(client, page_size, django_assert_num_queries):
    author = UserFactory()
    for n in range(12):
        submitted_referral(author, given_name=f"Person{n}")
    headers = token_headers(author)
    # 1. the token, with its user, agency and clearance
    # 2. the page: the caller's grant rows with their referrals and subjects
    # 3. the audit event of the list read
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/referrals/?page_size={page_size}", **headers)
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, 12)


def test_the_api_takes_and_gives_what_it_did_and_records_the_national_type_of_concern(client):
    new_police()
    teacher = new_user(new_agency(), 2)
    response = client.post(
        "/api/v1/referrals/",
        {
            "subject": {"given_name": "Ali", "family_name": "Test", "date_of_birth": "2009-01-02"},
            "concerns": "Worrying posts",
            "classification": 1,
            "ideology": "mixed",
        },
        content_type="application/json",
        **token_headers(teacher),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ideology"] == "mixed"
    for field in ("concern_type", "source_sector", "consent_status", "recorded_needs"):
        assert field not in body
    saved = Referral.objects.select_related("concern_type", "source_sector").get(pk=body["id"])
    assert (saved.concern_type.code, saved.source_sector.code) == ("conflicted", "education")
    refused = client.post(
        "/api/v1/referrals/",
        {"subject": {"given_name": "A", "family_name": "B"}, "concerns": "x", "classification": 1, "ideology": "incel"},
        content_type="application/json",
        **token_headers(teacher),
    )
    assert refused.status_code == 400
    assert "ideology" in refused.json()
