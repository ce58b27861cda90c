"""Load mix against gunicorn with production settings (issue 16).

Seeds the database to ``--referrals`` (``seed_demo``, then ``seed_scale`` for the difference), collects the
static files, starts gunicorn (``config.settings.production``, ``--workers``) on loopback and drives it with
Locust in headless mode (``bench/_locust_mix.py``: closed-loop users, no think time):

1. each endpoint alone at ``--users`` connections (default 16): requests a second, p50 and p95, and its
   throughput as a multiple of ``/api/v1/me/`` measured the same way in the same run;
2. each endpoint alone at 4 connections: p95 (the target is 50 ms for every endpoint);
3. every endpoint together, by weight, for ``--mix-seconds``; then the resident memory of each gunicorn worker.

    createdb -h 127.0.0.1 -U postgres convene_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/load.py --referrals 1000000

Needs Redis (``REDIS_URL``, default ``redis://127.0.0.1:6379/15``: production settings throttle sign-in through
it) and Locust (``requirements/dev.in``). On a shared 2-core machine Locust, PostgreSQL and gunicorn share the
cores: read the ratios to ``/me`` (same run, same machine) rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "localhost"
# Production settings, as the web processes will run them (set before Django is set up, below).
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_DEFAULT_FROM_EMAIL": "bench@localhost",
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "CONVENE_AUDIT_CHECKPOINT_KEY": os.environ.get("CONVENE_AUDIT_CHECKPOINT_KEY") or secrets.token_urlsafe(48),
    "CONVENE_AUDIT_CHECKPOINT_FILE": str(ROOT / "var" / "bench-audit-checkpoints.jsonl"),
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15",
    "DJANGO_SECURE_HSTS_PRELOAD": "false",
}
os.environ.update({k: v for k, v in SERVER_ENV.items() if k not in os.environ or k == "DJANGO_SETTINGS_MODULE"})
if "DATABASE_URL" not in os.environ:
    sys.exit("bench/load.py: set DATABASE_URL to a database of its own (see the docstring).")

from _common import api_client, ensure_data, pct, user, verified_client  # noqa: E402 - sets Django up
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from panels.models import Meeting  # noqa: E402
from partnership.services import issue_api_token  # noqa: E402
from referrals.models import Referral  # noqa: E402

# What a partnership's day looks like, roughly: mostly lists and records read, some searching, a few writes.
MIX_WEIGHTS = {
    "me": 2,
    "referrals 20": 10,
    "referrals 100": 2,
    "referral detail": 10,
    "caseload page": 6,
    "case page": 6,
    "chronology page": 4,
    "agenda page": 2,
    "notifications page": 3,
    "search page": 3,
    "submit referral": 1,
}
TARGETS = {  # throughput as a multiple of /me, at --users connections
    "referrals 20": 0.5,
    "referrals 100": 0.3,
    "referral detail": 0.6,
}
P95_TARGET_MS = 50.0
RSS_TARGET_MB = 250.0


@dataclass
class Result:
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float


NOTHING = Result(requests=0, failures=0, rps=0.0, p50=0.0, p95=0.0)  # no request finished in the run


def endpoints(reader_name: str, chair_name: str, referrer_name: str) -> list[dict[str, object]]:
    """Every endpoint of the mix, with the credentials it needs, checked to answer 200 (201) in-process first."""
    reader, chair, referrer = user(reader_name), user(chair_name), user(referrer_name)
    token = {"Authorization": f"Token {issue_api_token(user=reader, name='bench load').key}"}
    referrer_token = {"Authorization": f"Token {issue_api_token(user=referrer, name='bench load').key}"}
    cookie = settings.SESSION_COOKIE_NAME
    reader_session = {"Cookie": f"{cookie}={verified_client(reader).session.session_key}"}
    chair_client = verified_client(chair)
    chair_session = {"Cookie": f"{cookie}={chair_client.session.session_key}"}
    chair_api = api_client(chair, "bench load")

    listed = api_client(reader, "bench load").get("/api/v1/referrals/?page_size=1", secure=True).json()["results"]
    if not listed:
        sys.exit(f"bench/load.py: {reader_name} sees no referral; seed first.")
    cases = chair_api.get("/api/v1/cases/?page_size=1", secure=True).json()["results"]
    if not cases:
        sys.exit(f"bench/load.py: {chair_name} sees no case; seed first.")
    meeting = Meeting.objects.filter(panel__chair=chair).order_by("-scheduled_at").first()
    if meeting is None:
        sys.exit(f"bench/load.py: {chair_name} chairs no meeting; seed first.")
    surname = Referral.objects.filter(pk=listed[0]["id"]).values_list("subject__family_name", flat=True).first()

    def get(name: str, path: str, headers: dict[str, str]) -> dict[str, object]:
        return {"name": name, "method": "GET", "path": path, "headers": headers, "body": None}

    plan: list[dict[str, object]] = [
        get("me", "/api/v1/me/", token),
        get("referrals 20", "/api/v1/referrals/?page_size=20", token),
        get("referrals 100", "/api/v1/referrals/?page_size=100", token),
        get("referral detail", f"/api/v1/referrals/{listed[0]['id']}/", token),
        get("caseload page", reverse("referrals:caseload"), reader_session),
        get("case page", reverse("cases:case", args=[cases[0]["id"]]), chair_session),
        get("chronology page", reverse("cases:case_chronology", args=[cases[0]["id"]]), chair_session),
        get("agenda page", reverse("panels:meeting", args=[meeting.pk]), chair_session),
        get("notifications page", reverse("notifications:list"), reader_session),
        get("search page", f"{reverse('referrals:search')}?q={surname or 'Smith'}", reader_session),
        {
            "name": "submit referral",
            "method": "POST",
            "path": "/api/v1/referrals/",
            "headers": referrer_token,
            "body": {
                "subject": {"given_name": "Load", "family_name": "Test", "date_of_birth": "2008-05-01"},
                "concerns": "Synthetic referral written by bench/load.py.",
                "classification": 1,
            },
        },
    ]
    for endpoint in plan:
        endpoint["weight"] = MIX_WEIGHTS[str(endpoint["name"])]
    return plan


def start_gunicorn(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": os.environ["DATABASE_URL"], "PYTHONPATH": str(ROOT)}
    gunicorn = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*gunicorn, "--workers", str(workers), "--access-logfile", "/dev/null", "--error-logfile", str(log)],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 120  # a hang guard, not a speed target
    while time.monotonic() < deadline:
        try:
            ready = urllib.request.Request(
                f"http://127.0.0.1:{port}/healthz/ready", headers={"Host": HOST, "X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(ready, timeout=5):  # noqa: S310
                return server
        except OSError:
            if server.poll() is not None:
                sys.exit(f"bench/load.py: gunicorn exited ({server.returncode}); see {log}")
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"bench/load.py: gunicorn did not answer /healthz/ready in 120 s; see {log}")


def run_locust(plan_file: Path, names: list[str], users: int, seconds: int, work: Path) -> dict[str, Result]:
    prefix = work / f"run-{time.monotonic_ns()}"
    env = {**os.environ, "CONVENE_LOAD_PLAN": str(plan_file), "CONVENE_LOAD_ENDPOINTS": ",".join(names)}
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or "locust"
    subprocess.run(  # noqa: S603 - our own arguments
        [
            *(locust, "-f", str(ROOT / "bench" / "_locust_mix.py"), "--headless", "--only-summary"),
            *("--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--stop-timeout", "30"),
            *("--csv", str(prefix), "--loglevel", "WARNING"),
        ],
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    results = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                continue
            results[row["Name"]] = Result(
                requests=int(row["Request Count"]),
                failures=int(row["Failure Count"]),
                rps=float(row["Requests/s"]),
                p50=float(row["50%"]),
                p95=float(row["95%"]),
            )
    return results


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each child of the gunicorn master, in MB."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=1_000_000, help="seed to this many (default 1,000,000)")
    parser.add_argument("--batch-size", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--users", type=int, default=16, help="connections for the throughput runs (default 16)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds each endpoint runs alone (default 10)")
    parser.add_argument("--mix-seconds", type=int, default=30, help="seconds of the whole mix (default 30)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--reader", default="health.spoc", help="who reads lists and records (API and pages)")
    parser.add_argument("--chair", default="chair", help="who opens cases, chronologies and the agenda")
    parser.add_argument("--referrer", default="school.bl", help="who submits referrals")
    args = parser.parse_args()

    ensure_data(args.referrals, args.batch_size, args.seed)
    print("Collecting static files ...", flush=True)
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=ROOT, env={**os.environ, **SERVER_ENV}, check=True)  # noqa: S603 - ours
    plan = endpoints(args.reader, args.chair, args.referrer)
    work = Path(tempfile.mkdtemp(prefix="convene-load-"))
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps({"base_url": f"http://127.0.0.1:{args.port}", "host": HOST, "endpoints": plan}))
    server = start_gunicorn(args.port, args.workers, work / "gunicorn.log")
    try:
        names = [str(e["name"]) for e in plan]
        alone = {}
        at_four = {}
        for name in names:
            print(f"  {name}: {args.users} connections for {args.seconds} s, then 4", flush=True)
            alone.update(run_locust(plan_file, [name], args.users, args.seconds, work))
            at_four.update(run_locust(plan_file, [name], 4, args.seconds, work))
        print(f"  the whole mix: {args.users} connections for {args.mix_seconds} s", flush=True)
        mixed = run_locust(plan_file, names, args.users, args.mix_seconds, work)
        rss = worker_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    report(names, alone, at_four, mixed, rss, args)


def report(
    names: list[str],
    alone: dict[str, Result],
    at_four: dict[str, Result],
    mixed: dict[str, Result],
    rss: list[float],
    args: argparse.Namespace,
) -> None:
    me = alone.get("me", NOTHING).rps
    print(f"\ngunicorn {args.workers} workers, production settings; {args.users} connections alone, then 4, then mixed")
    print(f"{'endpoint':<20}{'req/s':>9}{'x /me':>8}{'p50 ms':>9}{'p95 ms':>9}{'p95@4':>9}{'failed':>8}  target")
    for name in names:
        a, f = alone.get(name, NOTHING), at_four.get(name, NOTHING)
        ratio = a.rps / me if me else 0.0
        verdicts = [f"p95@4 ≤ {P95_TARGET_MS:.0f} ms {'met' if f.p95 <= P95_TARGET_MS else 'MISSED'}"]
        if name in TARGETS:
            verdicts.insert(0, f"≥ {TARGETS[name]}x /me {'met' if ratio >= TARGETS[name] else 'MISSED'}")
        failed = a.failures + f.failures
        print(
            f"{name:<20}{a.rps:>9.1f}{ratio:>8.2f}{a.p50:>9.0f}{a.p95:>9.0f}{f.p95:>9.0f}{failed:>8}  "
            + "; ".join(verdicts)
        )
    total = sum(r.rps for r in mixed.values())
    failed = sum(r.failures for r in mixed.values())
    latencies = sorted(r.p95 for r in mixed.values())
    print(f"\nthe mix: {total:.1f} req/s in all, {failed} failed, worst endpoint p95 {pct(latencies, 1.0):.0f} ms")
    verdict = "met" if rss and max(rss) <= RSS_TARGET_MB else "MISSED"
    sizes = ", ".join(f"{size:.0f}" for size in rss)
    print(f"gunicorn workers' RSS after the mix: {sizes} MB (target ≤ {RSS_TARGET_MB:.0f} MB each: {verdict})")


if __name__ == "__main__":
    main()
