"""Which audit events are about which record, worked out in SQL.

An event names its record by ``(object_type, object_id)``. A referral and its case share one
primary key (``Case.referral`` is the case's key); older events call a case ``referrals.case``,
newer ones ``cases.case``. The record's children (chronology entries, information requests,
attachments, contribution documents and the panel's records about the case) carry their own ids,
so "every event about REF-2026-000123" is found by resolving those children's ids in the same
query, never in Python. The human reference an event is about is resolved the same way: one
subquery per kind of record, evaluated only for the rows of the page.

An auditor names a record by its reference, and a reference names a *root*: a referral (with its
case, REF-… or CASE-…) or a tension report (TEN-…). Each kind of record resolves to one root, so a
tension report's events, response plans and actions are found through the report's id, never
bent into a referral's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    F,
    Func,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import Cast, Coalesce

from cases.models import Case, EntryDocument, InformationRequest
from core.errors import ValidationError
from core.models import AuditVerb
from intelligence.models import ResponseAction, TensionEvent, TensionReport
from panels.models import (
    Action,
    Addendum,
    Assessment,
    ConsentRecord,
    Discussion,
    Intervention,
    PostExitReview,
    SupportPlan,
)
from referrals.models import Attachment, ChronologyEntry, Referral

REFERRAL_TYPES = ("referrals.referral",)
CASE_TYPES = ("cases.case", "referrals.case")
TENSION_REPORT_TYPES = ("intelligence.tensionreport",)
REFERENCE_FORMAT = re.compile(r"^(REF|CASE|TEN)-\d{4}-\d{1,10}$")
REFERENCE_MESSAGE = "Enter a reference like REF-2026-000123, CASE-2026-000045 or TEN-2026-000012"
# An object id the subqueries may cast to bigint (lists and reports write no id, or another kind).
_NUMERIC_ID = Q(object_id__regex=r"^[0-9]{1,18}$")


@dataclass(frozen=True)
class RecordRoot:
    """A record an auditor names by its reference, with everything inside it: a referral (and its
    case, which shares its id) or a tension report. ``prefixes`` are its references' first parts."""

    name: str
    model: type[Model]
    prefixes: tuple[str, ...]


REFERRAL = RecordRoot("referral", Referral, ("REF", "CASE"))
TENSION_REPORT = RecordRoot("tension_report", TensionReport, ("TEN",))
ROOTS = (REFERRAL, TENSION_REPORT)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record an event can be about: its ``object_type`` labels, its model, the root it
    belongs to and the path from it to the root's id, and the reference an auditor knows it by."""

    object_types: tuple[str, ...]
    model: type[Model]
    root_id_path: str
    reference: Any
    root: RecordRoot = REFERRAL


_CASE_OR_REFERRAL = Coalesce(F("referral__case__reference"), F("referral__reference"))

RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(REFERRAL_TYPES, Referral, "pk", F("reference")),
    RecordKind(CASE_TYPES, Case, "pk", F("reference")),
    RecordKind(("referrals.attachment",), Attachment, "referral_id", F("referral__reference")),
    RecordKind(("referrals.chronologyentry",), ChronologyEntry, "referral_id", _CASE_OR_REFERRAL),
    RecordKind(
        ("cases.entrydocument",),
        EntryDocument,
        "entry__referral_id",
        Coalesce(F("entry__referral__case__reference"), F("entry__referral__reference")),
    ),
    RecordKind(("cases.informationrequest",), InformationRequest, "referral_id", _CASE_OR_REFERRAL),
    RecordKind(("panels.discussion",), Discussion, "referral_id", _CASE_OR_REFERRAL),
    RecordKind(("panels.addendum",), Addendum, "case_id", F("case__reference")),
    RecordKind(("panels.action",), Action, "case_id", F("case__reference")),
    RecordKind(("panels.assessment",), Assessment, "case_id", F("case__reference")),
    RecordKind(("panels.consentrecord",), ConsentRecord, "case_id", F("case__reference")),
    RecordKind(("panels.intervention",), Intervention, "plan__case_id", F("plan__case__reference")),
    RecordKind(("panels.postexitreview",), PostExitReview, "case_id", F("case__reference")),
    RecordKind(("panels.supportplan",), SupportPlan, "case_id", F("case__reference")),
    RecordKind(TENSION_REPORT_TYPES, TensionReport, "pk", F("reference"), TENSION_REPORT),
    RecordKind(("intelligence.tensionevent",), TensionEvent, "report_id", F("report__reference"), TENSION_REPORT),
    RecordKind(
        ("intelligence.responseaction",),
        ResponseAction,
        "event__report_id",
        F("event__report__reference"),
        TENSION_REPORT,
    ),
)

