"""Bulk-load synthetic submitted referrals for benchmarks: ``manage.py seed_scale --referrals N``.

Every referral gets a subject person (with the duplicate-detection keys), the
referring agency's grant and the screening agency's grant, and about one in
ten an explicit share with one other agency (some time-limited, some already
expired, a few revoked). Both halves of the sharing state are written, exactly
as ``sharing.services`` would leave them: the ``Share`` ledger rows and the
guardian grant rows (``ReferralAgencyGrant``: group, ``view_referral``
permission, classification, restricted, sort key, expiry) that drive the
caseload index.

Rows go in with PostgreSQL ``COPY``, one transaction per batch. Ids come from
the tables' identity sequences, ``change_seq`` from ``sharing_change_seq``
and references from the per-year counter in ``referrals_referralsequence``,
each reserved inside the batch's transaction, so the loader is safe next to a
running service and a referral submitted afterwards gets the next number. No
audit events are written: a bulk load is not a read of case content.
Nothing is disabled; the tables are analysed at the end.

The spread is tuned so that, at 1,000,000 referrals, the SPOC of the health
trust (clearance 2) sees about 80,000 and a baseline-cleared practitioner of
the probation service a few hundred; the screening agency (police) sees
almost everything. ``bench/caseload.py`` times those users.
"""

from __future__ import annotations

import json
import random
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models.fields import NOT_PROVIDED

from partnership.demo import DEMO_AGENCIES
from partnership.models import CASE_WORKING_ROLES, Agency, ClearanceLevel, Role, User
from referrals import matching
from referrals.models import REFERENCE_DIGITS, Person, Referral, ReferralAgencyGrant
from sharing.models import Share, ShareBasis

# --- the spread ------------------------------------------------------------------------------------------------

# Who refers (by demo agency slug). Education and police refer most; probation hardly ever.
OWNER_WEIGHTS: dict[str, float] = {
    "school": 0.3446,
    "police": 0.30,
    "council": 0.30,
    "health": 0.055,
    "probation": 0.0004,
}
# Classification (minimum clearance rank to read).
CLASSIFICATION_WEIGHTS: dict[int, float] = {1: 0.60, 2: 0.30, 3: 0.10}
ORIGINATOR_ONLY_RATE = 0.02
# Status by age: recent referrals wait for screening, older ones have been decided (a few stragglers).
STATUS_BY_AGE: tuple[tuple[float, dict[str, float]], ...] = (
    (10, {"submitted": 0.55, "screening": 0.35, "closed": 0.05, "signposted": 0.03, "accepted": 0.02}),
    (30, {"submitted": 0.05, "screening": 0.15, "closed": 0.40, "signposted": 0.24, "accepted": 0.16}),
    (float("inf"), {"submitted": 0.0005, "screening": 0.0005, "closed": 0.50, "signposted": 0.30, "accepted": 0.199}),
)
# One explicit share with one other (non-screening) agency for this fraction of referrals.
EXPLICIT_SHARE_RATE = 0.10
SHARE_TARGET_WEIGHTS: dict[str, float] = {"council": 0.40, "health": 0.30, "school": 0.30, "probation": 0.003}
SHARE_FUTURE_EXPIRY_RATE = 0.10  # of explicit shares: expires in 1 week to 6 months
SHARE_PAST_EXPIRY_RATE = 0.05  # of explicit shares: already expired (not yet tidied by the beat task)
SHARE_REVOKED_RATE = 0.02  # of explicit shares: revoked (ledger row only, no grant)
WINDOW_DAYS = 3 * 365  # submissions spread over the last three years

