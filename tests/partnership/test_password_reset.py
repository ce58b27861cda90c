"""Password reset requests are throttled (issue 10 item 6): at most 3 emails per address and 10 requests
per IP address in any hour. Over a limit the page is the same "if the address matches an account" page,
no email goes out, and the refusal is in the audit trail. The throttle counts every request, known
address or not, so it never tells which addresses have accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from tests.partnership.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/password-reset/"
DONE = "/account/password-reset/sent/"
PER_ADDRESS = 3
PER_IP = 10


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    """Counts live in the cache, which outlives a test's database rollback: start and leave it empty."""
    cache.clear()
    yield
    cache.clear()


def _ask(client: Client, email: str, ip: str = "10.0.0.1") -> Any:
    return client.post(URL, {"email": email}, REMOTE_ADDR=ip)


def _sent_to(address: str) -> int:
    return sum(address in message.to for message in mail.outbox)


def test_twenty_one_requests_send_at_most_three_emails_to_one_address(client: Client) -> None:
    user = UserFactory()
    responses = [_ask(client, user.email) for _ in range(21)]
    assert {(r.status_code, r["Location"]) for r in responses} == {(302, DONE)}
    assert _sent_to(user.email) == PER_ADDRESS
    assert len(mail.outbox) == PER_ADDRESS


def test_the_address_limit_holds_across_ip_addresses_and_letter_case(client: Client) -> None:
    user = UserFactory()
    spellings = [user.email, user.email.upper(), f"  {user.email}  "]
    for n in range(9):
        _ask(client, spellings[n % 3], ip=f"10.0.1.{n}")
    assert _sent_to(user.email) == PER_ADDRESS


def test_the_ip_limit_holds_across_addresses(client: Client) -> None:
    users = [UserFactory() for _ in range(PER_IP + 2)]
    for user in users:
        assert _ask(client, user.email, ip="192.0.2.7")["Location"] == DONE
    assert len(mail.outbox) == PER_IP
    assert [_sent_to(u.email) for u in users] == [1] * PER_IP + [0, 0]
    # The same person from another network is not held back by someone else's flood.
    _ask(client, users[-1].email, ip="198.51.100.1")
    assert _sent_to(users[-1].email) == 1


def test_unknown_addresses_count_towards_the_ip_limit(client: Client) -> None:
    for n in range(PER_IP):
        _ask(client, f"nobody{n}@example.org", ip="192.0.2.8")
    user = UserFactory()
    assert _ask(client, user.email, ip="192.0.2.8")["Location"] == DONE
    assert mail.outbox == []


def test_a_refused_request_looks_like_any_other(client: Client) -> None:
    user = UserFactory()
    first = _ask(client, user.email)
    for _ in range(PER_ADDRESS):
        refused = _ask(client, user.email)
    unknown = _ask(client, "nobody@example.org")
    assert (first.status_code, first["Location"]) == (refused.status_code, refused["Location"])
    assert (unknown.status_code, unknown["Location"]) == (refused.status_code, refused["Location"])
    page = client.get(DONE).content.decode()
    assert "If the address you entered matches a Convene account" in page


def test_a_refusal_is_audited_with_where_it_came_from(client: Client) -> None:
    user = UserFactory()
    for _ in range(PER_ADDRESS + 2):
        _ask(client, user.email, ip="203.0.113.9")
    events = list(AuditEvent.objects.filter(verb=AuditVerb.PASSWORD_RESET_THROTTLED).order_by("seq"))
    assert len(events) == 2
    assert {e.ip_address for e in events} == {"203.0.113.9"}
    assert {e.details["limit"] for e in events} == {"address"}
    assert {e.details["email"] for e in events} == {user.email.lower()}
    assert {e.actor_id for e in events} == {None}

    for n in range(PER_IP + 1):
        _ask(client, f"other{n}@example.org", ip="203.0.113.10")
    [by_ip] = AuditEvent.objects.filter(verb=AuditVerb.PASSWORD_RESET_THROTTLED, ip_address="203.0.113.10")
    assert by_ip.details["limit"] == "ip_address"


def test_requests_within_the_limits_are_not_audited_as_refusals(client: Client) -> None:
    user = UserFactory()
    for _ in range(PER_ADDRESS):
        _ask(client, user.email)
    assert _sent_to(user.email) == PER_ADDRESS
    assert not AuditEvent.objects.filter(verb=AuditVerb.PASSWORD_RESET_THROTTLED).exists()


def test_the_allowance_comes_back_an_hour_after_each_request(client: Client) -> None:
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(PER_ADDRESS):
            _ask(client, user.email)
        clock.shift(dt.timedelta(minutes=59))
        _ask(client, user.email)
        assert _sent_to(user.email) == PER_ADDRESS
        clock.shift(dt.timedelta(minutes=2))
        _ask(client, user.email)
        assert _sent_to(user.email) == PER_ADDRESS + 1
