"""Synthetic referrals drawn from a seeded PRNG and formatted as COPY lines, one batch at a time.

The same seed gives the same data: every draw happens in a fixed order, row by row
(the referral's headline first, in ``Generator.batch``; then its person, the referral
itself and its screening, in ``Batch.lines``).
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from referrals import matching
from referrals.models import REFERENCE_DIGITS
from referrals.scale_seed.pgcopy import NULL
from referrals.scale_seed.spread import (
    AWARENESS_WEIGHTS,
    CLASSIFICATION_WEIGHTS,
    CONCERN_SENTENCES,
    EXPLICIT_SHARE_RATE,
    FAMILY_NAMES,
    GIVEN_NAMES,
    IDEOLOGY_WEIGHTS,
    INDICATORS,
    LANGUAGES,
    ORIGINATOR_ONLY_RATE,
    OWNER_WEIGHTS,
    RAG_WEIGHTS,
    SCHOOLS_AND_EMPLOYERS,
    SCREENING_BY_STATUS,
    SHARE_FUTURE_EXPIRY_RATE,
    SHARE_PAST_EXPIRY_RATE,
    SHARE_REASONS,
    SHARE_REVOKED_RATE,
    SHARE_TARGET_WEIGHTS,
    SIGNPOST_SERVICES,
    STATUS_BY_AGE,
    STREETS,
    TOWNS,
    URGENCY_WEIGHTS,
    WINDOW_DAYS,
)
from referrals.scale_seed.world import AgencyInfo, Referrer, World
from sharing.models import ShareBasis

DAY = 86400.0


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


class Drawn(NamedTuple):
    """A referral's headline, drawn before the batch's ids are known.

    ``explicit`` is ``(target agency, expiry draw, revoke draw, timing draw)`` or None.
    """

    submitted: float
    owner: AgencyInfo
    rank: int
    referrer: Referrer
    originator_only: bool
    status: str
    explicit: tuple[AgencyInfo, float, float, float] | None


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
        self.status_by_age = [(days * DAY, _Pick.of(weights.items())) for days, weights in STATUS_BY_AGE]
        self.pick_ideology = _Pick.of(IDEOLOGY_WEIGHTS)
        self.pick_urgency = _Pick.of(URGENCY_WEIGHTS)
        self.pick_awareness = _Pick.of(AWARENESS_WEIGHTS)
        self.pick_language = _Pick.of(LANGUAGES)
        self.pick_rag = _Pick.of(RAG_WEIGHTS)
        self.screening_fields = False  # set by seed_scale when the model has them
        self.screeners = {rank: tuple(u for u in world.screeners if u.rank >= rank) for rank in world.ranks}
        self.screening = world.screening_agencies
        self.share_targets = _share_targets(world)
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

    def person_keys(self, given: str, family: str) -> PersonKeys:
        found = self.keys.get((given, family))
        if found is None:
            found = PersonKeys(matching.name_key(given, family), matching.phonetic_key(given, family))
            self.keys[(given, family)] = found
        return found

    def year_of(self, ts: float) -> int:
        index = bisect_right(self.year_starts, (ts, 10_000)) - 1
        return self.year_starts[index][1]

    @staticmethod
    def iso(ts: float) -> str:
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
                Drawn(submitted, owner, rank, referrer, rng.random() < ORIGINATOR_ONLY_RATE, pick_status(rng), explicit)
            )
        return Batch(self, rows)


def _share_targets(world: World) -> dict[int, _Pick | None]:
    """Explicit share targets per owner: other agencies that do not already see everything by screening."""
    screening_ids = {a.id for a in world.screening_agencies}
    targets_by_owner: dict[int, _Pick | None] = {}
    for owner in world.agencies.values():
        targets = [
            (world.agencies[s], w)
            for s, w in SHARE_TARGET_WEIGHTS.items()
            if s in world.agencies and world.agencies[s].id != owner.id and world.agencies[s].id not in screening_ids
        ]
        targets_by_owner[owner.id] = _Pick.of(targets) if targets else None
    return targets_by_owner


@dataclass
class Tables:
    """One batch's COPY lines, one list per table."""

    people: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)
    shares: list[str] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)