GIVEN_NAMES = (  # noqa: SIM905 - a compact word list
    "Oliver George Harry Jack Jacob Noah Charlie Muhammad Thomas Oscar William James Leo Alfie Henry "
    "Joshua Freddie Archie Ethan Isaac Alexander Joseph Edward Samuel Max Logan Lucas Daniel Theo "
    "Arthur Mohammed Harrison Benjamin Mason Finley Sebastian Adam Dylan Zachary Riley Olivia Amelia "
    "Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya Harper Willow "
    "Aisha Fatima Zara Maryam Kacper Jakub Tomasz Ionut Andrei Kwame Chidi Tariq Bilal Ryan Kyle "
    "Connor Callum Declan Siobhan Niamh Rhys Dafydd Ewan Hamish Aleksander Dominik Yusuf Ibrahim "
    "Hamza Ayaan"
).split()
FAMILY_NAMES = (  # noqa: SIM905 - a compact word list
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker "
    "White Roberts Green Hall Wood Jackson Clarke Patel Khan Ahmed Hussain Ali Begum Shah Singh Kaur "
    "Mahmood Iqbal Rahman Lewis Harris Martin Cooper Hill Ward Hughes Moore Clark King Harrison "
    "Morgan Baker Turner Edwards Allen Price Bell Murphy Kelly O'Brien Nowak Kowalski Wisniewski "
    "Popescu Okafor Mensah Adeyemi Osei Campbell Stewart MacDonald Fraser Reid Murray Doherty Quinn "
    "Byrne Gallagher Lloyd"
).split()
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "Queen Street",
    "King Street",
    "Manor Road",
    "The Crescent",
    "Grange Road",
    "Kingsway",
    "Albert Road",
    "New Road",
    "Chapel Street",
    "Water Lane",
    "Green Lane",
    "Springfield Road",
    "Orchard Close",
    "Bridge Street",
)
TOWNS = ("Northtown", "Eastbury", "Westmere", "Southgate", "Riverside", "Hillcrest", "Oakford", "Ashby")
SCHOOLS_AND_EMPLOYERS = (
    "Northtown Academy",
    "St Mary's Catholic High School",
    "Eastbury College",
    "Westmere Primary School",
    "Riverside Sixth Form",
    "Oakford Free School",
    "Northshire University",
    "Ashby Community School",
    "Hillcrest Pupil Referral Unit",
    "Southgate Further Education College",
    "Tesco, Northtown",
    "Amazon fulfilment centre, Eastbury",
    "Self-employed",
    "Unemployed",
    "Northshire Council",
    "",
)
LANGUAGES = (
    ("English", 0.86),
    ("Urdu", 0.03),
    ("Polish", 0.03),
    ("Arabic", 0.02),
    ("Bengali", 0.02),
    ("Romanian", 0.02),
    ("Somali", 0.01),
    ("Punjabi", 0.01),
)
CONCERN_SENTENCES = (
    "Has been sharing extremist videos with peers on social media.",
    "Teachers report a sudden change in behaviour and appearance over the last term.",
    "Has withdrawn from friends and family and spends long periods online.",
    "Expressed support for a proscribed organisation during a lesson.",
    "Was seen with material promoting violence against a minority group.",
    "Has talked about travelling abroad to join a conflict.",
    "Has shown a strong interest in previous school attacks and weapons.",
    "Family are worried about new contacts met through online gaming forums.",
    "Made threatening comments about a local place of worship.",
    "Drew symbols associated with an extreme right-wing group on school work.",
    "Has been excluded twice this year and describes a strong sense of grievance.",
    "Attended a demonstration and afterwards posted calls for violence.",
    "Disclosed to a nurse that they have been approached by an older man who talks about jihad.",
    "Searches for bomb-making instructions were found on a shared family computer.",
    "Uses incel language and has expressed hatred of women.",
    "Mental health needs appear to be increasing vulnerability to online grooming.",
    "Parent reports that the young person has stopped attending college.",
    "Has made contact with known extremists according to police intelligence.",
)
INDICATORS = (
    "online_material",
    "change_in_behaviour",
    "isolation",
    "expressed_support",
    "contact_with_extremists",
    "grievance",
    "travel",
    "weapons_interest",
    "other",
)
IDEOLOGY_WEIGHTS = (
    ("extreme_right_wing", 0.26),
    ("mixed", 0.38),
    ("islamist", 0.16),
    ("school_massacre_incel", 0.07),
    ("left_wing", 0.02),
    ("conflicted", 0.03),
    ("other", 0.08),
)
URGENCY_WEIGHTS = (("routine", 0.70), ("priority", 0.25), ("urgent", 0.05))
AWARENESS_WEIGHTS = (("yes", 0.55), ("no", 0.30), ("not_known", 0.15))
SHARE_REASONS = (
    "Needed for a joint risk assessment.",
    "The person is known to this agency; information needed to plan support.",
    "Agreed at the professionals meeting.",
    "Safeguarding strategy discussion.",
    "Requested by the agency SPOC for an open case.",
)
# Screening results (filled when the referral model has the screening fields of issue 4).
SCREENING_COLUMNS = (
    "screening_due_at",
    "rag",
    "screening_decision",
    "signposted_to",
    "screening_rationale",
    "screened_by_id",
    "screened_at",
    "outcome",
)
SCREENING_BY_STATUS = {
    "closed": ("no_further_action", "SCR-NFA", "No indication of radicalisation; concerns addressed by the school."),
    "signposted": ("signpost", "SCR-SIGN", "Vulnerabilities better met by another service."),
    "accepted": ("refer_to_panel", "SCR-PANEL", "Vulnerable to radicalisation; multi-agency support needed."),
}
SIGNPOST_SERVICES = (
    "childrens_social_care",
    "adult_social_care",
    "mental_health",
    "early_help",
    "police_led",
    "education",
    "other",
)
RAG_WEIGHTS = (("green", 0.5), ("amber", 0.4), ("red", 0.1))

