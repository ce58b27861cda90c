"""What every signed-in page costs before its own work (docs/adr/0031): one query for the user, their
confirmed two-factor devices and the header's unread count; the session comes from the cache. And the
rules that one query must keep: a session is verified only by a confirmed device of its own user."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import Notification
from partnership.models import User
from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory, enrol_totp

# The frame: the user read with agency, clearance, confirmed devices and unread count in one query (the
# session is read from the cache). The privacy notice asks one thing of its own: the active agencies' names.
FRAME_QUERIES = 1
PRIVACY_PAGE_QUERIES = FRAME_QUERIES + 1


@pytest.fixture
def person(db: Any) -> User:
    return UserFactory()


def _signed_in(person: User) -> Client:
    client = sign_in_verified(Client(), person)
    assert client.get("/privacy/").status_code == 200
    return client


def test_a_signed_in_page_starts_with_one_query(person: User, django_assert_num_queries: Any) -> None:
    client = _signed_in(person)
    with django_assert_num_queries(PRIVACY_PAGE_QUERIES):
        response = client.get("/privacy/")
    assert response.status_code == 200
    assert 'href="/account/sign-out/"' in response.content.decode() or b"Sign out" in response.content


def test_the_header_counts_unread_notifications_in_that_query(person: User, django_assert_num_queries: Any) -> None:
    for n in range(3):
        Notification.objects.create(recipient=person, kind="test", title=f"Note {n}", link="/")
    Notification.objects.create(recipient=UserFactory(), kind="test", title="Someone else's", link="/")
    client = _signed_in(person)
    with django_assert_num_queries(PRIVACY_PAGE_QUERIES):
        body = client.get("/privacy/").content.decode()
    assert re.search(r'Notifications <strong class="govuk-tag[^"]*">3<span class="govuk-visually-hidden"> unread', body)


def test_a_reset_two_factor_ends_the_verified_session(person: User) -> None:
    client = _signed_in(person)
    TOTPDevice.objects.filter(user=person).delete()
    response = client.get("/privacy/")  # exempt from two-factor: the session is still signed in
    assert response.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/referrals/cases/")["Location"].startswith("/account/two-factor/")


def test_an_unconfirmed_device_does_not_verify_a_session(person: User) -> None:
    client = _signed_in(person)
    TOTPDevice.objects.filter(user=person).update(confirmed=False)
    assert client.get("/referrals/cases/")["Location"].startswith("/account/two-factor/")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_another_persons_device_does_not_verify_a_session(person: User) -> None:
    other = UserFactory()
    their_device = enrol_totp(other)
    client = _signed_in(person)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = their_device.persistent_id
    session.save()
    assert client.get("/referrals/cases/")["Location"].startswith("/account/two-factor/")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_deactivated_person_is_signed_out_on_their_next_request(person: User) -> None:
    client = _signed_in(person)
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = client.get("/referrals/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


def test_a_session_is_read_from_the_cache_and_survives_it_being_emptied(person: User) -> None:
    from django.core.cache import cache

    client = _signed_in(person)
    cache.clear()  # a restarted Redis: the database still has the session
    assert client.get("/referrals/cases/").status_code == 200
