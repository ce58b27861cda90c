"""The audit trail's hash chain and its signed checkpoints (docs/adr/0012-audit-checkpoints.md).

Writers append unsealed events; ``sharing.sealer`` chains them in ``seq`` order every few seconds
(``prev_seq``, ``prev_hash``, ``hash``; docs/adr/0014-audit-sealer.md). A chain alone cannot show that
its newest events were deleted, nor that the whole chain was rewritten, so ``seal_checkpoint`` runs
the sealer, then seals the chain's head now and then: the head event's seq and hash and
the number of events up to it, signed (HMAC-SHA256) with ``CONVENE_AUDIT_CHECKPOINT_KEY``, which
lives in the environment and never in the database, and appended both to ``AuditCheckpoint`` and to
``CONVENE_AUDIT_CHECKPOINT_FILE`` outside the database.

``verify_trail`` checks the checkpoints (signatures, the table and the file agree), recomputes the
chain from the last verified checkpoint (or the first event), checks every checkpoint in that range
against the events, and records a signed ``AuditVerification`` so the next run starts there. Events
not yet sealed are counted, not walked; one below the sealed head is a problem.

Months archived (detached partitions, ``sharing.partitions``; docs/adr/0025) leave a signed
``ArchiveMark`` in the trail: a full run starts from it, where the first attached events link to
archived ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from sharing.models import AuditCheckpoint, AuditVerification
from sharing.sealer import Sealed, seal_pending

SEAL_LOCK_KEY = 8_315_042_118  # session advisory lock: one checkpoint sealer at a time
_MIN_SEQ = -(2**63)
_TAIL_BYTES = 8192
SEAL_FIELDS = ("seq", "head_hash", "event_count", "created_at", "signature")


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    problem: str
    kind: str = "event"

    def __str__(self) -> str:
        return self.problem if self.seq is None else f"{self.kind} {self.seq}: {self.problem}"


# --- signatures -------------------------------------------------------------------------------------


def _sign(*parts: object) -> str:
    key = str(settings.CONVENE_AUDIT_CHECKPOINT_KEY).encode()
    return hmac.new(key, "\n".join(str(part) for part in parts).encode(), hashlib.sha256).hexdigest()


def instant(moment: datetime) -> str:
    """How a moment is signed and written: UTC, to the microsecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Seal:
    """One checkpoint, as the table and the file both hold it."""

    seq: int
    head_hash: str
    event_count: int
    created_at: str
    signature: str

    @staticmethod
    def signature_for(seq: int, head_hash: str, event_count: int, created_at: str) -> str:
        return _sign("convene-audit-checkpoint/1", seq, head_hash, event_count, created_at)

    @property
    def signed(self) -> bool:
        expected = self.signature_for(self.seq, self.head_hash, self.event_count, self.created_at)
        return hmac.compare_digest(self.signature, expected)

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> Seal:
        return cls(
            checkpoint.seq,
            checkpoint.head_hash,
            checkpoint.event_count,
            instant(checkpoint.created_at),
            checkpoint.signature,
        )

    @classmethod
    def from_line(cls, line: str) -> Seal:
        """Raises ValueError when the line is not a checkpoint."""
        data = json.loads(line)
        if not isinstance(data, dict) or set(data) != set(SEAL_FIELDS):
            raise ValueError("not a checkpoint")
        seal = cls(**data)
        numbers, texts = (seal.seq, seal.event_count), (seal.head_hash, seal.created_at, seal.signature)
        if not all(type(n) is int for n in numbers) or not all(isinstance(t, str) for t in texts):
            raise ValueError("not a checkpoint")
        return seal

    def line(self) -> str:
        return json.dumps({name: getattr(self, name) for name in SEAL_FIELDS}, separators=(",", ":")) + "\n"


def _verification_signature(checkpoint: Seal, verified_at: datetime, full: bool, events_checked: int) -> str:
    return _sign(
        "convene-audit-verification/1",
        checkpoint.seq,
        checkpoint.head_hash,
        instant(verified_at),
        full,
        events_checked,
    )