BASE_ROLES_FOR_REFERRING = frozenset({Role.PRACTITIONER, Role.PANEL_CHAIR})


class SeedError(CommandError):
    pass


# --- COPY text helpers -----------------------------------------------------------------------------------------

_NULL = r"\N"


def _copy_text(value: Any) -> str:
    """A value in COPY text format (for constants; generated values are kept free of special characters)."""
    value = getattr(value, "obj", value)  # psycopg Jsonb
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = json.dumps(value)
    elif isinstance(value, list | tuple):
        text = "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in value) + "}"
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@dataclass(frozen=True)
class CopySpec:
    """Columns for COPY: the generated ones, then constants for any field the generator does not know.

    Other features add fields to these models; a NOT NULL field with a Python default gets that default,
    a field with a database default is left to the database, and anything else stops the load clearly.
    """

    table: str
    columns: tuple[str, ...]
    suffix: str

    @classmethod
    def for_model(cls, model: type[models.Model], generated: Sequence[str], now: datetime) -> CopySpec:
        by_column = {str(f.column): f for f in model._meta.concrete_fields}
        unknown = [c for c in generated if c not in by_column]
        if unknown:
            raise SeedError(f"{model._meta.label} has no column(s) {unknown}; seed_scale is out of date.")
        extra_columns: list[str] = []
        extra_values: list[str] = []
        for column, field in by_column.items():
            if column in generated or field.primary_key:
                continue
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: Any = now
            elif field.has_default() or field.null or field.empty_strings_allowed:
                value = field.get_db_prep_save(field.get_default(), connection)
            else:
                raise SeedError(f"seed_scale does not know how to fill {model._meta.label}.{field.name}.")
            if value is None and not field.null:
                raise SeedError(f"seed_scale does not know how to fill {model._meta.label}.{field.name}.")
            extra_columns.append(column)
            extra_values.append(_copy_text(value))
        suffix = "".join("\t" + v for v in extra_values)
        return cls(model._meta.db_table, (*generated, *extra_columns), suffix)

    @property
    def sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.table}" ({cols}) FROM STDIN'


def _copy(spec: CopySpec, lines: list[str], chunk: int = 5000) -> None:
    """Stream the lines in chunks so the server works while the next chunk is joined."""
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor, cursor.copy(spec.sql) as copy:
        suffix = spec.suffix
        for start in range(0, len(lines), chunk):
            part = lines[start : start + chunk]
            if suffix:
                copy.write("".join(line + suffix + "\n" for line in part))
            else:
                copy.write("\n".join(part) + "\n")