OBJECT_TYPE_LABELS = {
    "referrals.referral": "Referral",
    "referrals.case": "Case",
    "cases.case": "Case",
    "referrals.attachment": "Referral attachment",
    "referrals.chronologyentry": "Chronology entry",
    "referrals.person": "Person referred",
    "cases.entrydocument": "Contribution document",
    "cases.informationrequest": "Information request",
    "panels.meeting": "Panel meeting",
    "panels.discussion": "Panel discussion",
    "panels.addendum": "Minutes addendum",
    "panels.action": "Action",
    "panels.assessment": "Vulnerability assessment",
    "panels.consentrecord": "Consent record",
    "panels.intervention": "Intervention",
    "panels.postexitreview": "Post-exit review",
    "panels.supportplan": "Support plan",
    "partnership.user": "User",
    "partnership.agency": "Agency",
    "partnership.panel": "Panel",
    "partnership.clearancelevel": "Clearance level",
    "intelligence.tensionreport": "Tension report",
    "intelligence.tensionevent": "Tension event and response plan",
    "intelligence.responseaction": "Response action",
    "intelligence.tension_trends": "Tension trends",
    "intelligence.selfassessment": "Self-assessment",
    "intelligence.dimensionscore": "Self-assessment score",
    "intelligence.assessmentaction": "Self-assessment action",
    "intelligence.assessmentdimension": "Self-assessment framework",
    "core.auditevent": "Audit trail",
    "report.outcomes": "Outcomes report",
    "report.statistics": "Partnership statistics",
}


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPE_LABELS.get(object_type, object_type)


def verb_label(verb: str) -> str:
    """ "Viewed a record" for ``record_viewed``; a verb no longer in the vocabulary as it was written."""
    return str(AuditVerb(verb).label) if verb in AuditVerb.values else verb


class ObjectIdIn(Func):
    """``object_id = ANY(ARRAY(SELECT ...))``: the subquery runs once and its ids drive the index on
    ``(object_type, object_id)``, where ``IN (SELECT ...)`` inside an OR would filter row by row."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    arity = 2
    output_field = BooleanField()

    def __init__(self, records: QuerySet[Any]) -> None:
        ids = ArraySubquery(records.order_by().values(id_text=Cast("pk", TextField())))
        super().__init__(F("object_id"), ids)


def about(root: RecordRoot, root_ids: QuerySet[Any]) -> Q:
    """Events about these records of one root (a ``values("pk")`` queryset) and everything inside them."""
    condition = Q(pk__in=[])
    for kind in RECORD_KINDS:
        if kind.root is root:
            children = kind.model._default_manager.filter(**{f"{kind.root_id_path}__in": root_ids})
            condition |= Q(ObjectIdIn(children), object_type__in=kind.object_types)
    return condition


def about_referrals(referral_ids: QuerySet[Any]) -> Q:
    """Events about these referrals (a ``values("pk")`` queryset), their cases and their children."""
    return about(REFERRAL, referral_ids)


def reference_expression() -> Coalesce:
    """The reference of the record each event is about ("" when it is about no record)."""
    object_pk = Cast(OuterRef("object_id"), output_field=BigIntegerField())
    whens = [
        When(
            _NUMERIC_ID & Q(object_type__in=kind.object_types),
            then=Subquery(
                kind.model._default_manager.filter(pk=object_pk).order_by().values(found=kind.reference)[:1],
                output_field=CharField(),
            ),
        )
        for kind in RECORD_KINDS
    ]
    return Coalesce(CaseWhen(*whens, default=Value(""), output_field=CharField()), Value(""))


def normalise_reference(text: str, *, field: str = "reference") -> str:
    """``REF-2026-000123``, ``CASE-2026-000045`` or ``TEN-2026-000012`` in capitals; anything else is
    a field error."""
    reference = text.strip().upper()
    if not REFERENCE_FORMAT.match(reference):
        raise ValidationError({field: [REFERENCE_MESSAGE]})
    return reference


def root_of(reference: str) -> RecordRoot:
    """The kind of record a (normalised) reference names, by its prefix."""
    prefix = reference.split("-", 1)[0]
    return next(root for root in ROOTS if prefix in root.prefixes)


def referral_ids_for_reference(reference: str) -> QuerySet[Any]:
    """The referral a (normalised) reference names, as a ``values("pk")`` queryset: one or none
    (none for a reference of another kind of record)."""
    if reference.startswith("CASE-"):
        return Referral.objects.filter(case__reference=reference).values("pk")
    return Referral.objects.filter(reference=reference).values("pk")


def ids_for_reference(reference: str) -> QuerySet[Any]:
    """The record of its root a (normalised) reference names, as a ``values("pk")`` queryset."""
    root = root_of(reference)
    if root is REFERRAL:
        return referral_ids_for_reference(reference)
    return root.model._default_manager.filter(reference=reference).values("pk")


def about_reference(reference: str) -> Q:
    """Events about the record a (normalised) reference names and everything inside it."""
    return about(root_of(reference), ids_for_reference(reference))


def referral_ids_for_person(*, given_name: str, family_name: str) -> QuerySet[Any]:
    """Referrals whose person has these names (each referral holds its own copy of the person)."""
    names = Q()
    if given_name:
        names &= Q(subject__given_name__iexact=given_name)
    if family_name:
        names &= Q(subject__family_name__iexact=family_name)
    return Referral.objects.filter(names)


def referral_ids_in(ids: Sequence[int]) -> QuerySet[Any]:
    return Referral.objects.filter(pk__in=list(ids)).values("pk")