@dataclass(frozen=True)
class ArchiveMark:
    """What archiving left attached: every event up to ``through_seq`` was in the chain when the
    oldest months were detached (``archived`` of them detached, ``kept_below`` still attached, from
    months after them); ``links`` are the attached events that follow an archived one, as
    ``[seq, prev_seq, prev_hash]``. Signed with the checkpoint key; kept in the details of the
    ``audit_archived`` event that archiving writes (so it is itself in the chain)."""

    partition: str
    through_seq: int
    archived: int
    kept_below: int
    links: tuple[tuple[int, int, str], ...]
    signature: str = ""

    OBJECT_TYPE = "audit.partition"  # the archive event's object: the detached partition, by name

    def _expected(self) -> str:
        links = json.dumps([list(link) for link in self.links], separators=(",", ":"))
        return _sign("convene-audit-archive/1", self.partition, self.through_seq, self.archived, self.kept_below, links)

    def signed_now(self) -> ArchiveMark:
        return ArchiveMark(
            self.partition, self.through_seq, self.archived, self.kept_below, self.links, self._expected()
        )

    @property
    def signed(self) -> bool:
        return hmac.compare_digest(self.signature, self._expected())

    @property
    def events_through(self) -> int:
        return self.archived + self.kept_below

    def details(self) -> dict[str, Any]:
        return {
            "archive": {
                "partition": self.partition,
                "through_seq": self.through_seq,
                "archived": self.archived,
                "kept_below": self.kept_below,
                "links": [list(link) for link in self.links],
                "signature": self.signature,
            }
        }

    @classmethod
    def from_details(cls, details: Any) -> ArchiveMark:
        """Raises ValueError, KeyError or TypeError when the details hold no mark."""
        data = details["archive"]
        links = tuple((int(seq), int(prev), str(prev_hash)) for seq, prev, prev_hash in data["links"])
        return cls(
            str(data["partition"]),
            int(data["through_seq"]),
            int(data["archived"]),
            int(data["kept_below"]),
            links,
            str(data["signature"]),
        )


def latest_archive() -> tuple[ArchiveMark | None, list[ChainProblem]]:
    """The newest archive mark in the trail (None: nothing archived), and a problem for a mark that
    does not hold (then no mark is trusted, and a full run reports the archived events as missing)."""
    # One event a month archived, found through the reference index (never a walk down seq: no ORDER BY).
    marks = AuditEvent.objects.filter(object_type=ArchiveMark.OBJECT_TYPE, verb=AuditVerb.AUDIT_ARCHIVED).order_by()
    event = max(marks.values_list("seq", "details"), key=lambda found: found[0] or 0, default=None)
    if event is None:
        return None, []
    try:
        mark = ArchiveMark.from_details(event[1])
    except (ValueError, KeyError, TypeError):
        mark = None
    if mark is None or not mark.signed:
        return None, [ChainProblem(event[0], "its archive mark's signature does not hold (another key, or altered)")]
    return mark, []


# --- the file outside the database --------------------------------------------------------------------


def checkpoint_file() -> Path:
    return Path(str(settings.CONVENE_AUDIT_CHECKPOINT_FILE))


def read_checkpoint_file(path: Path) -> tuple[list[Seal], list[ChainProblem]]:
    """Every checkpoint in the file (signed or not), and a problem for each line that is not one."""
    seals: list[Seal] = []
    problems: list[ChainProblem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            seals.append(Seal.from_line(line))
        except (ValueError, KeyError, TypeError):
            problems.append(ChainProblem(None, f"checkpoint file line {number} is not a checkpoint"))
    return seals, problems


def _last_seq_in_file(path: Path) -> int | None:
    """The newest checkpoint the file holds, read from its tail (the whole file only if the tail is torn)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - _TAIL_BYTES))
            tail = handle.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(tail[1:] if len(tail) > 1 else tail):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            return Seal.from_line(line).seq
    seals, _ = read_checkpoint_file(path)
    return max((seal.seq for seal in seals), default=None)


def _append_to_file(path: Path, seals: Sequence[Seal]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        if handle.tell() > 0 and not _ends_with_newline(path):
            handle.write("\n")  # a line torn by a crash stays torn; the next one starts clean
        handle.writelines(seal.line() for seal in seals)
        handle.flush()
        os.fsync(handle.fileno())


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


# --- sealing ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _sealing_lock() -> Iterator[None]:
    """Sealers (and verifiers reading the checkpoints) take turns, across the commit and the file write."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [SEAL_LOCK_KEY])
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SEAL_LOCK_KEY])