def _nextvals(sequence_sql: str, count: int) -> list[int]:
    """``count`` values from a sequence, ascending (safe next to other writers)."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval({sequence_sql}) FROM generate_series(1, %s)", [count])  # noqa: S608
        values = [row[0] for row in cursor.fetchall()]
    values.sort()
    return values


def _identity_sequence(model: type[models.Model]) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', '{model._meta.pk.column}')"


def _reserve_references(counts: dict[int, int]) -> dict[int, int]:
    """Advance each year's reference counter by the batch's count; the first number of the block per year.

    Runs inside the batch's transaction: the counter row stays locked until the batch commits, and a
    failed batch gives its numbers back.
    """
    first: dict[int, int] = {}
    with connection.cursor() as cursor:
        for year, count in sorted(counts.items()):
            cursor.execute(
                """
                INSERT INTO referrals_referralsequence (year, last_number) VALUES (%s, %s)
                ON CONFLICT (year) DO UPDATE
                  SET last_number = referrals_referralsequence.last_number + EXCLUDED.last_number
                RETURNING last_number
                """,
                [year, count],
            )
            first[year] = cursor.fetchone()[0] - count + 1
    return first


# --- the world the referrals are spread over ---------------------------------------------------------------------


@dataclass(frozen=True)
class Referrer:
    id: int
    rank: int
    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    group_id: int
    slug: str
    referrers: tuple[Referrer, ...]

    def referrers_for(self, rank: int) -> tuple[Referrer, ...]:
        return tuple(r for r in self.referrers if r.rank >= rank)


@dataclass
class World:
    agencies: dict[str, AgencyInfo]
    screening_agencies: tuple[AgencyInfo, ...]
    view_permission_id: int
    referral_ct_id: int
    ranks: tuple[int, ...]
    screeners: tuple[Referrer, ...]


def load_world() -> World:
    by_name = {a.name: a for a in Agency.objects.filter(name__in=[d.name for d in DEMO_AGENCIES], is_active=True)}
    missing = [d.name for d in DEMO_AGENCIES if d.name not in by_name]
    if missing:
        raise SeedError(
            "seed_scale spreads referrals over the demo partnership, which is missing "
            f"({', '.join(missing)}). Run `manage.py seed_demo` first."
        )
    agencies: dict[str, AgencyInfo] = {}
    for spec in DEMO_AGENCIES:
        agency = by_name[spec.name]
        users = (
            User.objects.filter(agency=agency, is_active=True, clearance__isnull=False)
            .select_related("clearance")
            .order_by("pk")
        )
        referrers = [u for u in users if BASE_ROLES_FOR_REFERRING.intersection(u.roles)] or [
            u for u in users if CASE_WORKING_ROLES.intersection(u.roles)
        ]
        if not referrers:
            raise SeedError(f"The demo agency {spec.name} has no active practitioners. Run `manage.py seed_demo`.")
        agencies[spec.slug] = AgencyInfo(
            id=agency.pk,
            group_id=agency.group_id,
            slug=spec.slug,
            referrers=tuple(
                Referrer(
                    u.pk,
                    u.clearance_rank,
                    _copy_text(u.get_full_name()),
                    _copy_text(u.job_title or "Practitioner"),
                    _copy_text(u.phone),
                    _copy_text(u.email),
                )
                for u in referrers
            ),
        )
    screening = []
    for agency in Agency.objects.filter(screens_referrals=True, is_active=True).order_by("pk"):
        slug = next((s for s, a in agencies.items() if a.id == agency.pk), f"agency-{agency.pk}")
        screening.append(agencies.get(slug) or AgencyInfo(agency.pk, agency.group_id, slug, ()))
    ct = ContentType.objects.get_for_model(Referral)
    permission = Permission.objects.get(content_type=ct, codename="view_referral")
    ranks = tuple(ClearanceLevel.objects.order_by("rank").values_list("rank", flat=True))
    screeners = tuple(
        Referrer(u.pk, u.clearance_rank, "", "", "", "")
        for u in User.objects.filter(
            agency__in=[a.id for a in screening],
            is_active=True,
            clearance__isnull=False,
            roles__contains=[Role.SCREENING_OFFICER],
        )
        .select_related("clearance")
        .order_by("pk")
    )
    return World(agencies, tuple(screening), permission.pk, ct.pk, ranks, screeners)


# --- generation --------------------------------------------------------------------------------------------------


def _cum(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


class _Pick:
    """Weighted choice with a precomputed cumulative table (random.choices re-accumulates every call)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = _cum(weights)
        self.total = self.cum[-1]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Any, float]]) -> _Pick:
        pairs = list(pairs)
        return cls([item for item, _ in pairs], [weight for _, weight in pairs])

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


@dataclass(frozen=True)
class PersonKeys:
    name_key: str
    phonetic_key: str


