"""What the benchmarks share: Django set up (``_setup``), users and signed-in clients, timed request series,
percentiles and the machine's load. Import it before any app module."""

from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import _setup  # noqa: F401 - sets Django up first
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import demo
from partnership.demo import DEMO_AGENCIES
from partnership.models import Agency, User
from partnership.services import issue_api_token
from partnership.session_times import LAST_SEEN, LOGIN_AT
from referrals.models import Referral, ReferralStatus

HOST = "localhost"


def options(doc: str | None, *, requests: int) -> argparse.ArgumentParser:
    """A bench's command line: described by its docstring's first paragraph, with ``--requests``."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=requests, help=f"timed requests per series (default {requests})"
    )
    return parser


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (0.95: the p95), nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def user(username: str) -> User:
    return User.objects.select_related("agency", "clearance").get(username=username)


def referred_to_panel(*, referrer: User, person: dict[str, Any], officer: User, panel: Any, chair: User) -> Any:
    """A referral written by ``referrer`` about ``person`` (the draft's fields), submitted, and screened by
    ``officer`` to ``panel`` with ``chair`` as the case owner, all through the services: the referral (its case
    has the same id)."""
    referral = demo.submitted(referrer, person)
    demo.screened(officer, referral, "refer_to_panel", "Meets the threshold.", panel=panel, case_owner=chair)
    return referral


def totp_device(reader: User, *, create: bool = True) -> TOTPDevice | None:
    """The reader's confirmed TOTP device; one made for the bench when they have none and ``create``."""
    device = TOTPDevice.objects.filter(user=reader, confirmed=True).first()
    if device is None and create:
        device = TOTPDevice.objects.create(user=reader, name="bench", confirmed=True)
    return device


def verified_client(reader: User, device: TOTPDevice | None = None) -> Client:
    """A browser session with two-factor verified on ``device`` (by default the reader's, made if need be), as
    after the real sign-in (TOTP codes cannot be replayed, so the bench does not go through the forms)."""
    device = device or totp_device(reader)
    client = Client(SERVER_NAME=HOST)
    client.force_login(reader, backend="partnership.backends.PartnershipBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LOGIN_AT] = session[LAST_SEEN] = int(time.time())
    session.save()
    return client


def api_client(reader: User, name: str) -> Client:
    """A client that sends a new API token of the reader's (``name`` says which bench issued it)."""
    key = issue_api_token(user=reader, name=name).key
    return Client(SERVER_NAME=HOST, HTTP_AUTHORIZATION=f"Token {key}")


@dataclass
class Series:
    times: list[float]  # ms a request, wall clock
    cpu: list[float]  # ms a request, this process's CPU time
    queries: int  # SQL statements of one request
    body: bytes  # the last response's content


def series(client: Client, url: str, n: int, warmup: int = 3) -> Series:
    """``n`` timed GETs of ``url`` after ``warmup`` untimed ones (each must answer 200)."""
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured.captured_queries)
    times, cpu = [], []
    body = b""
    for _ in range(n):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        body = response.content
    return Series(times, cpu, queries, body)


def ensure_demo() -> None:
    """The demo partnership, seeded (``seed_demo``) when any of its agencies is missing."""
    names = [d.name for d in DEMO_AGENCIES]
    if Agency.objects.filter(name__in=names).count() < len(names):
        print("Seeding the demo partnership (seed_demo) ...", flush=True)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def ensure_data(referrals: int, batch_size: int, seed: int) -> None:
    """The demo partnership (``seed_demo``) and at least ``referrals`` submitted referrals (``seed_scale`` tops up)."""
    ensure_demo()
    have = Referral.objects.exclude(status=ReferralStatus.DRAFT).count()
    if have >= referrals:
        print(f"Database already holds {have:,} submitted referrals: not seeding.")
        return
    missing = referrals - have
    print(f"Seeding {missing:,} referrals (database holds {have:,}) ...", flush=True)
    started = time.perf_counter()
    call_command("seed_scale", referrals=missing, batch_size=batch_size, seed=seed)
    print(f"Seeded {missing:,} referrals in {time.perf_counter() - started:.1f} s.")
