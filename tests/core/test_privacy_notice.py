"""The privacy notice: public, linked from every page's footer and the referral start page, and naming
each partner agency as a controller."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.pages import text_of
from tests.world import client_for, new_agency, new_user

pytestmark = pytest.mark.django_db


def test_the_privacy_notice_is_public_and_lists_the_agencies_as_controllers(client: Client) -> None:
    new_agency("Northshire Housing")
    new_agency("Northshire Health")
    new_agency("Closed Agency", is_active=False)
    response = client.get("/privacy/")
    assert response.status_code == 200
    page = text_of(response)
    assert "Northshire Housing" in page
    assert "Northshire Health" in page
    assert "Closed Agency" not in page
    assert "UK GDPR Article 6(1)(e)" in page
    assert "UK GDPR Article 9(2)(g)" in page
    assert "Schedule 1 Part 2 paragraph 6" in page
    assert "6 years after their case leaves the programme" in page
    assert "information governance (IG) officer" in page


def test_a_signed_in_person_not_yet_through_two_factor_can_read_it(client: Client) -> None:
    user = new_user(new_agency())
    client.force_login(user)
    assert client.get("/privacy/").status_code == 200


def test_the_footer_and_the_referral_start_page_link_to_it(client: Client) -> None:
    assert 'href="/privacy/"' in client.get("/account/sign-in/").content.decode()
    start = client_for(new_user(new_agency())).get("/referrals/new/")
    assert start.status_code == 200
    assert start.content.decode().count('href="/privacy/"') == 2  # the footer and the page