class Generator:
    """Draws referrals one at a time from a seeded PRNG and formats the COPY lines for one batch."""

    def __init__(self, world: World, *, seed: int, total: int, now: datetime) -> None:
        self.world = world
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.total = total
        self.now = now
        self.now_ts = now.timestamp()
        self.start_ts = (now - timedelta(days=WINDOW_DAYS)).timestamp()
        self.step = (self.now_ts - 3600 - self.start_ts) / max(total, 1)
        self.tz = ZoneInfo(settings.TIME_ZONE)
        slugs = [s for s in OWNER_WEIGHTS if s in world.agencies]
        self.pick_owner = _Pick([world.agencies[s] for s in slugs], [OWNER_WEIGHTS[s] for s in slugs])
        ranks = [r for r in CLASSIFICATION_WEIGHTS if r in world.ranks] or [min(world.ranks)]
        self.pick_class = _Pick(ranks, [CLASSIFICATION_WEIGHTS.get(r, 1.0) for r in ranks])
        self.status_by_age = [(days * 86400.0, _Pick.of(weights.items())) for days, weights in STATUS_BY_AGE]
        self.pick_ideology = _Pick.of(IDEOLOGY_WEIGHTS)
        self.pick_urgency = _Pick.of(URGENCY_WEIGHTS)
        self.pick_awareness = _Pick.of(AWARENESS_WEIGHTS)
        self.pick_language = _Pick.of(LANGUAGES)
        self.pick_rag = _Pick.of(RAG_WEIGHTS)
        self.screening_fields = False  # set by seed_scale when the model has them
        self.screeners = {rank: tuple(u for u in world.screeners if u.rank >= rank) for rank in world.ranks}
        screening_ids = {a.id for a in world.screening_agencies}
        self.screening = world.screening_agencies
        # Explicit share targets per owner: other agencies that do not already see everything by screening.
        self.share_targets: dict[int, _Pick | None] = {}
        for owner in world.agencies.values():
            targets = [
                (world.agencies[s], w)
                for s, w in SHARE_TARGET_WEIGHTS.items()
                if s in world.agencies
                and world.agencies[s].id != owner.id
                and world.agencies[s].id not in screening_ids
            ]
            self.share_targets[owner.id] = _Pick.of(targets) if targets else None
        self.referrers = {
            (a.id, rank): a.referrers_for(rank) or a.referrers for a in world.agencies.values() for rank in world.ranks
        }
        self.postcodes = [
            f"NS{d} {n}{a}{b}"
            for d in range(1, 25)
            for n in range(10)
            for a, b in ("AB", "BD", "EF", "HJ", "LN", "PQ", "RT", "WX")
        ]
        self.keys: dict[tuple[str, str], PersonKeys] = {}
        self.postcode_keys = {p: matching.postcode_key(p) for p in self.postcodes}
        self.year_starts = sorted(
            (datetime(y, 1, 1, tzinfo=self.tz).timestamp(), y)
            for y in range(datetime.fromtimestamp(self.start_ts, self.tz).year, self.now.year + 2)
        )

    def _keys(self, given: str, family: str) -> PersonKeys:
        found = self.keys.get((given, family))
        if found is None:
            found = PersonKeys(matching.name_key(given, family), matching.phonetic_key(given, family))
            self.keys[(given, family)] = found
        return found

    def _year(self, ts: float) -> int:
        index = bisect_right(self.year_starts, (ts, 10_000)) - 1
        return self.year_starts[index][1]

    @staticmethod
    def _iso(ts: float) -> str:
        return datetime.fromtimestamp(ts, UTC).isoformat()

    def batch(self, first_index: int, count: int) -> Batch:
        """Draw ``count`` referrals (the run's referrals ``first_index`` onwards), before ids are known."""
        rng = self.rng
        rows = []
        for i in range(first_index, first_index + count):
            submitted = self.start_ts + (i + rng.random()) * self.step
            owner = self.pick_owner(rng)
            rank = self.pick_class(rng)
            referrer_pool = self.referrers[(owner.id, rank)]
            referrer = referrer_pool[int(rng.random() * len(referrer_pool))]
            rank = min(rank, referrer.rank)
            explicit = None
            if rng.random() < EXPLICIT_SHARE_RATE:
                targets = self.share_targets.get(owner.id)
                if targets is not None:
                    explicit = (targets(rng), rng.random(), rng.random(), rng.random())
            age = self.now_ts - submitted
            pick_status = next(pick for limit, pick in self.status_by_age if age <= limit)
            rows.append(
                (submitted, owner, rank, referrer, rng.random() < ORIGINATOR_ONLY_RATE, pick_status(rng), explicit)
            )
        return Batch(self, rows)


