#!/usr/bin/env python
"""Chronology benchmark: a case with 500 entries from 10 agencies, as the page, the API and the exports.

    createdb -h 127.0.0.1 -U postgres convene_bench_chronology      # a database of its own
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench_chronology
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/chronology.py                              # seeds once, then measures

Seeds (once; idempotent) ten "Bench" agencies (police screening, council, eight partners)
with a case worker at every clearance level in each, then one case through the services
(submit, screen to the panel, ask all ten agencies for information, so every agency holds a
grant), and ``--entries`` chronology entries in bulk (``bulk_create``: the rows the services
write, with the fields they set): spread evenly over the ten agencies and their authors,
entry types as a case accumulates them, classification rank 1 60%, rank 2 30%, rank 3 10%,
half of the rows above Baseline with a releasable summary, 5% originator-only, 10% marked
significant, and 50 contribution documents.

Measures in-process with ``django.test.Client`` for readers of different agency and
clearance, the whole request (session, two-factor and audit middleware, the selector, the
template or serializer, the audit event each read writes): the page
``/referrals/cases/<id>/chronology/``, the API ``/api/v1/cases/<id>/chronology/`` (token),
and the CSV and PDF exports. p50/p95 over ``--requests`` requests after 3 warm-up requests,
SQL queries per request, entries shown, entries shown only as a summary, and the withheld
count.

Targets (issue 4): a fixed number of queries whatever the number of entries (pinned in
tests/referrals/test_case_views.py); the page and the API well under half a second at 500.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from _common import api_client, load, options, pct, referred_to_panel, series, user, verified_client  # Django first
from django.db import connection, transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, EntryDocument
from partnership import selectors as partnership_selectors
from partnership import services as partnership_services
from partnership.demo import standard_agreement
from partnership.models import Agency, AgencyKind, ClearanceLevel, Panel, Role, User
from referrals import selectors
from referrals.models import ChronologyEntry, EntryType

PREFIX = "Bench chronology"
PANEL = f"{PREFIX} panel"
AGENCIES = (
    ("police", AgencyKind.POLICE),
    ("council", AgencyKind.CHILDRENS_SERVICES),
    ("school", AgencyKind.EDUCATION),
    ("health", AgencyKind.HEALTH),
    ("probation", AgencyKind.PROBATION),
    ("youth", AgencyKind.YOUTH_OFFENDING),
    ("housing", AgencyKind.HOUSING),
    ("fire", AgencyKind.FIRE_AND_RESCUE),
    ("adults", AgencyKind.ADULT_SERVICES),
    ("charity", AgencyKind.VOLUNTARY_SECTOR),
)
# (username, label) of the readers measured.
READERS = (
    ("bchron.council.2", "council, rank 2 (case owner)"),
    ("bchron.health.1", "health, rank 1"),
    ("bchron.health.3", "health, rank 3"),
    ("bchron.police.3", "police, rank 3"),
)
ENTRY_TYPES = (
    EntryType.CASE_NOTE,
    EntryType.CASE_NOTE,
    EntryType.CONTRIBUTION,
    EntryType.CONTRIBUTION,
    EntryType.SCREENING_NOTE,
    EntryType.STATE_CHANGE,
    EntryType.PANEL_DECISION,
    EntryType.ASSESSMENT,
    EntryType.CONSENT,
    EntryType.RAG_REVIEW,
)


def ensure_people() -> dict[str, Agency]:
    partnership_services.ensure_default_clearance_levels()
    levels = {level.rank: level for level in ClearanceLevel.objects.filter(rank__in=(1, 2, 3))}
    agencies = {}
    for slug, kind in AGENCIES:
        name = f"{PREFIX} {slug}"
        agency = Agency.objects.filter(name=name).first() or partnership_services.create_agency(
            name=name, kind=kind, screens_referrals=slug == "police"
        )
        if partnership_selectors.current_agreement(agency) is None:  # it is asked for information below
            partnership_services.record_data_sharing_agreement(agency=agency, values=standard_agreement(agency))
        agencies[slug] = agency
        for rank in (1, 2, 3):
            username = f"bchron.{slug}.{rank}"
            if User.objects.filter(username=username).exists():
                continue
            roles = {
                "police": [Role.SCREENING_OFFICER],
                "council": [Role.PANEL_CHAIR, Role.PRACTITIONER],
            }.get(slug, [Role.PRACTITIONER, Role.SPOC])
            partnership_services.create_user(
                username=username,
                password=None,
                agency=agency,
                clearance=levels[rank],
                roles=roles,
                first_name=slug.capitalize(),
                last_name=f"Rank{rank}",
            )
    return agencies


def ensure_case(entries: int) -> Case:
    agencies = ensure_people()
    existing = Case.objects.filter(panel__name=PANEL).first()
    if existing is not None:
        count = ChronologyEntry.objects.filter(referral_id=existing.pk).count()
        print(f"Reusing the bench case {existing.reference} ({count} entries).")
        return existing
    started = time.perf_counter()
    print(f"Seeding one case and {entries} entries from {len(agencies)} agencies ...", flush=True)
    chair, officer, referrer = user("bchron.council.2"), user("bchron.police.3"), user("bchron.school.1")
    panel = Panel.objects.create(name=PANEL, chair=chair, first_meeting_at=timezone.now() + dt.timedelta(days=30))
    person = {
        "given_name": "Bench",
        "family_name": "Chronology",
        "date_of_birth": dt.date(2009, 6, 1),
        "concerns": "Sharing extremist material with classmates. " * 5,
        "ideology": "mixed",
        "urgency": "priority",
    }
    referral = referred_to_panel(referrer=referrer, person=person, officer=officer, panel=panel, chair=chair)
    case_services.request_information(
        actor=chair,
        case_id=referral.pk,
        agency_ids=[a.pk for a in agencies.values()],
        question="What do you know about the person?",
    )
    have = ChronologyEntry.objects.filter(referral_id=referral.pk).count()
    authors = {
        slug: [user(f"bchron.{slug}.{rank}") for rank in (1, 2, 3)] for slug in agencies
    }  # the author's clearance covers the entry's classification, as the services require
    slugs = list(agencies)
    start = timezone.now() - dt.timedelta(days=365)
    rows = []
    for n in range(max(0, entries - have)):
        slug = slugs[n % len(slugs)]
        rank = 1 if n % 10 < 6 else (2 if n % 10 < 9 else 3)
        entry_type = ENTRY_TYPES[(n // len(slugs)) % len(ENTRY_TYPES)]
        body = f"{entry_type.label} {n} from {slug}: " + "observed, recorded and checked with colleagues. " * 6
        rows.append(
            ChronologyEntry(
                referral_id=referral.pk,
                entry_type=entry_type,
                occurred_at=start + dt.timedelta(minutes=1000 * n),
                title=f"{entry_type.label} from {agencies[slug].name}",
                body=body,
                releasable_summary=f"Summary {n}: {slug} holds information at a higher level."
                if rank > 1 and (n // 10) % 2 == 0
                else "",
                classification=rank,
                originator_only=n % 20 == 7,
                significant=n % 10 == 3,
                owning_agency_id=agencies[slug].pk,
                created_by=authors[slug][rank - 1],
            )
        )
    with transaction.atomic():
        created = ChronologyEntry.objects.bulk_create(rows, batch_size=500)
        contributions = [e for e in created if e.entry_type == EntryType.CONTRIBUTION][:50]
        EntryDocument.objects.bulk_create(
            EntryDocument(
                entry=e,
                file=f"entries/{referral.pk}/bench-{e.pk}",
                original_name=f"letter-{e.pk}.pdf",
                content_type="application/pdf",
                size=24_000,
            )
            for e in contributions
        )
    print(f"Seeded in {time.perf_counter() - started:.1f} s.")
    return Case.objects.get(pk=referral.pk)


def main() -> None:
    parser = options(__doc__, requests=30)
    parser.add_argument("--entries", type=int, default=500, help="chronology entries on the case (default 500)")
    args = parser.parse_args()

    case = ensure_case(args.entries)
    total = ChronologyEntry.objects.filter(referral_id=case.pk).count()
    agencies = ChronologyEntry.objects.filter(referral_id=case.pk).values("owning_agency").distinct().count()
    print(
        f"\nChronology of {case.reference}: {total} entries from {agencies} agencies; {args.requests} requests "
        f"per series; {load()}; PostgreSQL {connection.pg_version // 10000}.\n"
    )
    header = (
        f"{'reader':<30} {'what':<5} {'shown':>5} {'summ':>4} {'held':>4} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>7}  size"
    )
    print(header)
    print("-" * len(header))
    for username, label in READERS:
        reader = user(username)
        chronology = selectors.chronology_for(viewer=reader, referral=case.referral, audit=False)
        shown = len(chronology.items)
        summaries = sum(1 for item in chronology.items if not item.full)
        page = verified_client(reader)
        api = api_client(reader, "bench/chronology.py")
        base = f"/referrals/cases/{case.pk}/chronology/"
        for what, client, url in (
            ("page", page, base),
            ("api", api, f"/api/v1/cases/{case.pk}/chronology/"),
            ("csv", page, f"{base}export/csv/"),
            ("pdf", page, f"{base}export/pdf/"),
        ):
            measured = series(client, url, args.requests)
            print(
                f"{label:<30} {what:<5} {shown:>5} {summaries:>4} {chronology.withheld:>4} "
                f"{statistics.median(measured.times):>8.1f} {pct(measured.times, 0.95):>8.1f} "
                f"{statistics.median(measured.cpu):>8.1f} {measured.queries:>7}  {len(measured.body) / 1024:.0f} KiB"
            )
    print(
        "\nWhole requests in-process (session, two-factor and audit middleware, the selector, the template, "
        "serializer, CSV or PDF builder, and the audit event).\nshown: entries the reader sees; summ: of those, "
        "shown only as a releasable summary; held: withheld at a higher classification; cpu p50: this process's "
        "CPU time a request (wall-clock moves with whatever else runs on a shared machine).\n"
        f"Reproduce: python bench/chronology.py --entries {args.entries} --requests {args.requests}"
    )


if __name__ == "__main__":
    main()