class Batch:
    def __init__(self, gen: Generator, rows: list[Drawn]) -> None:
        self.gen = gen
        self.rows = rows

    def year_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for row in self.rows:
            year = self.gen.year_of(row.submitted)
            counts[year] = counts.get(year, 0) + 1
        return counts

    def lines(
        self, person_ids: list[int], referral_ids: list[int], change_seqs: list[int], first_refs: dict[int, int]
    ) -> tuple[list[str], list[str], list[str], list[str]]:
        """The COPY lines for people, referrals, shares and grants, given the ids reserved for the batch."""
        gen = self.gen
        next_ref = dict(first_refs)
        out = Tables()
        for k, row in enumerate(self.rows):
            pid, rid, seq = person_ids[k], referral_ids[k], change_seqs[k]
            year = gen.year_of(row.submitted)
            number = next_ref[year]
            next_ref[year] = number + 1
            reference = f"REF-{year}-{number:0{REFERENCE_DIGITS}d}"
            created = row.submitted - gen.rng.uniform(600, 3 * DAY)
            updated = self._updated(row)
            person, minor = self._person(pid, created, row.submitted)
            out.people.append(person)
            out.referrals.append(self._referral(row, rid, seq, pid, reference, created, updated, minor=minor))
            self._access(out, row, rid, seq)
        return out.people, out.referrals, out.shares, out.grants

    def _updated(self, row: Drawn) -> float:
        if row.status in ("submitted",):
            return row.submitted
        updated = min(row.submitted + self.gen.rng.uniform(0.1 * DAY, 20 * DAY), self.gen.now_ts - 60)
        return max(updated, row.submitted)

    def _person(self, pid: int, created: float, submitted: float) -> tuple[str, bool]:
        """The subject person's line, and whether they are a minor (the referral asks about a guardian)."""
        gen = self.gen
        rng = gen.rng
        given = GIVEN_NAMES[int(rng.random() * len(GIVEN_NAMES))]
        family = FAMILY_NAMES[int(rng.random() * len(FAMILY_NAMES))]
        keys = gen.person_keys(given, family)
        r = rng.random()
        age = (
            10 + int(rng.random() * 8)
            if r < 0.55
            else (18 + int(rng.random() * 8) if r < 0.85 else 26 + int(rng.random() * 40))
        )
        dob = datetime.fromtimestamp(submitted - age * 365.25 * DAY - rng.random() * 365 * DAY, UTC).date()
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
        line = (
            f"{pid}\t{gen.iso(created)}\t{gen.iso(submitted)}\t{given}\t{family}\t"
            f"{other_names}\t{dob.isoformat()}\t\\N\t{sex}\t\t{address}\t{postcode}\t{school}\t{guardian_name}\t"
            f"{guardian_contact}\t{language}\t{interpreter}\t{keys.name_key}\t{keys.phonetic_key}\t"
            f"{gen.postcode_keys[postcode]}"
        )
        return line, minor

    def _referral(
        self,
        row: Drawn,
        rid: int,
        seq: int,
        pid: int,
        reference: str,
        created: float,
        updated: float,
        *,
        minor: bool,
    ) -> str:
        gen = self.gen
        rng = gen.rng
        referrer = row.referrer
        concerns = " ".join(rng.sample(CONCERN_SENTENCES, 1 + int(rng.random() * 3)))
        indicators = "{" + ",".join(rng.sample(INDICATORS, 1 + int(rng.random() * 3))) + "}"
        r = rng.random()
        immediate_risk = "f" if r < 0.85 else ("t" if r < 0.88 else NULL)
        risk_details = "Has made specific threats this week." if immediate_risk == "t" else ""
        return (
            f"{rid}\t{gen.iso(created)}\t{gen.iso(updated)}\t{row.rank}\t{'t' if row.originator_only else 'f'}\t{seq}\t"
            f"{reference}\t{row.status}\t{concerns}\t{gen.pick_ideology(rng)}\t"
            f"{indicators}\t{gen.pick_urgency(rng)}\t{immediate_risk}\t{risk_details}\t"
            f"{gen.pick_awareness(rng)}\t{gen.pick_awareness(rng) if minor else ''}\t"
            f"{gen.pick_awareness(rng)}\t\t{referrer.name}\t{referrer.role}\t{referrer.phone}\t{referrer.email}\t"
            f"{gen.iso(row.submitted)}\t3\t{referrer.id}\t{row.owner.id}\t{pid}"
            f"{self._screening(row.status, row.rank, row.submitted, updated)}"
        )

    def _screening(self, status: str, rank: int, submitted: float, updated: float) -> str:
        gen = self.gen
        if not gen.screening_fields:
            return ""
        rng = gen.rng
        due = gen.iso(submitted + 2 * DAY)
        if status == "submitted":
            return f"\t{due}\t\t\t\t\t\\N\t\\N\t"
        rag = gen.pick_rag(rng)
        if status == "screening":
            return f"\t{due}\t{rag}\t\t\t\t\\N\t\\N\t"
        decision, outcome, rationale = SCREENING_BY_STATUS[status]
        signposted_to = SIGNPOST_SERVICES[int(rng.random() * len(SIGNPOST_SERVICES))] if status == "signposted" else ""
        pool = gen.screeners.get(rank) or ()
        screener = str(pool[int(rng.random() * len(pool))].id) if pool else NULL
        return f"\t{due}\t{rag}\t{decision}\t{signposted_to}\t{rationale}\t{screener}\t{gen.iso(updated)}\t{outcome}"

    def _access(self, out: Tables, row: Drawn, rid: int, seq: int) -> None:
        """Access by events: the referring agency, then every screening agency but the referrer's own."""
        gen = self.gen
        world = gen.world
        ct_id, perm_id = world.referral_ct_id, world.view_permission_id
        owner, referrer, submitted_iso = row.owner, row.referrer, gen.iso(row.submitted)
        restricted = "t" if row.originator_only else "f"
        out.shares.append(
            f"{rid}\t{ShareBasis.REFERRING_AGENCY.value}\t\t{submitted_iso}\t\\N\t\\N\t\t\\N\t{owner.id}\t"
            f"{ct_id}\t{referrer.id}\t\\N"
        )
        out.grants.append(f"\\N\t{row.rank}\tf\t{seq}\t{rid}\t{owner.group_id}\t{perm_id}")
        for screener in gen.screening:
            if screener.id == owner.id:
                continue
            out.shares.append(
                f"{rid}\t{ShareBasis.SCREENING_AGENCY.value}\t\t{submitted_iso}\t\\N\t\\N\t\t\\N\t{screener.id}\t"
                f"{ct_id}\t{referrer.id}\t\\N"
            )
            out.grants.append(f"\\N\t{row.rank}\t{restricted}\t{seq}\t{rid}\t{screener.group_id}\t{perm_id}")
        if row.explicit is not None:
            self._explicit_share(out, row, rid, seq, row.explicit)

    def _explicit_share(
        self, out: Tables, row: Drawn, rid: int, seq: int, explicit: tuple[AgencyInfo, float, float, float]
    ) -> None:
        """An explicit share by the referring practitioner: some time-limited, some expired, a few revoked."""
        gen = self.gen
        iso, now_ts = gen.iso, gen.now_ts
        ct_id, perm_id = gen.world.referral_ct_id, gen.world.view_permission_id
        referrer = row.referrer
        target, r_expiry, r_revoke, r_when = explicit
        shared_at = min(row.submitted + r_when * 30 * DAY, now_ts - 3600)
        shared_at = max(shared_at, row.submitted)
        expires: float | None = None
        if r_expiry < SHARE_PAST_EXPIRY_RATE and shared_at + DAY < now_ts - DAY:
            expires = shared_at + (now_ts - DAY - shared_at) * (0.2 + 0.8 * r_when)
            expires = max(expires, shared_at + DAY)
        elif r_expiry < SHARE_PAST_EXPIRY_RATE + SHARE_FUTURE_EXPIRY_RATE:
            expires = now_ts + (7 + r_when * 173) * DAY
        expires_text = iso(expires) if expires is not None else NULL
        reason = SHARE_REASONS[int(r_revoke * 1000) % len(SHARE_REASONS)]
        if r_revoke < SHARE_REVOKED_RATE:
            revoked_at = min(shared_at + DAY, now_ts - 60)
            out.shares.append(
                f"{rid}\t{ShareBasis.EXPLICIT.value}\t{reason}\t{iso(shared_at)}\t{expires_text}\t{iso(revoked_at)}\t"
                f"No longer needed.\t\\N\t{target.id}\t{ct_id}\t{referrer.id}\t{referrer.id}"
            )
            return
        out.shares.append(
            f"{rid}\t{ShareBasis.EXPLICIT.value}\t{reason}\t{iso(shared_at)}\t{expires_text}\t\\N\t\t\\N\t"
            f"{target.id}\t{ct_id}\t{referrer.id}\t\\N"
        )
        out.grants.append(
            f"{expires_text}\t{row.rank}\t{'t' if row.originator_only else 'f'}\t{seq}\t{rid}\t{target.group_id}\t{perm_id}"
        )