class Batch:
    def __init__(self, gen: Generator, rows: list[tuple[Any, ...]]) -> None:
        self.gen = gen
        self.rows = rows

    def _screening(self, status: str, rank: int, submitted: float, updated: float) -> str:
        gen = self.gen
        if not gen.screening_fields:
            return ""
        rng = gen.rng
        due = gen._iso(submitted + 2 * 86400)
        if status == "submitted":
            return f"\t{due}\t\t\t\t\t\\N\t\\N\t"
        rag = gen.pick_rag(rng)
        if status == "screening":
            return f"\t{due}\t{rag}\t\t\t\t\\N\t\\N\t"
        decision, outcome, rationale = SCREENING_BY_STATUS[status]
        signposted_to = SIGNPOST_SERVICES[int(rng.random() * len(SIGNPOST_SERVICES))] if status == "signposted" else ""
        pool = gen.screeners.get(rank) or ()
        screener = str(pool[int(rng.random() * len(pool))].id) if pool else _NULL
        return f"\t{due}\t{rag}\t{decision}\t{signposted_to}\t{rationale}\t{screener}\t{gen._iso(updated)}\t{outcome}"

    def year_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for row in self.rows:
            year = self.gen._year(row[0])
            counts[year] = counts.get(year, 0) + 1
        return counts

    def lines(
        self, person_ids: list[int], referral_ids: list[int], change_seqs: list[int], first_refs: dict[int, int]
    ) -> tuple[list[str], list[str], list[str], list[str]]:
        gen = self.gen
        rng = gen.rng
        world = gen.world
        iso = gen._iso
        now_ts = gen.now_ts
        ct_id = world.referral_ct_id
        perm_id = world.view_permission_id
        next_ref = dict(first_refs)
        people: list[str] = []
        referrals: list[str] = []
        shares: list[str] = []
        grants: list[str] = []
        day = 86400.0
        for k, (submitted, owner, rank, referrer, originator_only, status, explicit) in enumerate(self.rows):
            pid, rid, seq = person_ids[k], referral_ids[k], change_seqs[k]
            year = gen._year(submitted)
            number = next_ref[year]
            next_ref[year] = number + 1
            created = submitted - rng.uniform(600, 3 * day)
            created_iso, submitted_iso = iso(created), iso(submitted)
            if status in ("submitted",):
                updated = submitted
            else:
                updated = min(submitted + rng.uniform(0.1 * day, 20 * day), now_ts - 60)
                updated = max(updated, submitted)
            # The subject person.
            given = GIVEN_NAMES[int(rng.random() * len(GIVEN_NAMES))]
            family = FAMILY_NAMES[int(rng.random() * len(FAMILY_NAMES))]
            keys = gen._keys(given, family)
            r = rng.random()
            age = (
                10 + int(rng.random() * 8)
                if r < 0.55
                else (18 + int(rng.random() * 8) if r < 0.85 else 26 + int(rng.random() * 40))
            )
            dob = datetime.fromtimestamp(submitted - age * 365.25 * day - rng.random() * 365 * day, UTC).date()
            postcode = gen.postcodes[int(rng.random() * len(gen.postcodes))]
            r = rng.random()
            sex = "male" if r < 0.84 else ("female" if r < 0.98 else "unknown")
            language = gen.pick_language(rng)
            interpreter = "t" if language != "English" and rng.random() < 0.3 else "f"
            minor = age < 18
            guardian_name = f"{GIVEN_NAMES[int(rng.random() * len(GIVEN_NAMES))]} {family}" if minor else ""
            guardian_contact = f"07700 9{int(rng.random() * 100000):05d}" if minor else ""
            address = f"{1 + int(rng.random() * 180)} {STREETS[int(rng.random() * len(STREETS))]}, {TOWNS[int(rng.random() * len(TOWNS))]}"
            school = SCHOOLS_AND_EMPLOYERS[int(rng.random() * len(SCHOOLS_AND_EMPLOYERS))]
            other_names = f"{given[0]}. {family}" if rng.random() < 0.05 else ""
            people.append(
                f"{pid}\t{created_iso}\t{submitted_iso}\t{given}\t{family}\t"
                f"{other_names}\t{dob.isoformat()}\t\\N\t{sex}\t\t{address}\t{postcode}\t{school}\t{guardian_name}\t"
                f"{guardian_contact}\t{language}\t{interpreter}\t{keys.name_key}\t{keys.phonetic_key}\t"
                f"{gen.postcode_keys[postcode]}"
            )
            # The referral.
            concerns = " ".join(rng.sample(CONCERN_SENTENCES, 1 + int(rng.random() * 3)))
            indicators = "{" + ",".join(rng.sample(INDICATORS, 1 + int(rng.random() * 3))) + "}"
            r = rng.random()
            immediate_risk = "f" if r < 0.85 else ("t" if r < 0.88 else _NULL)
            risk_details = "Has made specific threats this week." if immediate_risk == "t" else ""
            referrals.append(
                f"{rid}\t{created_iso}\t{iso(updated)}\t{rank}\t{'t' if originator_only else 'f'}\t{seq}\t"
                f"REF-{year}-{number:0{REFERENCE_DIGITS}d}\t{status}\t{concerns}\t{gen.pick_ideology(rng)}\t"
                f"{indicators}\t{gen.pick_urgency(rng)}\t{immediate_risk}\t{risk_details}\t"
                f"{gen.pick_awareness(rng)}\t{gen.pick_awareness(rng) if minor else ''}\t"
                f"{gen.pick_awareness(rng)}\t\t{referrer.name}\t{referrer.role}\t{referrer.phone}\t{referrer.email}\t"
                f"{submitted_iso}\t3\t{referrer.id}\t{owner.id}\t{pid}{self._screening(status, rank, submitted, updated)}"
            )
            # Access by events: the referring agency, then every screening agency but the referrer's own.
            shares.append(
                f"{rid}\t{ShareBasis.REFERRING_AGENCY.value}\t\t{submitted_iso}\t\\N\t\\N\t\t\\N\t{owner.id}\t"
                f"{ct_id}\t{referrer.id}\t\\N"
            )
            grants.append(f"\\N\t{rank}\tf\t{seq}\t{rid}\t{owner.group_id}\t{perm_id}")
            for screener in gen.screening:
                if screener.id == owner.id:
                    continue
                shares.append(
                    f"{rid}\t{ShareBasis.SCREENING_AGENCY.value}\t\t{submitted_iso}\t\\N\t\\N\t\t\\N\t{screener.id}\t"
                    f"{ct_id}\t{referrer.id}\t\\N"
                )
                grants.append(
                    f"\\N\t{rank}\t{'t' if originator_only else 'f'}\t{seq}\t{rid}\t{screener.group_id}\t{perm_id}"
                )
            if explicit is None:
                continue
            # An explicit share by the referring practitioner.
            target, r_expiry, r_revoke, r_when = explicit
            shared_at = min(submitted + r_when * 30 * day, now_ts - 3600)
            shared_at = max(shared_at, submitted)
            expires: float | None = None
            if r_expiry < SHARE_PAST_EXPIRY_RATE and shared_at + day < now_ts - day:
                expires = shared_at + (now_ts - day - shared_at) * (0.2 + 0.8 * r_when)
                expires = max(expires, shared_at + day)
            elif r_expiry < SHARE_PAST_EXPIRY_RATE + SHARE_FUTURE_EXPIRY_RATE:
                expires = now_ts + (7 + r_when * 173) * day
            expires_text = iso(expires) if expires is not None else _NULL
            reason = SHARE_REASONS[int(r_revoke * 1000) % len(SHARE_REASONS)]
            if r_revoke < SHARE_REVOKED_RATE:
                revoked_at = min(shared_at + day, now_ts - 60)
                shares.append(
                    f"{rid}\t{ShareBasis.EXPLICIT.value}\t{reason}\t{iso(shared_at)}\t{expires_text}\t{iso(revoked_at)}\t"
                    f"No longer needed.\t\\N\t{target.id}\t{ct_id}\t{referrer.id}\t{referrer.id}"
                )
                continue
            shares.append(
                f"{rid}\t{ShareBasis.EXPLICIT.value}\t{reason}\t{iso(shared_at)}\t{expires_text}\t\\N\t\t\\N\t"
                f"{target.id}\t{ct_id}\t{referrer.id}\t\\N"
            )
            grants.append(
                f"{expires_text}\t{rank}\t{'t' if originator_only else 'f'}\t{seq}\t{rid}\t{target.group_id}\t{perm_id}"
            )
        return people, referrals, shares, grants


