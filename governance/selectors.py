"""Reads of the audit trail for auditors: searches, exports and access reports.

Every function takes the viewer, refuses anyone who is not an auditor (``PermissionDenied``:
the trail's existence is no secret, its content is), and records the read in the trail itself.
Nothing here reads case content: an event says who did what to which record and when, never
what the record says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.audit import record_event
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, AuditVerb
from core.pagination import Page, keyset_page, page_size_of
from governance import records
from governance.permissions import Capability, can
from partnership.models import User
from referrals.models import Referral
from sharing import chain

TRAIL_LABEL = "core.auditevent"
PERSON_MATCH_LIMIT = 50
EXPORT_LIMIT = 10_000
PEOPLE_LIMIT = 200
RECORDS_TOUCHED_LIMIT = 50
READ_VERBS = frozenset(
    {AuditVerb.RECORD_VIEWED, AuditVerb.LIST_VIEWED, AuditVerb.SEARCHED, AuditVerb.DOWNLOADED, AuditVerb.EXPORTED}
)
CHANGE_VERBS = frozenset(
    {
        AuditVerb.CREATED,
        AuditVerb.CHANGED,
        AuditVerb.SUBMITTED,
        AuditVerb.SHARED,
        AuditVerb.SHARE_REVOKED,
        AuditVerb.TRANSITION,
    }
)
DATE_MESSAGE = "Enter a date (2026-03-31) or a date and time (2026-03-31T14:30:00Z)"
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


def _require(viewer: Any, capability: Capability = Capability.READ_AUDIT_TRAIL) -> None:
    if not can(viewer, capability):
        raise PermissionDenied("Only auditors can read the audit trail.")


# --- What to look for --------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFilters:
    """A search of the trail. ``until`` is inclusive; ``referral_ids`` (from a person's names) is
    None when the search names no person, and empty when the names matched nobody."""

    actor: str = ""
    reference: str = ""
    verb: str = ""
    agency_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    break_glass: bool | None = None
    referral_ids: tuple[int, ...] | None = None

    def as_details(self) -> dict[str, Any]:
        """What the search asked, for its own audit event: ids, never a person's names."""
        asked = {
            "actor": self.actor,
            "reference": self.reference,
            "verb": self.verb,
            "agency": self.agency_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "break_glass": self.break_glass,
            "person_referrals": list(self.referral_ids) if self.referral_ids is not None else None,
        }
        return {key: value for key, value in asked.items() if value not in (None, "")}


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _moment(text: str, *, end: bool) -> dt.datetime:
    """An ISO date (the whole day counts) or date and time; naive times are local."""
    try:
        day = parse_date(text)
        if day is not None:
            return end_of_day(day) if end else start_of_day(day)
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(text)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _flag(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


def parse_filters(params: Mapping[str, str]) -> TrailFilters:
    """The API's query string as a search; every bad value is a field error (400), all at once."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    actor = (params.get("actor") or "").strip()
    if len(actor) > 150:
        errors["actor"] = ["A username is 150 characters or fewer"]
    values["actor"] = actor
    if reference := (params.get("reference") or "").strip():
        try:
            values["reference"] = records.normalise_reference(reference)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    verb = (params.get("verb") or "").strip()
    if verb and verb not in AuditVerb.values:
        errors["verb"] = [f"Choose one of: {', '.join(AuditVerb.values)}"]
    values["verb"] = verb
    for name in ("since", "until"):
        if text := (params.get(name) or "").strip():
            try:
                values[name] = _moment(text, end=name == "until")
            except ValueError:
                errors[name] = [DATE_MESSAGE]
    if text := (params.get("break_glass") or "").strip():
        try:
            values["break_glass"] = _flag(text)
        except ValueError:
            errors["break_glass"] = ["Use true or false"]
    if values.get("since") and values.get("until") and values["until"] < values["since"]:
        errors["until"] = ["The end of the period must be the same as or after its start"]
    if errors:
        raise ValidationError(errors)
    return TrailFilters(**values)


def check_filters(filters: TrailFilters) -> TrailFilters:
    """A page's search, checked the way the API's is (the reference's form, the period's order)."""
    errors: dict[str, list[str]] = {}
    reference = filters.reference
    if reference:
        try:
            reference = records.normalise_reference(reference)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if filters.since and filters.until and filters.until < filters.since:
        errors["until"] = ["The end of the period must be the same as or after its start"]
    if errors:
        raise ValidationError(errors)
    return replace(filters, reference=reference)


# --- The trail -----------------------------------------------------------------------------------


def _trail(filters: TrailFilters, about: Q | None = None) -> QuerySet[AuditEvent]:
    """The events a search asks for (and ``about`` a record, when given), newest first, each with the
    reference of its record."""
    events = AuditEvent.objects.filter(seq__isnull=False)
    if filters.actor:
        events = events.filter(actor_username=filters.actor)
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.agency_id is not None:
        events = events.filter(agency_id=filters.agency_id)
    if filters.since:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until:
        events = events.filter(occurred_at__lte=filters.until)
    if filters.break_glass is not None:
        events = events.filter(break_glass=filters.break_glass)
    if filters.reference:
        events = events.filter(records.about_reference(filters.reference))
    if filters.referral_ids is not None:
        events = events.filter(records.about_referrals(records.referral_ids_in(filters.referral_ids)))
    if about is not None:
        events = events.filter(about)
    return events.annotate(sort_key=F("seq"), reference=records.reference_expression()).order_by("-seq")


def _page(events: QuerySet[AuditEvent], cursor: str | None, page_size: Any) -> Page[AuditEvent]:
    rows, next_cursor, previous_cursor = keyset_page(events, cursor=cursor, size=page_size_of(page_size))
    return Page(results=rows, next_cursor=next_cursor, previous_cursor=previous_cursor)


def _shown(rows: list[AuditEvent]) -> dict[str, Any]:
    return {"shown": len(rows), "seqs": [rows[0].seq, rows[-1].seq] if rows else []}


def search_trail(
    *, viewer: User, filters: TrailFilters, cursor: str | None = None, page_size: Any = None
) -> Page[AuditEvent]:
    """One page of the trail, newest first (keyset on ``seq``, no count); the search is audited."""
    _require(viewer)
    page = _page(_trail(filters), cursor, page_size)
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=TRAIL_LABEL,
        details={"search": filters.as_details(), **_shown(page.results)},
    )
    return page


@dataclass
class TrailExport:
    rows: list[AuditEvent]
    truncated: bool


def export_trail(*, viewer: User, filters: TrailFilters) -> TrailExport:
    """Up to ``EXPORT_LIMIT`` events of a search, newest first; the export is audited."""
    _require(viewer, Capability.EXPORT_AUDIT_TRAIL)
    rows = list(_trail(filters)[: EXPORT_LIMIT + 1])
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        object_type=TRAIL_LABEL,
        details={"search": filters.as_details(), "truncated": truncated, **_shown(rows)},
    )
    return TrailExport(rows=rows, truncated=truncated)


# --- People and records an auditor looks up ------------------------------------------------------


@dataclass(frozen=True)
class RecordMatch:
    """A referral an auditor found, by its references only."""

    referral_id: int
    reference: str
    case_reference: str


def _match(row: Mapping[str, Any]) -> RecordMatch:
    return RecordMatch(row["pk"], row["reference"] or "", row["case__reference"] or "")


def records_of_person(*, viewer: User, given_name: str, family_name: str) -> list[RecordMatch]:
    """The referrals of people with these names (most recent first), by reference only.

    Not audited on its own: the search that uses them records their ids.
    """
    _require(viewer)
    given_name, family_name = given_name.strip(), family_name.strip()
    if not (given_name or family_name):
        return []
    rows = (
        records.referral_ids_for_person(given_name=given_name, family_name=family_name)
        .order_by("-pk")
        .values("pk", "reference", "case__reference")[:PERSON_MATCH_LIMIT]
    )
    return [_match(row) for row in rows]


def _normalised_or_not_found(reference: str) -> str:
    try:
        return records.normalise_reference(reference)
    except ValidationError as exc:
        raise NotFound("Not found.") from exc


def referral_named(reference: str) -> QuerySet[Referral]:
    """The referral a reference (REF-… or CASE-…) names: one or none (none for a tension report's
    TEN-…, which names no person); 404 for text that is not a reference."""
    return Referral.objects.filter(pk__in=records.referral_ids_for_reference(_normalised_or_not_found(reference)))


def read_record(named: QuerySet[Referral], **annotations: Any) -> tuple[RecordMatch, Mapping[str, Any]]:
    """The referral of ``referral_named`` by its references, and ``annotations`` read in the same
    query; 404 when it names nothing."""
    row = named.values("pk", "reference", "case__reference").annotate(**annotations).first()
    if row is None:
        raise NotFound("Not found.")
    return _match(row), row


def find_record(reference: str) -> RecordMatch:
    """The referral a reference (REF-… or CASE-…) names; 404 for one that names nothing or is not one
    (a tension report's TEN-… names no person)."""
    return read_record(referral_named(reference))[0]


@dataclass
class PersonAccess:
    """One person's dealings with a record: how often they read or changed it, and when."""

    username: str
    agency: str
    reads: int
    changes: int
    break_glass: int
    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True)
class AccessedRecord:
    """The record an access report is about: its root (a referral or a tension report), its id and
    references (a referral's case reference once it is a case)."""

    root: records.RecordRoot
    pk: int
    reference: str
    case_reference: str = ""

    @property
    def is_tension_report(self) -> bool:
        return self.root is records.TENSION_REPORT

    def audit_details(self) -> dict[str, int]:
        return {self.root.name: self.pk}


def find_accessed_record(reference: str) -> AccessedRecord:
    """The referral (or case) or tension report a reference names; 404 for one that names nothing."""
    normalised = _normalised_or_not_found(reference)
    root = records.root_of(normalised)
    if root is records.REFERRAL:
        match = find_record(normalised)
        return AccessedRecord(root, match.referral_id, match.reference, match.case_reference)
    row = root.model._default_manager.filter(reference=normalised).values("pk", "reference").first()
    if row is None:
        raise NotFound("Not found.")
    return AccessedRecord(root, row["pk"], row["reference"])


@dataclass
class RecordAccess:
    record: AccessedRecord
    people: list[PersonAccess]
    page: Page[AuditEvent]


def _people(events: QuerySet[AuditEvent]) -> list[PersonAccess]:
    rows = (
        events.values("actor_username", "agency_name")
        .annotate(
            reads=Count("pk", filter=Q(verb__in=READ_VERBS)),
            changes=Count("pk", filter=Q(verb__in=CHANGE_VERBS)),
            glass=Count("pk", filter=Q(break_glass=True) | Q(verb=AuditVerb.BREAK_GLASS)),
            first=Min("occurred_at"),
            last=Max("occurred_at"),
        )
        .order_by("-last", "actor_username")[:PEOPLE_LIMIT]
    )
    return [
        PersonAccess(
            username=row["actor_username"],
            agency=row["agency_name"],
            reads=row["reads"],
            changes=row["changes"],
            break_glass=row["glass"],
            first=row["first"],
            last=row["last"],
        )
        for row in rows
    ]


def record_access_report(
    *, viewer: User, reference: str, cursor: str | None = None, page_size: Any = None
) -> RecordAccess:
    """Who read or changed anything about one record (the referral, its case and their parts; or a
    tension report, its events and response actions), and when: a line per person and the events
    themselves. 404 for a reference that names nothing."""
    _require(viewer)
    record = find_accessed_record(reference)
    about = records.about(record.root, record.root.model._default_manager.filter(pk=record.pk).values("pk"))
    people = _people(AuditEvent.objects.filter(about))
    page = _page(_trail(TrailFilters(), about), cursor, page_size)
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=TRAIL_LABEL,
        details={"report": "record_access", **record.audit_details(), **_shown(page.results)},
    )
    return RecordAccess(record=record, people=people, page=page)


@dataclass
class VerbCount:
    verb: str
    count: int
    last: dt.datetime


@dataclass
class RecordTouched:
    object_type: str
    object_id: str
    reference: str
    count: int
    last: dt.datetime


@dataclass
class UserActivity:
    username: str
    user: User | None
    by_verb: list[VerbCount] = field(default_factory=list)
    records: list[RecordTouched] = field(default_factory=list)
    page: Page[AuditEvent] | None = None


def _records_touched(events: QuerySet[AuditEvent]) -> list[RecordTouched]:
    """The records most recently touched, grouped first; then one event of each group names its
    reference (resolving references before grouping would run the subqueries for every event)."""
    groups = list(
        events.exclude(object_id="")
        .values("object_type", "object_id")
        .annotate(count=Count("pk"), last=Max("occurred_at"), sample=Max("pk"))
        .order_by("-last")[:RECORDS_TOUCHED_LIMIT]
    )
    references = dict(
        AuditEvent.objects.filter(pk__in=[group["sample"] for group in groups])
        .annotate(reference=records.reference_expression())
        .values_list("pk", "reference")
    )
    return [
        RecordTouched(
            object_type=group["object_type"],
            object_id=group["object_id"],
            reference=references.get(group["sample"], ""),
            count=group["count"],
            last=group["last"],
        )
        for group in groups
    ]


def user_activity_report(
    *, viewer: User, username: str, cursor: str | None = None, page_size: Any = None
) -> UserActivity:
    """What one user did (as the trail names them, failed sign-ins included): counts by verb, the
    records they touched most recently, and the events themselves."""
    _require(viewer)
    username = username.strip()
    user = User.objects.select_related("agency").filter(username=username).first()
    events = AuditEvent.objects.filter(actor_username=username)
    by_verb = [
        VerbCount(verb=row["verb"], count=row["count"], last=row["last"])
        for row in events.values("verb").annotate(count=Count("pk"), last=Max("occurred_at")).order_by("-count")
    ]
    touched = _records_touched(events)
    page = _page(_trail(TrailFilters(actor=username)), cursor, page_size)
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=TRAIL_LABEL,
        details={"report": "user_activity", "username": username, **_shown(page.results)},
    )
    return UserActivity(username=username, user=user, by_verb=by_verb, records=touched, page=page)


def trail_integrity(*, viewer: User) -> chain.Standing:
    """The newest signed checkpoint and verification run, and what waits for the sealer (auditors only)."""
    _require(viewer)
    return chain.standing()
