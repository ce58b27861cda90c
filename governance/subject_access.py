"""Subject access: every record held about one person, and the log of who accessed them.

A person is reached through one of their records (``REF-…`` or ``CASE-…``): each referral holds
its own copy of the person, so the bundle covers that referral, its case and everything under
them, across referrals, cases and panels. Each item says which agency it came from and its
classification, so information governance can consult the originating controller before release.
``SECTIONS`` declares, once, every kind of record with a foreign-key path to the person; a test
walks the models and fails when one is neither a section nor in ``NOT_ABOUT_THE_PERSON``.

Producing a bundle is a disclosure: it needs the auditor role and the highest clearance level
(a bundle must be complete), and it is audited as an export of the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Model, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from cases.models import Case, CaseTransition, Contribution, EntryDocument, InformationRequest
from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from governance import records
from governance.permissions import Capability, require
from governance.selectors import RecordMatch, find_record
from panels.models import (
    Action,
    Addendum,
    AgendaItem,
    Assessment,
    AssessmentRating,
    ConsentRecord,
    Declaration,
    Discussion,
    Intervention,
    PostExitReview,
    SupportPlan,
)
from partnership.models import Agency, ClearanceLevel, User
from referrals.models import Attachment, ChronologyEntry, Person, PersonIdentifier, PossibleMatch, Referral

# Internal columns that say nothing about the person: matching keys, ordering and storage paths.
INTERNAL_FIELDS = frozenset({"change_seq", "name_key", "phonetic_key", "postcode_key", "file", "version"})


@dataclass(frozen=True)
class Section:
    """One kind of record in the bundle: how to find a referral's rows (``referral`` paths, any of
    them), which agency each comes from and the classification it carries (lookups from the row)."""

    label: str
    model: type[Model]
    referral: tuple[str, ...]
    agency: str
    classification: str


_CASE = "case__referral__classification"
SECTIONS: tuple[Section, ...] = (
    Section("Person referred", Person, ("referral",), "referral__owning_agency", "referral__classification"),
    Section(
        "Identifier",
        PersonIdentifier,
        ("person__referral",),
        "person__referral__owning_agency",
        "person__referral__classification",
    ),
    Section("Referral", Referral, ("pk",), "owning_agency", "classification"),
    Section("Referral attachment", Attachment, ("referral",), "owning_agency", "classification"),
    Section(
        "Possible duplicate",
        PossibleMatch,
        ("referral", "matched"),
        "referral__owning_agency",
        "referral__classification",
    ),
    Section("Chronology entry", ChronologyEntry, ("referral",), "owning_agency", "classification"),
    Section("Case", Case, ("referral",), "owner__agency", "referral__classification"),
    Section("Case transition", CaseTransition, ("case__referral",), "actor__agency", _CASE),
    Section(
        "Information request", InformationRequest, ("referral",), "requested_by__agency", "referral__classification"
    ),
    Section("Contribution", Contribution, ("entry__referral",), "entry__owning_agency", "entry__classification"),
    Section(
        "Contribution document",
        EntryDocument,
        ("entry__referral",),
        "entry__owning_agency",
        "entry__classification",
    ),
    Section("Panel agenda item", AgendaItem, ("case__referral",), "added_by__agency", _CASE),
    Section("Declaration of interest", Declaration, ("case__referral",), "user__agency", _CASE),
    Section("Panel minutes: discussion and decision", Discussion, ("referral",), "owning_agency", "classification"),
    Section("Panel minutes: addendum", Addendum, ("case__referral",), "author__agency", _CASE),
    Section("Action", Action, ("case__referral",), "created_by__agency", _CASE),
    Section("Vulnerability assessment", Assessment, ("referral",), "owning_agency", "classification"),
    Section(
        "Assessment rating",
        AssessmentRating,
        ("assessment__referral",),
        "assessment__owning_agency",
        "assessment__classification",
    ),
    Section("Consent record", ConsentRecord, ("case__referral",), "recorded_by__agency", _CASE),
    Section("Support plan", SupportPlan, ("case__referral",), "case__owner__agency", _CASE),
    Section(
        "Intervention", Intervention, ("plan__case__referral",), "provider", "plan__case__referral__classification"
    ),
    Section("Post-exit review", PostExitReview, ("case__referral",), "case__owner__agency", _CASE),
)

# Models with a foreign-key path to the person that hold nothing about them, and why.
NOT_ABOUT_THE_PERSON = {
    "referrals.ReferralAgencyGrant": "Which agencies may read the referral (access control); the access log says who did.",
    "panels.Invitation": "A guest's invitation to the case's agenda item (who may attend it, access control); the access log says who read the case.",
    "governance.LegalHold": "Information governance's stop on disposal, for legal proceedings; placing and lifting it are in the access log.",
}


def covered_models() -> set[str]:
    return {section.model._meta.label for section in SECTIONS}


@dataclass
class Item:
    kind: str
    model: str
    id: Any
    originating_agency: str
    classification: dict[str, Any]
    fields: dict[str, Any]


@dataclass
class AccessLine:
    seq: int | None
    occurred_at: dt.datetime
    actor: str
    agency: str
    action: str
    record_type: str
    object_id: str
    reference: str
    reason: str
    break_glass: bool


@dataclass(frozen=True)
class Document:
    """An uploaded document among the items (an attachment, a contribution's document): its file."""

    model: str
    id: Any
    original_name: str
    file: FieldFile


@dataclass
class Bundle:
    reference: str
    case_reference: str
    produced_at: dt.datetime
    produced_by: str
    items: list[Item] = field(default_factory=list)
    access_log: list[AccessLine] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts = {section.label: 0 for section in SECTIONS}
        for item in self.items:
            counts[item.kind] += 1
        return counts


# --- Finding the person ---------------------------------------------------------------------------


def _rows_of(section: Section, referral_id: int) -> Any:
    condition = Q()
    for path in section.referral:
        condition |= Q(**{path: referral_id})
    return section.model._default_manager.filter(condition)


def _possible_matches(referral_id: int) -> list[str]:
    """The references of referrals linked to this one as possible duplicates (each its own copy)."""
    links = PossibleMatch.objects.filter(Q(referral_id=referral_id) | Q(matched_id=referral_id))
    ids = {pk for pair in links.values_list("referral_id", "matched_id") for pk in pair} - {referral_id}
    found = Referral.objects.filter(pk__in=ids).values_list("case__reference", "reference")
    return sorted(case or ref or "" for case, ref in found)


@dataclass
class Summary:
    subject: RecordMatch
    counts: dict[str, int]
    access_events: int
    possible_matches: list[str]


def _about(referral_id: int) -> Any:
    return AuditEvent.objects.filter(records.about_referrals(records.referral_ids_in([referral_id])))


def subject_access_summary(*, viewer: User, reference: str) -> Summary:
    """How much is held about the person of one record, kind by kind (no content); the look is audited."""
    require(viewer, Capability.PRODUCE_SUBJECT_ACCESS)
    subject = find_record(reference)
    counts = {s.label: _rows_of(s, subject.referral_id).count() for s in SECTIONS}
    summary = Summary(subject, counts, _about(subject.referral_id).count(), _possible_matches(subject.referral_id))
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type="referrals.referral",
        object_id=subject.referral_id,
        details={"report": "subject_access_summary", "items": sum(counts.values())},
    )
    return summary