def _latest_signed_checkpoint() -> AuditCheckpoint | None:
    for checkpoint in AuditCheckpoint.objects.order_by("-seq")[:50]:
        if Seal.of(checkpoint).signed:
            return checkpoint
    return None


def _seal_head() -> AuditCheckpoint | None:
    head = sealed_events().order_by("-seq").values_list("seq", "hash").first()
    if head is None or head[0] is None:
        return None
    head_seq, head_hash = head[0], head[1]
    latest = _latest_signed_checkpoint()
    if latest is not None and latest.seq >= head_seq:
        return None
    since, counted = (latest.seq, latest.event_count) if latest is not None else (_MIN_SEQ, 0)
    event_count = counted + AuditEvent.objects.filter(seq__gt=since, seq__lte=head_seq).count()
    created_at = timezone.now()
    return AuditCheckpoint.objects.create(
        seq=head_seq,
        head_hash=head_hash,
        event_count=event_count,
        created_at=created_at,
        signature=Seal.signature_for(head_seq, head_hash, event_count, instant(created_at)),
    )


def sealed_events() -> QuerySet[AuditEvent]:
    """The events in the chain (the others are waiting for the sealer)."""
    return AuditEvent.objects.filter(seq__isnull=False).exclude(hash="")


def seal_checkpoint() -> AuditCheckpoint | None:
    """Chain what is pending, then seal the chain's head; None when it is empty or already sealed."""
    return seal_and_checkpoint()[1]


def seal_and_checkpoint() -> tuple[Sealed, AuditCheckpoint | None]:
    """Run the sealer, then seal the chain's head into a checkpoint (None: empty, or already sealed).

    The head is committed and nothing can join the chain below it: the sealer chains only up to a
    fence no writer can still fill below. Counting starts from the previous signed checkpoint.
    After the commit, every signed checkpoint newer than the file's last line is appended to the file
    (so one lost to a crash between the two is written by the next run; a hole in the file is not
    filled: it is for ``verify_trail`` to report).
    """
    path = checkpoint_file()
    with _sealing_lock():
        sealed = seal_pending()
        with transaction.atomic():
            checkpoint = _seal_head()
        last = _last_seq_in_file(path)
        newer = AuditCheckpoint.objects.order_by("seq")
        if last is not None:
            newer = newer.filter(seq__gt=last)
        missing = [seal for seal in map(Seal.of, newer) if seal.signed]
        if missing:
            _append_to_file(path, missing)
    return sealed, checkpoint


# --- walking the chain --------------------------------------------------------------------------------

# An event names the one before it: prev_seq since the sealer (a rollback leaves a hole in seq), and
# seq - 1 before it (the chain trigger numbered events without holes).
_WALK = """
SELECT seq, hash <> expected, prev_hash IS DISTINCT FROM coalesce(prev_actual, %(start_hash)s),
       coalesce(prev_seq, %(start_seq)s), named_prev, prev_hash
FROM (
    SELECT e.seq, e.hash, e.prev_hash, sharing_audit_hash(e) AS expected,
           coalesce(e.prev_seq, e.seq - 1) AS named_prev,
           lag(e.hash) OVER w AS prev_actual, lag(e.seq) OVER w AS prev_seq
    FROM sharing_auditevent e WHERE {where} AND e.hash <> '' WINDOW w AS (ORDER BY e.seq)
) walk
WHERE hash <> expected OR (seq > %(after)s AND (
    prev_hash IS DISTINCT FROM coalesce(prev_actual, %(start_hash)s)
    OR named_prev <> coalesce(prev_seq, %(start_seq)s) OR seq = prev_seq))
ORDER BY seq
"""
_COUNT_AFTER = "SELECT count(*) FROM sharing_auditevent e WHERE {where} AND e.hash <> '' AND e.seq > %(after)s"
_NEWEST = "SELECT e.seq, e.hash FROM sharing_auditevent e WHERE {where} AND e.hash <> '' ORDER BY e.seq DESC LIMIT 1"
# Unsealed events (through the partial index on them): how many wait above the head, and which sit below it.
_UNSEALED = (
    "SELECT count(*) FILTER (WHERE seq > %(head)s), "
    "(array_agg(seq ORDER BY seq) FILTER (WHERE seq <= %(head)s))[1:20], "
    "count(*) FILTER (WHERE seq <= %(head)s) "
    "FROM sharing_auditevent WHERE hash = '' AND seq IS NOT NULL"
)
_COUNT_BETWEEN = (
    "SELECT width_bucket(e.seq, %(bounds)s::bigint[]), count(*) FROM sharing_auditevent e "
    "WHERE {where} AND e.seq <= %(last)s GROUP BY 1"
)