PERSON_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "approximate_age",
    "sex",
    "gender",
    "address",
    "postcode",
    "school_or_employer",
    "guardian_name",
    "guardian_contact",
    "language",
    "interpreter_needed",
    "name_key",
    "phonetic_key",
    "postcode_key",
)
REFERRAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "classification",
    "originator_only",
    "change_seq",
    "reference",
    "status",
    "concerns",
    "ideology",
    "indicators",
    "urgency",
    "immediate_risk",
    "immediate_risk_details",
    "person_aware",
    "guardian_aware",
    "consent_sought",
    "consent_notes",
    "referrer_name",
    "referrer_role",
    "referrer_phone",
    "referrer_email",
    "submitted_at",
    "version",
    "created_by_id",
    "owning_agency_id",
    "subject_id",
)
SHARE_COLUMNS = (
    "object_id",
    "basis",
    "reason",
    "created_at",
    "expires_at",
    "revoked_at",
    "revoke_reason",
    "lapsed_at",
    "agency_id",
    "content_type_id",
    "granted_by_id",
    "revoked_by_id",
)
GRANT_COLUMNS = (
    "expires_at",
    "classification",
    "restricted",
    "sort_key",
    "content_object_id",
    "group_id",
    "permission_id",
)


@dataclass
class SeedResult:
    referrals: int = 0
    shares: int = 0
    grants: int = 0
    seconds: float = 0.0


