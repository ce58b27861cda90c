#!/usr/bin/env python
"""Caseload benchmark: the referral list at scale, for a big and a small caseload.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench \\
        .venv/bin/python bench/caseload.py --referrals 1000000

Seeds (``seed_demo``, then ``seed_scale`` for the difference) only when the
database holds fewer submitted referrals than asked, then measures in-process
with ``django.test.Client``:

* the API list (token auth) and the HTML caseload page (when it exists), page
  sizes 10 and 100, the first page and a deep page (``next`` followed
  ``--deep`` times): p50/p95 of the whole request, p50/p95 of the page query's
  database time (every SQL statement is timed with ``connection.execute_wrapper``;
  the page query is the SELECT on the grant table; its server time from
  EXPLAIN ANALYZE), this process's CPU time a request (steady when other work
  competes for the machine, unlike wall-clock time), and queries per request.
  Every list request also writes its audit event (the hash-chain trigger with
  its advisory lock), as in production;
* a single-record visibility check (``sharing.policy.can``): time and queries;
* guardian's ``get_objects_for_user`` for the same user, first 20 by
  ``-change_seq``, against the grants-index page query, and the ratio.

Targets (issue 3): p95 <= 50 ms a request, <= 5 ms the page query, deep page
within 1.5x of the first, <= 4 queries at page sizes 10 and 100, one query for
a visibility check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from _common import HOST, api_client, ensure_data, load, options, pct, totp_device, verified_client  # Django first
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from partnership.models import User
from referrals.models import Referral, ReferralStatus
from sharing import policy

API_URL = "/api/v1/referrals/"
PAGE_URL = "/referrals/caseload/"
TARGET_REQUEST_P95_MS = 50.0
TARGET_QUERY_P95_MS = 5.0
TARGET_DEEP_RATIO = 1.5
TARGET_QUERIES = 4


@dataclass
class SqlTimer:
    """Times every statement; the page query is the SELECT that reads the grant table."""

    page_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    last_page_sql: tuple[str, Any] | None = None

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            head = sql.lstrip()[:6].upper()
            if head == "SELECT" and "referralagencygrant" in sql:
                self.page_ms.append(elapsed)
                self.last_page_sql = (sql, params)


@contextmanager
def timed_sql() -> Iterator[SqlTimer]:
    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        yield timer


@dataclass
class Row:
    user: str
    visible: int
    surface: str
    size: int | str
    page: str
    p50: float
    p95: float
    q50: float | None
    q95: float | None
    queries: int
    explain_ms: float | None = None
    ratio: float | None = None  # deep p50 / first p50
    cpu50: float | None = None  # this process's CPU time a request (the server's is in EXPLAIN)
    cpu95: float | None = None
    misses: list[str] = field(default_factory=list)


def explain_ms(sql: str, params: Any) -> tuple[float, str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        lines = [r[0] for r in cursor.fetchall()]
    total = next((float(line.split(":")[1].split()[0]) for line in lines if line.startswith("Execution Time")), -1.0)
    return total, "\n".join(lines)


def series(client: Client, url: str, n: int, warmup: int = 10, **headers: Any) -> tuple[list[float], SqlTimer, int]:
    """``n`` timed GETs of ``url``; returns request times (ms), the SQL timer and the queries of one request."""
    for _ in range(warmup):
        response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    with CaptureQueriesContext(connection) as captured:
        client.get(url, **headers)
    queries = len(captured.captured_queries)  # now: the next request resets the query log
    times = []
    with timed_sql() as timer:
        for _ in range(n):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
            timer.cpu_ms.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, response.status_code
    return times, timer, queries


def deep_url_api(client: Client, size: int, hops: int, **headers: Any) -> str:
    url = f"{API_URL}?page_size={size}"
    for _ in range(hops):
        nxt = client.get(url, **headers).json()["next"]
        if not nxt:
            break
        url = nxt.split(HOST, 1)[-1] if HOST in nxt else nxt
    return url


def page_rows(client: Client, url: str) -> int:
    """Rows in the page's table body (the header row is not counted)."""
    html = client.get(url).content.decode()
    return max(0, html.count('<tr class="govuk-table__row"') - 1)


def deep_url_page(client: Client, first_url: str, hops: int) -> str | None:
    """Follow the page's "next" link (an <a rel="next"> or a link with cursor=)."""
    import re

    url = first_url
    for _ in range(hops):
        html = client.get(url).content.decode()
        match = (
            re.search(r'href="([^"]*cursor=[^"]*)"[^>]*rel="next"', html)
            or re.search(r'rel="next"[^>]*href="([^"]*)"', html)
            or re.search(r'href="([^"]*cursor=[^"]*)"[^>]*>\s*Next', html)
        )
        if not match:
            return None if url == first_url else url
        href = match.group(1).replace("&amp;", "&")
        url = href if href.startswith("/") else f"{PAGE_URL}{href}"
    return url


