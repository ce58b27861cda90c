"""The notification centre: your notifications (unread first), mark one or all read, the
header's unread count (one cheap query, none for anonymous visitors), and email choices."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from cases.reminders import REQUEST_DUE_SOON
from core import notifications
from core.models import Notification, NotificationPreference
from core.notifications.context import unread_notifications
from sharing.reminders import BREAK_GLASS
from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db


def _note(user, title, read=False, link="/referrals/mine/"):
    return Notification.objects.create(
        recipient=user, kind="meeting_notice", title=title, link=link, read_at=timezone.now() if read else None
    )


def test_the_list_shows_my_notifications_unread_first_and_nobody_elses(client, user):
    _note(user, "Older read one", read=True)
    _note(user, "Unread one")
    _note(UserFactory(), "Someone else's")
    sign_in_verified(client, user)
    response = client.get("/notifications/")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Unread one") < body.index("Older read one")
    assert "Someone else" not in body
    # The header shows the unread count.
    assert re.search(r'Notifications <strong class="govuk-tag[^"]*">1<span class="govuk-visually-hidden"> unread', body)


def test_mark_one_read_and_open_it(client, user):
    note = _note(user, "Open me")
    sign_in_verified(client, user)
    assert client.get(f"/notifications/{note.pk}/read/").status_code == 405  # POST only
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/referrals/mine/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_never_followed(client, user):
    note = _note(user, "Odd", link="https://evil.example/")
    sign_in_verified(client, user)
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_someone_elses_notification_is_not_found(client, user):
    other = _note(UserFactory(), "Not yours")
    sign_in_verified(client, user)
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_all_read(client, user):
    for n in range(3):
        _note(user, f"Note {n}")
    untouched = _note(UserFactory(), "Theirs")
    sign_in_verified(client, user)
    response = client.post("/notifications/read-all/", follow=True)
    assert "Marked 3 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=untouched.pk).read_at is None


# The frame (docs/adr/0031: the user with their devices and the header's unread count), the paginator's
# count of the user's notifications, and the page of them.
CENTRE_QUERIES = 3


@pytest.mark.parametrize("rows", [1, 30])
def test_the_centre_asks_the_database_a_fixed_number_of_times(client, user, rows, django_assert_num_queries):
    for n in range(rows):
        _note(user, f"Note {n}")
    sign_in_verified(client, user)
    client.get("/notifications/")  # warm the session's lazy state
    with django_assert_num_queries(CENTRE_QUERIES):
        response = client.get("/notifications/")
    assert response.status_code == 200
    assert response.content.decode().count("Mark as read<span") == min(rows, 25)  # one page of 25


def test_the_centre_needs_a_signed_in_user(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/account/sign-in/" in response["Location"]


def test_the_unread_count_costs_one_query_when_shown_and_none_otherwise(user, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notifications(request) == {"unread_notifications": None}
    request.user = user
    for n in range(120):
        _note(user, f"n{n}")
    with django_assert_num_queries(0):
        context = unread_notifications(request)
    with django_assert_num_queries(1):
        assert str(context["unread_notifications"]) == "99+"
        assert context["unread_notifications"]
    notifications.mark_all_read(user=user)
    assert not unread_notifications(request)["unread_notifications"]


def test_email_preferences_per_kind_with_mandatory_kinds_fixed(client, user, settings):
    settings.CONVENE_MANDATORY_REMINDER_KINDS = [BREAK_GLASS]
    sign_in_verified(client, user)
    page = client.get("/notifications/preferences/").content.decode()
    assert "Information request due soon" in page
    assert 'name="break_glass"' not in page
    assert "Always emailed" in page
    answers = {code: "email" for code in notifications.reminder_kinds() if code != BREAK_GLASS}
    answers[REQUEST_DUE_SOON] = "in_app"
    answers[BREAK_GLASS] = "in_app"  # ignored: mandatory
    response = client.post("/notifications/preferences/", answers)
    assert response.status_code == 302
    prefs = notifications.email_preferences(user)
    assert prefs[REQUEST_DUE_SOON] is False
    assert prefs[BREAK_GLASS] is True
    assert not NotificationPreference.objects.filter(user=user, kind=BREAK_GLASS).exists()
    # Changing one's mind back.
    answers[REQUEST_DUE_SOON] = "email"
    client.post("/notifications/preferences/", answers)
    assert notifications.email_preferences(user)[REQUEST_DUE_SOON] is True


def test_a_missing_choice_is_an_error(client, user):
    sign_in_verified(client, user)
    response = client.post("/notifications/preferences/", {REQUEST_DUE_SOON: "in_app"})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
