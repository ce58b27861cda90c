#!/usr/bin/env python
"""Panel pack benchmark: generating a 20-case meeting's pack, as the printable page and as the PDF.

    createdb -h 127.0.0.1 -U postgres convene_bench_panels          # a database of its own
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene_bench_panels
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/panel_pack.py                              # seeds once, then measures

Seeds (once; idempotent) through the services: the demo partnership (``seed_demo``), a
"Bench Channel Panel" chaired by the demo chair with every demo agency as a member, and
``--cases`` cases referred by the demo practitioners at Baseline and Security Check, each
with two assessment versions, case notes and a contribution marked significant, consent,
an active support plan with an intervention and actions (some overdue). A meeting's
agenda is then built by the chair, which grants every member agency.

Measures in-process with ``django.test.Client`` (a two-factor-verified session, the whole
request: middleware, the selector, the template or the PDF builder, and the audit event
each generation writes as a disclosure), for readers of different agency and clearance:
p50/p95 over ``--requests`` requests after 3 warm-up requests, the number of SQL queries
per request, the number of cases in the reader's pack and the withheld count, and the
PDF's size and pages.

Targets (issue 5): a fixed number of queries whatever the number of cases (the tests pin
it for 3 and 12 cases); for 20 cases, the printable page in a few hundred milliseconds and
the PDF (about 40 A4 pages for a reader who may read every case) in about a second.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import time

from _common import ensure_demo, load, options, pct, referred_to_panel, series, user, verified_client  # Django first
from django.db import connection
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from panels import services
from panels.models import Action, AgendaItem, AssessmentFactor, Meeting
from partnership.models import Agency, Panel, PanelMembership

PANEL = "Bench Channel Panel"
READERS = ("chair", "health.sc", "police.sc")  # the pack is for panel members (rank 1 people are not)
REFERRERS = ("school.sc", "health.sc", "council.bl", "school.bl", "probation.sc")


def _ratings(level: int) -> dict[int, tuple[int, str]]:
    return {f.pk: (level, f"Evidence for {f.name.lower()}") for f in AssessmentFactor.objects.filter(is_active=True)}


def seed_case(panel: Panel, number: int) -> Case:
    author = user(REFERRERS[number % len(REFERRERS)])
    chair, officer, spoc = user("chair"), user("police.dv"), user("health.spoc")
    classification = min(author.clearance_rank, 1 + number % 2)
    person = {
        "given_name": f"Bench{number}",
        "family_name": "Person",
        "date_of_birth": dt.date(2008, 1 + number % 12, 1 + number % 28),
        "postcode": "NS1 1AA",
        "concerns": f"Concerns about bench person {number}: extremist material shared online. " * 4,
        "ideology": "mixed",
        "urgency": "priority",
        "classification": classification,
    }
    referral = referred_to_panel(referrer=author, person=person, officer=officer, panel=panel, chair=chair)
    case = Case.objects.get(pk=referral.pk)
    [request] = case_services.request_information(
        actor=chair, case_id=case.pk, agency_ids=[spoc.agency_id], question="Is the person known to you?"
    )
    entry = case_services.return_contribution(
        actor=spoc,
        request_id=request.pk,
        text="Known to CAMHS; clinical details follow. " * 5,
        classification=2,
        releasable_summary="Known to health services.",
    )
    case_services.mark_significant(actor=chair, entry_id=entry.pk, significant=True)  # owner or chair only
    for rank in (1, 2):
        note = case_services.add_case_note(
            actor=chair, referral_id=case.pk, text=f"Significant note at rank {rank}. " * 6, classification=rank
        )
        case_services.mark_significant(actor=chair, entry_id=note.pk, significant=True)
    return case


PACK_MEETING = "Bench pack meeting"
DECISIONS_MEETING = "Bench decisions meeting"


def ensure_data(cases: int) -> Meeting:
    """The measured meeting: ``cases`` adopted cases with active plans, due for review."""
    ensure_demo()
    chair = user("chair")
    panel, created = Panel.objects.get_or_create(
        name=PANEL, defaults={"chair": chair, "first_meeting_at": timezone.now() + dt.timedelta(days=60)}
    )
    if created:
        for agency in Agency.objects.filter(is_active=True):
            PanelMembership.objects.get_or_create(panel=panel, agency=agency)
    existing = Meeting.objects.filter(panel=panel, moved_reason=PACK_MEETING).first()
    if existing is not None and existing.items.count() >= cases:
        print(f"Reusing the bench meeting ({existing.items.count()} cases on the agenda).")
        return existing
    if existing is not None or Case.objects.filter(panel=panel).exists():
        raise SystemExit(f"A partly seeded {PANEL!r} exists: use a fresh database (see the docstring).")
    started = time.perf_counter()
    print(f"Seeding {cases} cases through the services ...", flush=True)
    for number in range(cases):
        seed_case(panel, number)
    decisions = services.add_meeting(actor=chair, panel=panel, scheduled_at=timezone.now(), reason=DECISIONS_MEETING)
    services.build_agenda(actor=chair, meeting_id=decisions.pk)
    services.start_meeting(actor=chair, meeting_id=decisions.pk)
    services.override_quorum(actor=chair, meeting_id=decisions.pk, reason="Bench meeting: no attendance taken")
    health = user("health.sc").agency_id
    for index, item in enumerate(AgendaItem.objects.filter(meeting=decisions).select_related("case")):
        case = item.case
        services.record_assessment(actor=chair, case_id=case.pk, ratings=_ratings(1), conclusion="Low " * 20)
        services.record_assessment(
            actor=chair, case_id=case.pk, ratings=_ratings(2), conclusion="Rising " * 20, classification=2
        )
        services.record_decision(
            actor=chair,
            item_id=item.pk,
            decision="adopt",
            notes="Adopted. " * 10,
            next_review_date=timezone.localdate() + dt.timedelta(weeks=6),
        )
        services.record_consent(
            actor=chair,
            case_id=case.pk,
            purpose="channel_support",
            status="given",
            given_by="parent_guardian",
            method="written",
        )
        services.activate_support_plan(actor=chair, case_id=case.pk, objectives="Mentoring and education support.")
        services.add_intervention(actor=chair, case_id=case.pk, provider_id=health, kind="ideological_mentoring")
        for days in (3, 10):
            services.add_action(
                actor=chair,
                case_id=case.pk,
                description=f"Action {index}-{days}",
                owner_agency_id=health,
                due_date=timezone.localdate() + dt.timedelta(days=days),
            )
    services.sign_minutes(actor=chair, meeting_id=decisions.pk, minutes="Bench decisions.")
    # Half the actions overdue, so packs list some (a bench shortcut: the service refuses past due dates).
    Action.objects.filter(case__panel=panel, description__endswith="-3").update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    meeting = services.add_meeting(
        actor=chair, panel=panel, scheduled_at=timezone.now() + dt.timedelta(days=8), reason=PACK_MEETING
    )
    services.build_agenda(actor=chair, meeting_id=meeting.pk)
    print(f"Seeded in {time.perf_counter() - started:.1f} s.")
    return meeting


def main() -> None:
    parser = options(__doc__, requests=30)
    parser.add_argument("--cases", type=int, default=20, help="cases on the measured meeting's agenda (default 20)")
    args = parser.parse_args()

    meeting = ensure_data(args.cases)
    print(
        f"\nPanel pack for a {meeting.items.count()}-case meeting; {args.requests} requests per series; "
        f"{load()}; PostgreSQL {connection.pg_version // 10000}.\n"
    )
    header = f"{'reader':<26} {'format':<5} {'cases':>5} {'held':>4} {'p50 ms':>8} {'p95 ms':>8} {'mean':>8} {'queries':>7}  size"
    print(header)
    print("-" * len(header))
    for username in READERS:
        reader = user(username)
        client = verified_client(reader)
        label = f"{username} ({reader.agency.name.split()[1] if reader.agency else '-'}, rank {reader.clearance_rank})"
        for fmt, url in (
            ("html", f"/panels/meetings/{meeting.pk}/pack/"),
            ("pdf", f"/panels/meetings/{meeting.pk}/pack.pdf"),
        ):
            measured = series(client, url, args.requests)
            times, body = measured.times, measured.body
            html = client.get(f"/panels/meetings/{meeting.pk}/pack/").content.decode()
            shown = len(re.findall(r'<h2 class="govuk-heading-m" id="case-', html))
            held = re.search(r"(\d+) agenda items? (?:is|are) on cases you cannot read", html)
            if fmt == "pdf":
                pages = len(re.findall(rb"/Type /Page\b(?!s)", body))
                size = f"{len(body) / 1024:.0f} KiB, {pages} pages"
            else:
                size = f"{len(body) / 1024:.0f} KiB"
            print(
                f"{label:<26} {fmt:<5} {shown:>5} {held.group(1) if held else 0:>4} {statistics.median(times):>8.1f} "
                f"{pct(times, 0.95):>8.1f} {statistics.fmean(times):>8.1f} {measured.queries:>7}  {size}"
            )
    print(
        "\nWhole requests in-process (session, two-factor and audit middleware, the selector, the template or the "
        "PDF builder, and the disclosure audit event).\nRun it again any time: seeding happens once "
        "(python bench/panel_pack.py --cases 20 --requests 30)."
    )


if __name__ == "__main__":
    main()
