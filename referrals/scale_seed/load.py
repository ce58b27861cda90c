"""Bulk-load synthetic submitted referrals for benchmarks (``manage.py seed_scale --referrals N``).

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

The spread (``spread.py``) is tuned so that, at 1,000,000 referrals, the SPOC of
the health trust (clearance 2) sees about 80,000 and a baseline-cleared
practitioner of the probation service a few hundred; the screening agency
(police) sees almost everything. ``bench/caseload.py`` times those users.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from referrals.models import Person, Referral, ReferralAgencyGrant
from referrals.scale_seed.generate import Generator
from referrals.scale_seed.pgcopy import (
    CopySpec,
    SeedError,
    copy_rows,
    identity_sequence,
    nextvals,
    reserve_references,
)
from referrals.scale_seed.world import load_world
from referrals.services import PERSON_FIELDS, REFERRAL_ANSWER_FIELDS
from sharing.models import Share

__all__ = ["SeedError", "SeedResult", "seed_scale"]

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
# The COPY column order: the intake's person fields (referrals.services.PERSON_FIELDS) between the
# row's id and timestamps and its matching keys; the referral's answers (REFERRAL_ANSWER_FIELDS)
# after its sharing columns, reference and status.
PERSON_COLUMNS = ("id", "created_at", "updated_at", *PERSON_FIELDS, "name_key", "phonetic_key", "postcode_key")
REFERRAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "classification",
    "originator_only",
    "change_seq",
    "reference",
    "status",
    *REFERRAL_ANSWER_FIELDS,
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
    *,
    referrals: int,
    batch_size: int = 50_000,
    seed: int = 1,
    log: Callable[[str], object] | None = None,
    analyze: bool = True,
) -> SeedResult:
    """Add ``referrals`` synthetic submitted referrals. See the module docstring."""
    if referrals < 0:
        raise SeedError("--referrals must be zero or more.")
    if batch_size < 1:
        raise SeedError("--batch-size must be at least 1.")
    started = time.perf_counter()
    now = datetime.now(UTC)
    gen = Generator(load_world(), seed=seed, total=referrals, now=now)
    referral_columns = {f.column for f in Referral._meta.concrete_fields}
    gen.screening_fields = all(c in referral_columns for c in SCREENING_COLUMNS)
    specs = (
        CopySpec.for_model(Person, PERSON_COLUMNS, now),
        CopySpec.for_model(Referral, REFERRAL_COLUMNS + (SCREENING_COLUMNS if gen.screening_fields else ()), now),
        CopySpec.for_model(Share, SHARE_COLUMNS, now),
        CopySpec.for_model(ReferralAgencyGrant, GRANT_COLUMNS, now),
    )
    result = SeedResult()
    while result.referrals < referrals:
        count = min(batch_size, referrals - result.referrals)
        shares, grants = _load_batch(gen, specs, first_index=result.referrals, count=count)
        result.referrals += count
        result.shares += shares
        result.grants += grants
        if log is not None:
            elapsed = time.perf_counter() - started
            done = result.referrals
            log(f"  {done:>10,} / {referrals:,} referrals  {elapsed:7.1f} s  {done / elapsed:8,.0f}/s")
    if analyze and referrals:
        _analyse()
        if log is not None:
            log(f"  analysed  {time.perf_counter() - started:7.1f} s")
    result.seconds = time.perf_counter() - started
    return result


def _load_batch(gen: Generator, specs: tuple[CopySpec, ...], *, first_index: int, count: int) -> tuple[int, int]:
    """Draw and COPY one batch in its own transaction; the number of share and grant rows written."""
    batch = gen.batch(first_index, count)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
        person_ids = nextvals(identity_sequence(Person), count)
        referral_ids = nextvals(identity_sequence(Referral), count)
        change_seqs = nextvals("'sharing_change_seq'", count)
        first_refs = reserve_references(batch.year_counts())
        tables = batch.lines(person_ids, referral_ids, change_seqs, first_refs)
        for spec, lines in zip(specs, tables, strict=True):
            copy_rows(spec, lines)
    return len(tables[2]), len(tables[3])


def _analyse() -> None:
    tables_sql = ", ".join(m._meta.db_table for m in (Person, Referral, Share, ReferralAgencyGrant))
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {tables_sql}")
        else:
            # Outside a transaction also set the visibility map, as autovacuum soon would.
            cursor.execute(f"VACUUM (ANALYZE) {tables_sql}")