@dataclass
class Walk:
    """What one pass over the events found. ``checked`` counts the events after the start."""

    checked: int = 0
    head: str = ""
    problems: list[ChainProblem] = field(default_factory=list)
    unsealed: int = 0


def _walk(anchor: Seal | None, archive: ArchiveMark | None = None) -> Walk:
    """Recompute every hash and link after ``anchor`` (from the first event when None); count the
    events still waiting for the sealer, and report any that sits below the chain's head. From the
    first event, a link to an archived event is accepted where ``archive`` names it exactly."""
    params: dict[str, int | str]
    if anchor is None:
        where, params = "e.seq IS NOT NULL", {"after": _MIN_SEQ, "start_seq": 0, "start_hash": ""}
    else:
        where = "e.seq >= %(start_seq)s"
        params = {"after": anchor.seq, "start_seq": anchor.seq, "start_hash": anchor.head_hash}
    after = anchor.seq if anchor else _MIN_SEQ
    walk = Walk(head=anchor.head_hash if anchor else "")
    with connection.cursor() as cursor:
        cursor.execute(_WALK.format(where=where), params)
        archived = {link[0]: link for link in archive.links} if archive and anchor is None else {}
        for seq, modified, unlinked, prev_seq, named_prev, prev_hash in cursor.fetchall():
            if modified:
                walk.problems.append(ChainProblem(seq, "contents do not match the hash (modified)"))
            if seq == prev_seq:
                walk.problems.append(ChainProblem(seq, "the same seq is on two events (inserted)"))
            if archived.get(seq) == (seq, named_prev, prev_hash):
                continue  # it follows an archived event, as the archive mark says
            if seq > after and unlinked:
                walk.problems.append(ChainProblem(seq, "does not follow the previous event (deleted or reordered)"))
            if seq > after and named_prev != prev_seq:
                walk.problems.append(ChainProblem(seq, f"sequence jumps from {prev_seq} (events deleted)"))
        cursor.execute(_COUNT_AFTER.format(where=where), params)
        walk.checked = cursor.fetchone()[0]
        cursor.execute(_NEWEST.format(where=where), params)
        newest = cursor.fetchone()
        if newest is not None:
            walk.head = newest[1]
        walk.problems += _unsealed(cursor, walk, head_seq=newest[0] if newest else after)
    return walk


def _unsealed(cursor: Any, walk: Walk, *, head_seq: int) -> list[ChainProblem]:
    """Count the unsealed events above the head into ``walk``; those below it (or without a seq) are
    problems: the sealer never chains past a writer that can still commit below."""
    cursor.execute("SELECT count(*) FROM sharing_auditevent WHERE seq IS NULL")
    unsequenced = cursor.fetchone()[0]
    cursor.execute(_UNSEALED, {"head": max(head_seq, 0)})
    walk.unsealed, below, misplaced = cursor.fetchone()
    problems = [ChainProblem(seq, "is not sealed but sits below the chain's head (inserted)") for seq in below or []]
    if misplaced > len(problems):
        problems.append(ChainProblem(None, f"{misplaced} unsealed event(s) below the chain's head (inserted)"))
    if unsequenced:
        problems.append(ChainProblem(None, f"{unsequenced} event(s) have no sequence number (inserted)"))
    return problems


def verify_chain() -> tuple[int, list[ChainProblem], str]:
    """Recompute every hash and link from the first event. Returns (events checked, problems, head hash)."""
    walk = _walk(None)
    return walk.checked, walk.problems, walk.head


