"""What the referral reads answer, value for value, and what they cost in queries."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework import serializers

from referrals.api.serializers import ReferralSerializer
from referrals.models import Referral
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory
from tests.referrals.factories import draft_referral, submitted_referral

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _dated(referral: Referral, *, created: dt.datetime, updated: dt.datetime, submitted: dt.datetime | None) -> None:
    Referral.objects.filter(pk=referral.pk).update(created_at=created, updated_at=updated, submitted_at=submitted)


def test_a_referral_reads_as_the_contract_states_each_field(client):
    author = UserFactory()
    referral = submitted_referral(
        author,
        given_name="Ali",
        family_name="Test",
        date_of_birth=dt.date(2009, 1, 2),
        concerns="Worrying posts",
        ideology="mixed",
        urgency="routine",
        indicators=["online_material", "grievance"],
        immediate_risk=False,
    )
    # Summer time in London (the site's zone) is an hour ahead of UTC; winter is UTC itself, written with Z.
    _dated(
        referral,
        created=dt.datetime(2025, 1, 15, 9, 0, 0, 123456, tzinfo=UTC),
        updated=dt.datetime(2025, 7, 1, 12, 30, tzinfo=UTC),
        submitted=dt.datetime(2025, 1, 15, 9, 5, tzinfo=UTC),
    )
    headers = token_headers(author)

    detail = client.get(f"/api/v1/referrals/{referral.pk}/", **headers)
    listed = client.get("/api/v1/referrals/", **headers).json()["results"]

    assert detail.status_code == 200
    expected = {
        "id": referral.pk,
        "reference": referral.reference,
        "status": "submitted",
        "referring_agency": author.agency_id,
        "classification": referral.classification,
        "originator_only": False,
        "subject": {"given_name": "Ali", "family_name": "Test", "date_of_birth": "2009-01-02"},
        "concerns": "Worrying posts",
        "ideology": "mixed",
        "indicators": ["online_material", "grievance"],
        "urgency": "routine",
        "immediate_risk": False,
        "created_at": "2025-01-15T09:00:00.123456Z",
        "updated_at": "2025-07-01T13:30:00+01:00",
        "submitted_at": "2025-01-15T09:05:00Z",
    }
    assert detail.json() == expected
    assert list(detail.json()) == list(expected)  # the contract's order of fields too
    assert listed == [expected]


def test_blank_and_missing_answers_read_as_drf_renders_the_declared_fields():
    author = UserFactory()
    full = submitted_referral(author, indicators=["online_material"], immediate_risk=True, originator_only=True)
    bare = draft_referral(author, date_of_birth=None, ideology="", urgency="", indicators=[], immediate_risk=None)
    for referral in Referral.objects.select_related("subject").filter(pk__in=[full.pk, bare.pk]):
        serializer = ReferralSerializer()
        # DRF's generic rendering of the same declared fields (the one this serializer's own replaces)
        generic = serializers.ModelSerializer.to_representation(serializer, referral)
        assert ReferralSerializer(referral).data == generic
        assert list(ReferralSerializer(referral).data) == list(generic)
    bare_data = ReferralSerializer(Referral.objects.get(pk=bare.pk)).data
    assert (bare_data["reference"], bare_data["submitted_at"], bare_data["immediate_risk"]) == (None, None, None)
    assert bare_data["subject"]["date_of_birth"] is None


def test_a_referral_is_three_queries(client, django_assert_num_queries):
    author = UserFactory()
    referral = submitted_referral(author)
    headers = token_headers(author)
    # 1. the token, with its user, agency and clearance
    # 2. the referral with its subject and how the caller reads it (grant or break-glass)
    # 3. the audit event of the read
    with django_assert_num_queries(3):
        response = client.get(f"/api/v1/referrals/{referral.pk}/", **headers)
    assert response.status_code == 200
    assert response.json()["id"] == referral.pk