# --- The bundle ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class _Names:
    users: dict[int, str]
    agencies: dict[int, str]
    levels: dict[int, str]


def _names(rows: Iterable[Model]) -> _Names:
    """Usernames and agency names for every person and agency the rows point at (two queries)."""
    users: set[int] = set()
    agencies: set[int] = set()
    for row in rows:
        agencies.add(getattr(row, "origin_agency", None) or 0)
        for f in row._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if target is User:
                users.add(getattr(row, f.attname) or 0)
            elif target is Agency:
                agencies.add(getattr(row, f.attname) or 0)
    return _Names(
        users=dict(User.objects.filter(pk__in=users).values_list("pk", "username")),
        agencies=dict(Agency.objects.filter(pk__in=agencies).values_list("pk", "name")),
        levels=dict(ClearanceLevel.objects.values_list("rank", "name")),
    )


def _field_value(row: Model, f: Any, names: _Names) -> Any:
    value = getattr(row, f.attname)
    if f.is_relation:
        if f.related_model is User:
            return names.users.get(value, "") if value else None
        if f.related_model is Agency:
            return names.agencies.get(value, "") if value else None
        return value
    if f.choices and value not in (None, ""):
        return str(getattr(row, f"get_{f.name}_display")())
    return _plain(value)


def _item(section: Section, row: Model, names: _Names) -> Item:
    rank = int(getattr(row, "origin_classification", 0) or 0)
    fields = {
        f.name: _field_value(row, f, names)
        for f in row._meta.concrete_fields
        if f.name not in INTERNAL_FIELDS and not f.primary_key
    }
    return Item(
        kind=section.label,
        model=row._meta.label_lower,
        id=row.pk,
        originating_agency=names.agencies.get(getattr(row, "origin_agency", None) or 0, ""),
        classification={"rank": rank, "name": names.levels.get(rank, "")},
        fields=fields,
    )


def _access_log(referral_id: int) -> list[AccessLine]:
    events = _about(referral_id).annotate(reference=records.reference_expression()).order_by("pk")
    return [
        AccessLine(
            seq=event.seq,
            occurred_at=event.occurred_at,
            actor=event.actor_username,
            agency=event.agency_name,
            action=records.verb_label(event.verb),
            record_type=records.object_type_label(event.object_type),
            object_id=event.object_id,
            reference=getattr(event, "reference", "") or "",
            reason=event.reason,
            break_glass=event.break_glass,
        )
        for event in events.iterator()
    ]


def _document(row: Any) -> Document:
    return Document(model=row._meta.label_lower, id=row.pk, original_name=row.original_name, file=row.file)


def produce_subject_access(*, viewer: User, reference: str, output: str) -> Bundle:
    """Everything held about the person of one record, each item with its originating agency and
        classification, and who accessed it, and the uploaded documents among them. Audited as an export of
    the referral (``output``: json, pdf or zip)."""
    require(viewer, Capability.PRODUCE_SUBJECT_ACCESS)
    subject = find_record(reference)
    found: list[tuple[Section, Model]] = []
    for section in SECTIONS:
        rows = _rows_of(section, subject.referral_id).annotate(
            origin_agency=F(section.agency), origin_classification=F(section.classification)
        )
        found.extend((section, row) for row in rows.order_by("pk"))
    names = _names(row for _, row in found)
    bundle = Bundle(
        reference=subject.reference,
        case_reference=subject.case_reference,
        produced_at=timezone.now(),
        produced_by=viewer.username,
        items=[_item(section, row, names) for section, row in found],
        access_log=_access_log(subject.referral_id),
        documents=[_document(row) for _, row in found if isinstance(getattr(row, "file", None), FieldFile)],
    )
    record_event(
        actor=viewer,
        verb=AuditVerb.EXPORTED,
        object_type="referrals.referral",
        object_id=subject.referral_id,
        reason="Subject access request",
        details={
            "subject_access": output,
            "items": {kind: n for kind, n in bundle.counts().items() if n},
            "access_events": len(bundle.access_log),
        },
    )
    return bundle