def _checkpoint_events(
    anchor: Seal | None, seals: Sequence[Seal], *, anchor_attached: bool = True
) -> list[ChainProblem]:
    """The anchor and each checkpoint after it still find the event they sealed, and each as many events
    up to it as it counted: this catches the newest events deleted, and a chain rewritten under a seal.
    An archive's start (``anchor_attached`` False) counts the events up to it, its event archived."""
    ordered = sorted(seals, key=lambda seal: seal.seq)
    sealed = ([anchor] if anchor else []) + ordered
    if not sealed:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq, hash FROM sharing_auditevent WHERE seq = ANY(%s::bigint[])", [[s.seq for s in sealed]]
        )
        found: dict[int, str] = dict(cursor.fetchall())
    problems = [] if anchor is None or not anchor_attached else _sealed_event_problems(anchor, found)
    counted = anchor.event_count if anchor else 0
    for seal, between in zip(ordered, _counts_between(anchor, ordered), strict=True):
        counted += between
        problems += _sealed_event_problems(seal, found)
        if counted != seal.event_count:
            problem = f"{counted} events up to it, it sealed {seal.event_count} (events deleted or inserted)"
            problems.append(ChainProblem(seal.seq, problem, "checkpoint"))
    return problems


def _sealed_event_problems(seal: Seal, found: dict[int, str]) -> list[ChainProblem]:
    if seal.seq not in found:
        return [ChainProblem(seal.seq, "its event is missing (events deleted up to the checkpoint)", "checkpoint")]
    if found[seal.seq] != seal.head_hash:
        return [ChainProblem(seal.seq, "its event is not the one it sealed (modified or replaced)", "checkpoint")]
    return []


def _counts_between(anchor: Seal | None, ordered: Sequence[Seal]) -> list[int]:
    """How many events each checkpoint has after the one before it (after the anchor for the first),
    in one pass over the range: bucket i of ``width_bucket`` holds the seqs in (c[i-1], c[i]]."""
    if not ordered:
        return []
    where = "e.seq > %(after)s" if anchor else "e.seq IS NOT NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNT_BETWEEN.format(where=where),
            {
                "bounds": [seal.seq + 1 for seal in ordered],
                "after": anchor.seq if anchor else 0,
                "last": ordered[-1].seq,
            },
        )
        buckets: dict[int, int] = dict(cursor.fetchall())
    return [buckets.get(index, 0) for index in range(len(ordered))]


# --- verifying the trail ------------------------------------------------------------------------------


@dataclass
class Verification:
    """One run of ``verify_trail``. ``start`` is the verified checkpoint it started from (None: the first
    event); ``checked`` counts the sealed events after it; ``latest`` is the newest signed checkpoint;
    ``unsealed`` counts the events above the chain's head still waiting for the sealer."""

    checked: int
    head: str
    problems: list[ChainProblem]
    start: Seal | None
    checkpoints: int
    latest: Seal | None
    unsealed: int = 0


def verify_trail(*, full: bool = False) -> Verification:
    """Check the checkpoints, then recompute the chain from the last verified one (``full``: from the
    first event) and check every checkpoint from there against the events. A run that finds nothing
    wrong records a signed ``AuditVerification`` at the newest checkpoint, where the next run starts.

    An incremental run reads only the events from its starting checkpoint on: tampering below a
    checkpoint that was verified is for a ``full`` run to find.
    """
    path = checkpoint_file()
    with _sealing_lock():  # never between a seal's commit and its line in the file
        in_table = [Seal.of(checkpoint) for checkpoint in AuditCheckpoint.objects.order_by("seq")]
        in_file, problems = read_checkpoint_file(path)
    problems += _checkpoint_problems(in_table, in_file, path)
    agreed = {seal.seq: seal for seal in in_table if seal.signed and seal in set(in_file)}
    trusted: dict[int, Seal] = {}
    for seal in in_file + in_table:
        if seal.signed:
            trusted.setdefault(seal.seq, seal)
    anchor, mark_problems = (None, []) if full else _anchor(agreed)
    archive, archive_problems = latest_archive()
    walk = _walk(anchor, archive)
    start = anchor or _archive_start(archive)
    after = [seal for seal in trusted.values() if start is None or seal.seq > start.seq]
    problems += archive_problems + mark_problems + walk.problems
    problems += _checkpoint_events(start, after, anchor_attached=anchor is not None)
    if anchor is None and archive is not None:
        problems += _kept_below_problems(archive)
    latest = max(trusted.values(), key=lambda seal: seal.seq, default=None)
    verification = Verification(walk.checked, walk.head, problems, anchor, len(trusted), latest, walk.unsealed)
    if not problems:
        _mark_verified(verification, full=full, agreed=agreed)
    return verification


def _archive_start(archive: ArchiveMark | None) -> Seal | None:
    """Where checkpoints are counted from once months were archived: the archive's last event."""
    if archive is None:
        return None
    return Seal(archive.through_seq, "", archive.events_through, "", "")


