"""``GET /api/v1/notifications/`` (DESIGN.md's contract): the caller's own in-app notifications,
newest first, cursor-paginated, each ``id``, ``kind``, ``text``, ``link``, ``created_at``, ``read``;
token and verified-session authentication; nobody else's, ever; anonymous callers refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from core import notifications
from core.models import Notification
from tests.conftest import sign_in_verified
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
NOON = dt.datetime(2026, 12, 14, 12, 0, tzinfo=dt.UTC)


def _notify(user, n: int, *, at: dt.datetime = NOON, kind: str = "meeting_notice") -> list[Notification]:
    """``n`` notifications for ``user``, a minute apart, the last the newest."""
    made = []
    for i in range(n):
        with time_machine.travel(at + dt.timedelta(minutes=i), tick=False):
            made += notifications.notify(recipients=[user], kind=kind, title=f"Note {i}", link=f"/panels/meetings/{i}/")
    return made


def _all_pages(client, headers, **params) -> list[dict]:
    body = client.get(URL, params, **headers).json()
    rows = list(body["results"])
    while body["next"]:
        body = client.get(body["next"], **headers).json()
        rows += body["results"]
    return rows


def test_each_notification_says_what_the_contract_says(client):
    user = UserFactory()
    [note] = _notify(user, 1)
    notifications.mark_read(user=user, notification_id=note.pk)
    response = client.get(URL, **token_headers(user))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["next"] is None
    assert body["previous"] is None
    [row] = body["results"]
    assert row == {
        "id": note.pk,
        "kind": "meeting_notice",
        "text": "Note 0",
        "link": "/panels/meetings/0/",
        "created_at": "2026-12-14T12:00:00Z",
        "read": True,
    }


def test_unread_ones_say_so(client):
    user = UserFactory()
    _notify(user, 1)
    [row] = client.get(URL, **token_headers(user)).json()["results"]
    assert row["read"] is False


def test_newest_first_across_pages_each_once_and_back_again(client):
    user = UserFactory()
    made = _notify(user, 7)
    headers = token_headers(user)
    newest_first = [n.pk for n in reversed(made)]
    assert [r["id"] for r in _all_pages(client, headers, page_size=3)] == newest_first
    first = client.get(URL, {"page_size": 3}, **headers).json()
    second = client.get(first["next"], **headers).json()
    assert [r["id"] for r in second["results"]] == newest_first[3:6]
    back = client.get(second["previous"], **headers).json()
    assert [r["id"] for r in back["results"]] == newest_first[:3]
    assert back["previous"] is None


def test_notifications_written_at_the_same_moment_are_ordered_by_id_and_none_is_lost(client):
    user = UserFactory()
    with time_machine.travel(NOON, tick=False):
        made = [n for _ in range(5) for n in notifications.notify(recipients=[user], kind="k", title="Same moment")]
    rows = _all_pages(client, token_headers(user), page_size=2)
    assert [r["id"] for r in rows] == sorted((n.pk for n in made), reverse=True)


def test_newest_means_the_moment_it_was_written_not_the_id(client):
    user = UserFactory()
    later = _notify(user, 1, at=NOON + dt.timedelta(days=1))
    earlier = _notify(user, 1, at=NOON)  # written after, about an earlier moment (a sweep catching up)
    rows = _all_pages(client, token_headers(user), page_size=1)
    assert [r["id"] for r in rows] == [later[0].pk, earlier[0].pk]


def test_another_users_notifications_never_appear(client):
    me, someone = UserFactory(), UserFactory()
    mine = _notify(me, 2)
    _notify(someone, 3)
    rows = _all_pages(client, token_headers(me), page_size=1)
    assert sorted(r["id"] for r in rows) == sorted(n.pk for n in mine)
    assert not client.get(URL, **token_headers(UserFactory())).json()["results"]


def test_a_cursor_cannot_reach_another_users_notifications(client):
    me, someone = UserFactory(), UserFactory()
    _notify(someone, 4)
    _notify(me, 2)
    # A cursor taken from someone else's list still only walks my own.
    theirs = client.get(URL, {"page_size": 1}, **token_headers(someone)).json()
    rows = client.get(theirs["next"], **token_headers(me)).json()["results"]
    assert {r["id"] for r in rows} <= set(Notification.objects.filter(recipient=me).values_list("pk", flat=True))


def test_anonymous_callers_are_refused(client):
    _notify(UserFactory(), 1)
    response = client.get(URL)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_a_session_needs_two_factor_and_then_works(client):
    user = UserFactory()
    _notify(user, 1)
    client.force_login(user)  # password only: not yet verified
    assert client.get(URL).status_code == 403
    sign_in_verified(client, user)
    body = client.get(URL).json()
    assert [r["text"] for r in body["results"]] == ["Note 0"]


@pytest.mark.parametrize(("params", "field"), [({"cursor": "not-a-cursor"}, "cursor"), ({"page_size": 0}, "page_size")])
def test_bad_paging_is_a_json_400(client, params, field):
    response = client.get(URL, params, **token_headers(UserFactory()))
    assert response.status_code == 400
    assert field in response.json()


def test_a_page_costs_the_same_queries_whatever_its_size(client, django_assert_max_num_queries):
    user = UserFactory()
    _notify(user, 30)
    headers = token_headers(user)
    for size in (1, 30):
        with django_assert_max_num_queries(3):  # the token (with its user), the page, nothing per row
            assert len(client.get(URL, {"page_size": size}, **headers).json()["results"]) == size
