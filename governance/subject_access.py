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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, F, IntegerField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from cases.models import Case, CaseTransition, Contribution, EntryDocument, InformationRequest
from core.audit import record_event
from core.models import AuditEvent, AuditVerb
from governance import records
from governance.permissions import Capability, require
from governance.selectors import RecordMatch, find_record, read_record, referral_named
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


def _rows_of(section: Section, referral_ids: Any) -> Any:
    """The section's rows of these referrals (ids, or a ``values("pk")`` queryset)."""
    condition = Q()
    for path in section.referral:
        condition |= Q(**{f"{path}__in": referral_ids})
    return section.model._default_manager.filter(condition)


def _count(rows: QuerySet[Any]) -> Subquery:
    """How many rows, as a value of the query that reads it (grouped by nothing: one row)."""
    counted = rows.order_by().annotate(everything=Value(1)).values("everything").annotate(n=Count("pk"))
    return Subquery(counted.values("n"), output_field=IntegerField())


def _possible_match_references(referral_ids: Any) -> QuerySet[Any]:
    """The references of referrals linked to these as possible duplicates (each its own copy)."""
    links = PossibleMatch.objects.filter(Q(referral__in=referral_ids) | Q(matched__in=referral_ids))
    linked = Referral.objects.filter(Q(pk__in=links.values("referral")) | Q(pk__in=links.values("matched")))
    return (
        linked.exclude(pk__in=referral_ids)
        .order_by()
        .values(found=Coalesce(NullIf("case__reference", Value("")), NullIf("reference", Value("")), Value("")))
    )


@dataclass
class Summary:
    subject: RecordMatch
    counts: dict[str, int]
    access_events: int
    possible_matches: list[str]


def _about(referral_ids: Any) -> Any:
    return AuditEvent.objects.filter(records.about_referrals(referral_ids))


def subject_access_summary(*, viewer: User, reference: str) -> Summary:
    """How much is held about the person of one record, kind by kind (no content); the look is audited.
    The referral is read with every count and the duplicates' references, in one query."""
    require(viewer, Capability.PRODUCE_SUBJECT_ACCESS)
    named = referral_named(reference)
    ids = named.values("pk")
    held = {f"held_{n}": _count(_rows_of(section, ids)) for n, section in enumerate(SECTIONS)}
    subject, row = read_record(
        named,
        **held,
        access_events=_count(_about(ids)),
        possible_matches=ArraySubquery(_possible_match_references(ids)),
    )
    counts = {section.label: row[f"held_{n}"] for n, section in enumerate(SECTIONS)}
    summary = Summary(subject, counts, row["access_events"], sorted(row["possible_matches"]))
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


def _named(section: Section) -> dict[str, Any]:
    """The names an item shows, read with its row: its originating agency's, and every person's and
    agency's the row points at (``name_of_<field>``)."""
    names: dict[str, Any] = {"origin_agency_name": F(f"{section.agency}__name")}
    for f in section.model._meta.concrete_fields:
        if f.is_relation and f.related_model is User:
            names[f"name_of_{f.name}"] = F(f"{f.name}__username")
        elif f.is_relation and f.related_model is Agency:
            names[f"name_of_{f.name}"] = F(f"{f.name}__name")
    return names


def _section_rows(section: Section, referral_id: int) -> QuerySet[Any]:
    """A section's rows of one referral, oldest first, with their classification, its level's name
    and the names of ``_named``, in one query."""
    level = ClearanceLevel.objects.filter(rank=OuterRef("origin_classification")).values("name")[:1]
    return (
        _rows_of(section, [referral_id])
        .annotate(origin_classification=F(section.classification), **_named(section))
        .annotate(origin_classification_name=Subquery(level))
        .order_by("pk")
    )


def _field_value(row: Model, f: Any) -> Any:
    value = getattr(row, f.attname)
    if f.is_relation:
        if f.related_model in (User, Agency):
            return (getattr(row, f"name_of_{f.name}") or "") if value else None
        return value
    if f.choices and value not in (None, ""):
        return str(getattr(row, f"get_{f.name}_display")())
    return _plain(value)


def _item(section: Section, row: Any) -> Item:
    fields = {
        f.name: _field_value(row, f)
        for f in row._meta.concrete_fields
        if f.name not in INTERNAL_FIELDS and not f.primary_key
    }
    return Item(
        kind=section.label,
        model=row._meta.label_lower,
        id=row.pk,
        originating_agency=row.origin_agency_name or "",
        classification={"rank": int(row.origin_classification or 0), "name": row.origin_classification_name or ""},
        fields=fields,
    )


def _access_log(referral_id: int) -> list[AccessLine]:
    events = (
        _about(records.referral_ids_in([referral_id])).annotate(reference=records.reference_expression()).order_by("pk")
    )
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
        found.extend((section, row) for row in _section_rows(section, subject.referral_id))
    bundle = Bundle(
        reference=subject.reference,
        case_reference=subject.case_reference,
        produced_at=timezone.now(),
        produced_by=viewer.username,
        items=[_item(section, row) for section, row in found],
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