def _kept_below_problems(archive: ArchiveMark) -> list[ChainProblem]:
    """The events up to the archive's last one that stayed attached (from later months) are all there."""
    kept = AuditEvent.objects.filter(seq__lte=archive.through_seq).count()
    if kept == archive.kept_below:
        return []
    problem = f"{kept} attached events up to it, archiving left {archive.kept_below} (events deleted or inserted)"
    return [ChainProblem(archive.through_seq, problem, "archive")]


def _checkpoint_problems(in_table: list[Seal], in_file: list[Seal], path: Path) -> list[ChainProblem]:
    """Every checkpoint is signed with our key, and the table and the file hold the same ones."""
    problems = []
    if in_table and not path.exists():
        problems.append(ChainProblem(None, f"the checkpoint file {path} is missing"))
    for where, seals in (("the database", in_table), ("the checkpoint file", in_file)):
        problems += [
            ChainProblem(seal.seq, f"its signature does not hold in {where} (another key, or altered)", "checkpoint")
            for seal in seals
            if not seal.signed
        ]
    by_table = {seal.seq: seal for seal in in_table}
    by_file: dict[int, Seal] = {}
    for seal in in_file:
        if by_file.setdefault(seal.seq, seal) != seal:
            problems.append(ChainProblem(seal.seq, "appears twice in the checkpoint file, differently", "checkpoint"))
    for seq in sorted(by_table.keys() | by_file.keys()):
        if seq not in by_file:
            problem = "in the database but not in the checkpoint file (removed from the file)"
        elif seq not in by_table:
            problem = "in the checkpoint file but not in the database (deleted from the table)"
        elif by_table[seq] != by_file[seq]:
            problem = "differs between the database and the checkpoint file"
        else:
            continue
        problems.append(ChainProblem(seq, problem, "checkpoint"))
    return problems


def _anchor(agreed: dict[int, Seal]) -> tuple[Seal | None, list[ChainProblem]]:
    """The checkpoint of the newest signed verification mark, and a problem for each forged mark newer than it."""
    problems = []
    for mark in AuditVerification.objects.order_by("-id").iterator():
        seal = agreed.get(mark.checkpoint_seq)
        if not _mark_signed(mark):
            problems.append(
                ChainProblem(mark.pk, "its signature does not hold (not a verification run)", "verification")
            )
        elif seal is not None and seal.head_hash == mark.checkpoint_hash:
            return seal, problems
    return None, problems


def _mark_signed(mark: AuditVerification) -> bool:
    expected = _verification_signature(
        Seal(mark.checkpoint_seq, mark.checkpoint_hash, 0, "", ""), mark.verified_at, mark.full, mark.events_checked
    )
    return hmac.compare_digest(mark.signature, expected)


@dataclass(frozen=True)
class Standing:
    """What the auditors' page shows of the trail's integrity, read without running a verification:
    the newest checkpoint and verification run (and whether their signatures hold), and the events
    still waiting for the sealer."""

    checkpoint: AuditCheckpoint | None
    checkpoint_signed: bool
    verification: AuditVerification | None
    verification_signed: bool
    unsealed: int
    oldest_unsealed_at: datetime | None


def standing() -> Standing:
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    mark = AuditVerification.objects.order_by("-id").first()
    pending = AuditEvent.objects.filter(hash="").aggregate(count=Count("pk"), oldest=Min("occurred_at"))
    return Standing(
        checkpoint=checkpoint,
        checkpoint_signed=checkpoint is not None and Seal.of(checkpoint).signed,
        verification=mark,
        verification_signed=mark is not None and _mark_signed(mark),
        unsealed=pending["count"],
        oldest_unsealed_at=pending["oldest"],
    )


def _mark_verified(verification: Verification, *, full: bool, agreed: dict[int, Seal]) -> None:
    newest = max(agreed.values(), key=lambda seal: seal.seq, default=None)
    if newest is None or (verification.start is not None and newest.seq <= verification.start.seq):
        return
    verified_at = timezone.now()
    AuditVerification.objects.create(
        checkpoint_seq=newest.seq,
        checkpoint_hash=newest.head_hash,
        verified_at=verified_at,
        full=full,
        events_checked=verification.checked,
        signature=_verification_signature(newest, verified_at, full, verification.checked),
    )