def database_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        total = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT c.relname, pg_size_pretty(pg_total_relation_size(c.oid))
            FROM pg_class c WHERE c.relname IN
              ('referrals_referral', 'referrals_person', 'sharing_share', 'referrals_referralagencygrant')
            ORDER BY pg_total_relation_size(c.oid) DESC
            """
        )
        parts = ", ".join(f"{name} {size}" for name, size in cursor.fetchall())
    return f"{total} ({parts}, with indexes)"


def measure_user(username: str, args: argparse.Namespace, rows: list[Row], notes: list[str]) -> None:
    user = User.objects.select_related("agency", "clearance").get(username=username)
    visible = policy.visible_grants(user, Referral).count()
    label = f"{username} (rank {user.clearance_rank})"
    api = api_client(user, "bench/caseload.py")

    def measured(surface: str, size: int | str, page: str, url: str, client: Client, first: Row | None) -> Row:
        times, timer, queries = series(client, url, args.requests)
        sql = timer.last_page_sql
        row = Row(
            label,
            visible,
            surface,
            size,
            page,
            statistics.median(times),
            pct(times, 0.95),
            statistics.median(timer.page_ms) if timer.page_ms else None,
            pct(timer.page_ms, 0.95) if timer.page_ms else None,
            queries,
            explain_ms(*sql)[0] if sql else None,
            ratio=statistics.median(times) / first.p50 if first else None,
            cpu50=statistics.median(timer.cpu_ms),
            cpu95=pct(timer.cpu_ms, 0.95),
        )
        rows.append(row)
        if args.explain and sql and first is not None:
            print(f"\n-- EXPLAIN ANALYZE, {label}, {surface} {size}, deep page --\n{explain_ms(*sql)[1]}\n")
        return row

    for size in (10, 100):
        first = measured("API", size, "first", f"{API_URL}?page_size={size}", api, None)
        measured("API", size, f"deep ({args.deep} hops)", deep_url_api(api, size, args.deep), api, first)

    # The HTML caseload page, when another feature has built it.
    try:
        resolve(PAGE_URL)
        page_available = True
    except Resolver404:
        page_available = False
    if not page_available:
        notes.append(f"page: not available yet ({PAGE_URL} does not resolve)")
    else:
        device = totp_device(user, create=False)  # only a user who set up two-factor signs in
        if device is None:
            notes.append(f"page: could not sign in as {username}")
        else:
            browser = verified_client(user, device)
            shown = {size: page_rows(browser, f"{PAGE_URL}?page_size={size}") for size in (10, 100)}
            sizes: list[int | str] = [10, 100]
            if shown[10] == shown[100]:
                sizes = [f"{shown[10]} (fixed)"]
                notes.append(f"page: ignores page_size and shows {shown[10]} rows a page; measured once")
            for size in sizes:
                first_url = f"{PAGE_URL}?page_size={size}" if isinstance(size, int) else PAGE_URL
                first = measured("page", size, "first", first_url, browser, None)
                deep = deep_url_page(browser, first_url, args.deep)
                if deep and deep != first_url:
                    measured("page", size, f"deep ({args.deep} hops)", deep, browser, first)
                else:
                    notes.append(f"page: no next link found for {username} ({size})")

    # A single-record visibility check: one seen, one not (if any).
    seen = policy.visible_grants(user, Referral).values_list("content_object_id", flat=True)[
        visible // 2 : visible // 2 + 1
    ]
    unseen = (
        Referral.objects.exclude(pk__in=policy.visible_grants(user, Referral).values("content_object_id"))
        .filter(classification__lte=user.clearance_rank, originator_only=False)
        .order_by("-change_seq")
    )
    for what, record in (
        ("visible record", Referral.objects.filter(pk__in=list(seen)).first()),
        ("invisible record", unseen.first()),
    ):
        if record is None:
            continue
        policy.can(user, policy.Action.VIEW, record)  # warm the content-type cache, as a running server has
        with CaptureQueriesContext(connection) as captured:
            answer = policy.can(user, policy.Action.VIEW, record)
        queries = len(captured.captured_queries)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            policy.can(user, policy.Action.VIEW, record)
            times.append((time.perf_counter() - started) * 1000)
        rows.append(
            Row(
                label,
                visible,
                "policy.can",
                "-",
                f"{what} -> {answer}",
                statistics.median(times),
                pct(times, 0.95),
                None,
                None,
                queries,
            )
        )

    # Guardian's generic query on the same data, against the grants-index page query (first 20, newest first).
    from guardian.shortcuts import get_objects_for_user

    added = False
    if not user.groups.filter(pk=user.agency.group_id).exists():
        user.groups.add(user.agency.group_id)  # guardian reads group membership; the app reads the agency
        added = True
    try:
        guardian_ms = []
        for _ in range(args.guardian_runs):
            fresh = User.objects.get(pk=user.pk)
            started = time.perf_counter()
            got = list(
                get_objects_for_user(
                    fresh, "referrals.view_referral", klass=Referral, use_groups=True, accept_global_perms=False
                ).order_by("-change_seq")[:20]
            )
            guardian_ms.append((time.perf_counter() - started) * 1000)
        grants_ms = []
        for _ in range(args.requests):
            started = time.perf_counter()
            ours = list(
                policy.visible_grants(user, Referral).select_related(
                    "content_object__subject", "content_object__owning_agency"
                )[:20]
            )
            grants_ms.append((time.perf_counter() - started) * 1000)
        g50, o50 = statistics.median(guardian_ms), statistics.median(grants_ms)
        rows.append(
            Row(
                label,
                visible,
                "guardian get_objects_for_user",
                20,
                "first",
                g50,
                pct(guardian_ms, 0.95),
                None,
                None,
                -1,
            )
        )
        rows.append(
            Row(label, visible, "grants index (visible_grants)", 20, "first", o50, pct(grants_ms, 0.95), None, None, -1)
        )
        notes.append(
            f"{username}: guardian get_objects_for_user p50 {g50:.1f} ms vs grants index p50 {o50:.2f} ms "
            f"-> {g50 / o50:,.0f}x (guardian returned {len(got)}, ignoring clearance/expiry; ours {len(ours)})"
        )
    finally:
        if added:
            user.groups.remove(user.agency.group_id)


def check(row: Row) -> None:
    if row.surface in ("API", "page"):
        if row.p95 > TARGET_REQUEST_P95_MS:
            row.misses.append("request p95")
        if row.q95 is not None and row.q95 > TARGET_QUERY_P95_MS:
            row.misses.append("query p95")
        if row.queries > TARGET_QUERIES:
            row.misses.append("queries")
        if row.ratio is not None and row.ratio > TARGET_DEEP_RATIO:
            row.misses.append("deep/first")
    if row.surface == "policy.can" and row.queries > 1:
        row.misses.append("queries")


def print_table(rows: list[Row]) -> None:
    def f(v: float | None, digits: int = 1) -> str:
        return "-" if v is None else f"{v:.{digits}f}"

    headers = (
        "user",
        "visible",
        "surface",
        "size",
        "page",
        "p50 ms",
        "p95 ms",
        "query p50",
        "query p95",
        "EXPLAIN ms",
        "cpu p50",
        "cpu p95",
        "deep/first",
        "queries",
        "targets",
    )
    table = [
        (
            r.user,
            f"{r.visible:,}",
            r.surface,
            str(r.size),
            r.page,
            f(r.p50, 2),
            f(r.p95, 2),
            f(r.q50, 2),
            f(r.q95, 2),
            f(r.explain_ms, 3),
            f(r.cpu50, 2),
            f(r.cpu95, 2),
            f(r.ratio, 2),
            "-" if r.queries < 0 else str(r.queries),
            "MISS: " + ", ".join(r.misses) if r.misses else ("ok" if r.queries >= 0 else "-"),
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(t[i]) for t in table)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for t in table:
        print("  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)))


def main() -> None:
    parser = options(__doc__, requests=200)
    parser.add_argument("--referrals", type=int, default=1_000_000, help="Seed up to this many (default 1,000,000).")
    parser.add_argument("--deep", type=int, default=50, help="How many `next` links to follow for the deep page.")
    parser.add_argument("--guardian-runs", type=int, default=5, help="Timed get_objects_for_user calls.")
    parser.add_argument("--large-user", default="health.spoc", help="A user whose agency sees about 80,000.")
    parser.add_argument("--small-user", default="probation.bl", help="A user who sees a few hundred.")
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="Print the EXPLAIN ANALYZE plans of the deep pages.")
    args = parser.parse_args()

    ensure_data(args.referrals, args.batch_size, args.seed)
    total = Referral.objects.exclude(status=ReferralStatus.DRAFT).count()
    print(f"Referrals: {total:,}   database size: {database_size()}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print(f"Server: {cursor.fetchone()[0].split(',')[0]}; CPUs here: {os.cpu_count()}; {load()}")
    rows: list[Row] = []
    notes: list[str] = []
    for username in (args.large_user, args.small_user):
        print(f"Measuring {username} ...", flush=True)
        measure_user(username, args, rows, notes)
    for row in rows:
        check(row)
    print()
    print_table(rows)
    print()
    for note in notes:
        print(note)
    print(
        f"\nTargets: request p95 <= {TARGET_REQUEST_P95_MS:.0f} ms, page query p95 <= {TARGET_QUERY_P95_MS:.0f} ms, "
        f"deep page <= {TARGET_DEEP_RATIO}x first (p50), <= {TARGET_QUERIES} queries a request, "
        "policy.can in 1 query."
    )
    print(f"At the end: {load()} (other work on this machine inflates wall-clock times and their p95).")
    missed = [r for r in rows if r.misses]
    print("All targets met." if not missed else f"{len(missed)} row(s) miss a target.")


if __name__ == "__main__":
    main()