def seed_scale(
    *, referrals: int, batch_size: int = 50_000, seed: int = 1, log: Any = None, analyze: bool = True
) -> SeedResult:
    """Add ``referrals`` synthetic submitted referrals. See the module docstring."""
    if referrals < 0:
        raise SeedError("--referrals must be zero or more.")
    if batch_size < 1:
        raise SeedError("--batch-size must be at least 1.")
    started = time.perf_counter()
    world = load_world()
    now = datetime.now(UTC)
    gen = Generator(world, seed=seed, total=referrals, now=now)
    referral_columns = {f.column for f in Referral._meta.concrete_fields}
    gen.screening_fields = all(c in referral_columns for c in SCREENING_COLUMNS)
    specs = (
        CopySpec.for_model(Person, PERSON_COLUMNS, now),
        CopySpec.for_model(Referral, REFERRAL_COLUMNS + (SCREENING_COLUMNS if gen.screening_fields else ()), now),
        CopySpec.for_model(Share, SHARE_COLUMNS, now),
        CopySpec.for_model(ReferralAgencyGrant, GRANT_COLUMNS, now),
    )
    result = SeedResult()
    done = 0
    while done < referrals:
        count = min(batch_size, referrals - done)
        batch = gen.batch(done, count)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
            person_ids = _nextvals(_identity_sequence(Person), count)
            referral_ids = _nextvals(_identity_sequence(Referral), count)
            change_seqs = _nextvals("'sharing_change_seq'", count)
            first_refs = _reserve_references(batch.year_counts())
            tables = batch.lines(person_ids, referral_ids, change_seqs, first_refs)
            for spec, lines in zip(specs, tables, strict=True):
                _copy(spec, lines)
        done += count
        result.referrals += count
        result.shares += len(tables[2])
        result.grants += len(tables[3])
        if log is not None:
            elapsed = time.perf_counter() - started
            log(f"  {done:>10,} / {referrals:,} referrals  {elapsed:7.1f} s  {done / elapsed:8,.0f}/s")
    if analyze and referrals:
        tables_sql = ", ".join(m._meta.db_table for m in (Person, Referral, Share, ReferralAgencyGrant))
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute(f"ANALYZE {tables_sql}")
            else:
                # Outside a transaction also set the visibility map, as autovacuum soon would.
                cursor.execute(f"VACUUM (ANALYZE) {tables_sql}")
        if log is not None:
            log(f"  analysed  {time.perf_counter() - started:7.1f} s")
    result.seconds = time.perf_counter() - started
    return result


class Command(BaseCommand):
    help = (
        "Add N synthetic submitted referrals (people, grants and shares spread over the demo agencies and "
        "clearance levels) for benchmarks. Needs `manage.py seed_demo` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--referrals", type=int, required=True, help="How many referrals to add.")
        parser.add_argument("--batch-size", type=int, default=50_000, help="Referrals per COPY transaction.")
        parser.add_argument("--seed", type=int, default=1, help="PRNG seed (same seed, same data).")
        parser.add_argument("--no-analyze", action="store_true", help="Skip VACUUM/ANALYZE at the end.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        log = self.stdout.write if verbosity >= 1 else None
        result = seed_scale(
            referrals=options["referrals"],
            batch_size=options["batch_size"],
            seed=options["seed"],
            log=log,
            analyze=not options["no_analyze"],
        )
        self.stdout.write(
            f"Added {result.referrals:,} referrals, {result.shares:,} share rows and {result.grants:,} grant rows "
            f"in {result.seconds:.1f} s."
        )
