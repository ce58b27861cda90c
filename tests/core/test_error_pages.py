"""The service's own pages where Django would show its default (CSRF) and the schema's access rule."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_failed_csrf_check_shows_the_services_own_page_without_inline_styles():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/sign-in/", {"username": "someone", "password": "secret"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form could not be sent" in page
    assert "govuk-template" in page or "govuk-" in page
    assert "<style" not in page
    assert ' style="' not in page


@pytest.mark.parametrize("path", ["/api/schema/", "/api/schema/docs/"])
def test_in_production_the_schema_needs_a_signed_in_user(settings, path):
    settings.CONVENE_API_SCHEMA_PUBLIC = False
    anonymous = Client().get(path)
    assert anonymous.status_code in (401, 403)
    assert b"openapi" not in anonymous.content
    client = Client()
    sign_in_verified(client, UserFactory())
    assert client.get(path).status_code == 200


def test_where_the_schema_is_public_anyone_may_read_it(settings):
    settings.CONVENE_API_SCHEMA_PUBLIC = True
    assert Client().get("/api/schema/").status_code == 200
