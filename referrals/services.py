"""Writes for referrals. One function per use case; each locks the row (``core.locking.locked_row``),
asks the sharing policy, checks the transition table, validates everything, then saves and audits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.audit import record_event
from core.errors import ConflictError, PermissionDenied, ValidationError, check_version
from core.locking import locked_row
from core.models import AuditVerb
from core.services import save_change
from core.working_days import due_at_end_of_working_day
from partnership.models import Agency, ClearanceLevel, PartnershipSettings, User
from referrals import events, matching, permissions, reminders
from referrals.lifecycle import check_transition
from referrals.models import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    REFERENCE_DIGITS,
    Attachment,
    ChronologyEntry,
    EntryType,
    Outcome,
    Person,
    PersonIdentifier,
    PossibleMatch,
    Rag,
    Referral,
    ReferralStatus,
    ScreeningDecision,
    SignpostService,
    StatisticsCategory,
    Urgency,
)
from referrals.national import (
    CONCERN_TYPE_OF_IDEOLOGY,
    IDEOLOGY_OF_CONCERN_TYPE,
    NONE_IDENTIFIED,
    NOT_KNOWN,
    SOURCE_SECTOR_OF_AGENCY_KIND,
    Dimension,
)
from referrals.permissions import Capability
from sharing import policy
from sharing import services as sharing
from sharing.models import Share, ShareBasis

PERSON_FIELDS = (
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
)
# The referral's answers to the intake questions; the intake also sets its classification.
REFERRAL_ANSWER_FIELDS = (
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
)
# Answers on the national statistics lists (rows of StatisticsCategory, referrals.national).
PERSON_NATIONAL_FIELDS = ("gender_category", "ethnicity")
REFERRAL_NATIONAL_FIELDS = ("concern_type", "source_sector")
REFERRAL_FIELDS = (*REFERRAL_ANSWER_FIELDS, *REFERRAL_NATIONAL_FIELDS, "classification", "originator_only")


def _require_referrer(actor: User) -> None:
    if not policy.is_case_worker(actor):
        raise PermissionDenied("Only practitioners in a partner agency can make referrals.")


def validate_classification(actor: User, rank: Any) -> int:
    try:
        value = int(rank)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"classification": ["Choose a classification."]}) from exc
    if not ClearanceLevel.objects.filter(rank=value).exists():
        raise ValidationError({"classification": [f"There is no clearance level with rank {value}."]})
    if value > actor.clearance_rank:
        raise ValidationError({"classification": ["The classification cannot be higher than your own clearance."]})
    return value


def next_reference(year: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO referrals_referralsequence (year, last_number) VALUES (%s, 1)
            ON CONFLICT (year) DO UPDATE SET last_number = referrals_referralsequence.last_number + 1
            RETURNING last_number
            """,
            [year],
        )
        number = cursor.fetchone()[0]
    return f"REF-{year}-{number:0{REFERENCE_DIGITS}d}"


@transaction.atomic
def start_referral(*, actor: User) -> Referral:
    """A new draft, prefilled with the referrer's details. Only its author can see it."""
    _require_referrer(actor)
    person = Person.objects.create()
    referral = Referral.objects.create(
        subject=person,
        owning_agency_id=actor.agency_id,  # type: ignore[misc]  # _require_referrer: has an agency
        source_sector=default_source_sector(actor.agency),
        created_by=actor,
        classification=1,
        referrer_name=actor.get_full_name(),
        referrer_role=actor.job_title,
        referrer_phone=actor.phone,
        referrer_email=actor.email,
    )
    return referral


@transaction.atomic
def update_draft(*, actor: User, referral_id: int, expected_version: int | None, changes: dict[str, Any]) -> Referral:
    """Save part of the journey. A stale version (another tab saved first) is refused."""
    referral = locked_row(Referral, referral_id, "subject")
    permissions.require(actor, Capability.EDIT_DRAFT, referral)
    if expected_version is not None and expected_version != referral.version:
        raise ConflictError("Someone changed this referral since you opened it. Check the answers and try again.")
    person = referral.subject
    person_changed = [f for f in (*PERSON_FIELDS, *PERSON_NATIONAL_FIELDS) if f in changes]
    referral_changed = [f for f in REFERRAL_FIELDS if f in changes]
    for name in person_changed:
        setattr(person, name, changes[name])
    for name in referral_changed:
        setattr(referral, name, changes[name])
    referral_changed += _keep_concern_in_step(referral, changes)
    if "classification" in changes:
        referral.classification = validate_classification(actor, changes["classification"])
    if "identifiers" in changes:
        person.identifiers.all().delete()
        PersonIdentifier.objects.bulk_create(
            PersonIdentifier(person=person, kind=i["kind"], value=i["value"]) for i in changes["identifiers"]
        )
    if person_changed:
        matching.set_keys(person)
        person.full_clean()
        person.save(update_fields=[*person_changed, "name_key", "phonetic_key", "postcode_key", "updated_at"])
    referral.version += 1
    referral.full_clean(exclude=["subject"])
    referral.save(update_fields=[*referral_changed, "version", "updated_at"])
    return referral


def default_source_sector(agency: Agency | None) -> StatisticsCategory | None:
    """The national source sector of a referral from ``agency``, by its kind (the referrer may change it)."""
    code = SOURCE_SECTOR_OF_AGENCY_KIND.get(agency.kind) if agency else None
    return StatisticsCategory.objects.current(Dimension.SOURCE_SECTOR).filter(code=code).first() if code else None


def _keep_concern_in_step(referral: Referral, changes: dict[str, Any]) -> list[str]:
    """``ideology`` (the API's field) and ``concern_type`` (the national list) say the same thing: a change
    of either sets the other by ``referrals.national``'s mapping. The names of the fields it changed."""
    if "concern_type" in changes:
        concern = referral.concern_type
        referral.ideology = IDEOLOGY_OF_CONCERN_TYPE.get(concern.code, "") if concern else ""
        return [] if "ideology" in changes else ["ideology"]
    if "ideology" in changes:
        code = CONCERN_TYPE_OF_IDEOLOGY.get(referral.ideology)
        current = StatisticsCategory.objects.current(Dimension.CONCERN_TYPE)
        referral.concern_type = current.filter(code=code).first() if code else None
        return ["concern_type"]
    return []


def missing_answers(referral: Referral, *, require_structured: bool = True) -> dict[str, list[str]]:
    """What still has to be answered before a referral can be submitted.

    The browser journey asks for the structured answers; the API makes them optional.
    """
    person = referral.subject
    errors: dict[str, list[str]] = {}
    if not person.given_name.strip():
        errors["given_name"] = ["Enter the person's first name"]
    if not person.family_name.strip():
        errors["family_name"] = ["Enter the person's last name"]
    if person.date_of_birth is None and person.approximate_age is None:
        errors["date_of_birth"] = ["Enter the person's date of birth or an approximate age"]
    if person.date_of_birth and person.date_of_birth > date.today():  # noqa: DTZ011 - a calendar date
        errors["date_of_birth"] = ["Date of birth must be in the past"]
    if not referral.concerns.strip():
        errors["concerns"] = ["Describe your concerns"]
    if require_structured:
        if referral.concern_type_id is None:
            errors["concern_type"] = ["Select the type of concern"]
        if not referral.urgency:
            errors["urgency"] = ["Select how urgent this is"]
    return errors


def screening_working_days(urgency: str) -> int:
    """The partnership's screening clock for an urgency, in working days (no urgency given: routine)."""
    row = PartnershipSettings.current()
    clocks: dict[str, int] = {
        Urgency.URGENT: row.urgent_screening_working_days,
        Urgency.PRIORITY: row.priority_screening_working_days,
    }
    return clocks.get(urgency, row.screening_working_days)


@transaction.atomic
def submit_referral(*, actor: User, referral_id: int, require_structured: bool = True) -> Referral:
    """Submit a draft: give it a reference, grant the referring and screening agencies, find likely duplicates."""
    referral = locked_row(Referral, referral_id, "subject")
    policy.require(actor, policy.Action.VIEW, referral)
    check_transition(referral, ReferralStatus.SUBMITTED)
    permissions.require(actor, Capability.SUBMIT, referral)
    errors = missing_answers(referral, require_structured=require_structured)
    if errors:
        raise ValidationError(errors)
    validate_classification(actor, referral.classification)
    now = timezone.now()
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = now
    referral.reference = next_reference(timezone.localdate(now).year)
    referral.screening_due_at = due_at_end_of_working_day(now, screening_working_days(referral.urgency))
    referral.change_seq = sharing.next_change_seq()
    referral.version += 1
    referral.save(
        update_fields=["status", "submitted_at", "reference", "screening_due_at", "change_seq", "version", "updated_at"]
    )
    add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.REFERRAL,
        title=f"Referral {referral.reference}",
        body=referral.concerns,
        classification=referral.classification,
        originator_only=referral.originator_only,
        significant=True,
    )

    owner = Agency.objects.get(pk=referral.owning_agency_id)
    sharing.grant_by_event(record=referral, agency=owner, basis=ShareBasis.REFERRING_AGENCY, actor=actor)
    for agency in Agency.objects.filter(screens_referrals=True, is_active=True).exclude(pk=owner.pk):
        sharing.grant_by_event(record=referral, agency=agency, basis=ShareBasis.SCREENING_AGENCY, actor=actor)

    found = matching.find_matches(referral.subject, exclude_referral_id=referral.pk)
    PossibleMatch.objects.bulk_create(
        [PossibleMatch(referral=referral, matched=m.referral, reasons=m.reasons) for m in found],
        ignore_conflicts=True,
    )
    reminders.sync_referral(referral)
    events.referral_submitted(referral, actor=actor)
    record_event(actor=actor, verb=AuditVerb.SUBMITTED, obj=referral, details={"reference": referral.reference})
    return referral


@transaction.atomic
def create_referral(
    *, actor: User, subject: dict[str, Any], concerns: str, classification: int, **optional: Any
) -> Referral:
    """Create and submit in one go (the API). Either everything is written or nothing."""
    _require_referrer(actor)
    rank = validate_classification(actor, classification)
    draft = start_referral(actor=actor)
    changes = {**subject, "concerns": concerns, "classification": rank, **optional}
    update_draft(actor=actor, referral_id=draft.pk, expected_version=None, changes=changes)
    return submit_referral(actor=actor, referral_id=draft.pk, require_structured=False)


def check_upload(upload: UploadedFile[bytes]) -> str:
    import filetype

    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": ["The selected file is empty"]})
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {"file": [f"The selected file must be smaller than {MAX_ATTACHMENT_BYTES // (1024 * 1024)}MB"]}
        )
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ("text/plain" if (upload.name or "").lower().endswith(".txt") else "")
    if mime == "application/zip" and (upload.name or "").lower().endswith(".docx"):
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if mime not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": ["The selected file must be a PDF, Word document, PNG, JPG or text file"]})
    return mime


_UNSAFE_NAME_CHARACTERS = re.compile(r"[^\w .()\-]+")
_MAX_STEM_LENGTH = 200


def stored_document_name(uploaded_name: str | None, mime: str) -> str:
    """The name a document is listed and downloaded under: the uploader's stem, sanitised (no folders,
    control or punctuation characters that browsers or shells read), with the extension of the type its
    bytes were sniffed as (``check_upload``), never the uploader's: ``evil.html`` holding a PDF is ``evil.pdf``."""
    name = unicodedata.normalize("NFKC", uploaded_name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = " ".join(_UNSAFE_NAME_CHARACTERS.sub("_", stem).split()).strip(" ._-")[:_MAX_STEM_LENGTH].rstrip(" .")
    return f"{stem or 'document'}{ALLOWED_ATTACHMENT_TYPES[mime]}"


@transaction.atomic
def add_attachment(
    *, actor: User, referral_id: int, upload: UploadedFile[bytes], classification: int, description: str = ""
) -> Attachment:
    referral = locked_referral(referral_id)
    policy.require(actor, policy.Action.CHANGE, referral)
    mime = check_upload(upload)
    rank = validate_classification(actor, classification)
    attachment = Attachment(
        referral=referral,
        file=upload,
        original_name=stored_document_name(upload.name, mime),
        content_type=mime,
        size=upload.size or 0,
        description=description,
        classification=rank,
        owning_agency_id=referral.owning_agency_id,
        created_by=actor,
    )
    attachment.save()
    record_event(
        actor=actor,
        verb=AuditVerb.UPLOADED,
        obj=attachment,
        details={"referral": referral.pk, "content_type": mime, "size": attachment.size, "classification": rank},
    )
    return attachment


@transaction.atomic
def remove_attachment(*, actor: User, attachment_id: int) -> None:
    attachment = locked_row(Attachment, attachment_id, "referral")
    policy.require(actor, policy.Action.CHANGE, attachment.referral)
    record_event(actor=actor, verb=AuditVerb.REMOVED, obj=attachment, details={"referral": attachment.referral_id})
    storage, stored_at = attachment.file.storage, attachment.file.name
    attachment.delete()
    if stored_at:  # the bytes go only once the row's removal is committed
        transaction.on_commit(lambda: storage.delete(stored_at))


# --- Deleting drafts ---------------------------------------------------------------------


@transaction.atomic
def delete_draft(*, actor: User, referral_id: int) -> None:
    """The author deletes their own unsubmitted draft (anyone else: not found; submitted: refused)."""
    referral = locked_row(Referral, referral_id, "subject")
    permissions.require(actor, Capability.EDIT_DRAFT, referral)
    _erase_draft(referral, actor=actor, why="deleted by its author")


def delete_untouched_drafts(*, now: datetime | None = None) -> int:
    """Delete every draft unchanged (answers or attachments) for longer than the partnership keeps one.
    Each in its own transaction, audited as the system; a draft changed meanwhile is kept (idempotent)."""
    days = PartnershipSettings.current().draft_retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    for referral_id in _untouched_drafts(cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            referral = _untouched_drafts(cutoff).select_for_update(skip_locked=True).filter(pk=referral_id).first()
            if referral is not None:
                _erase_draft(referral, actor=None, why=f"unchanged for more than {days} days")
                deleted += 1
    return deleted


def _untouched_drafts(cutoff: datetime) -> QuerySet[Referral]:
    recent_files = Attachment.objects.filter(referral=OuterRef("pk"), created_at__gte=cutoff)
    return Referral.objects.filter(status=ReferralStatus.DRAFT, updated_at__lt=cutoff).exclude(Exists(recent_files))


def _erase_draft(referral: Referral, *, actor: User | None, why: str) -> None:
    """Delete a locked draft, its person and attachments (their files once committed), and audit it."""
    if not referral.is_draft:
        raise PermissionDenied("A submitted referral cannot be deleted.")
    files = [(a.file.storage, a.file.name) for a in referral.attachments.all() if a.file.name]
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=referral,
        reason=why,
        details={"action": "deleted", "status": referral.status, "attachments": len(files)},
    )
    person = referral.subject
    referral.delete()
    person.delete()
    for storage, name in files:
        transaction.on_commit(partial(storage.delete, name))


# --- Screening --------------------------------------------------------------------------

SCREENING_OUTCOMES = {
    ScreeningDecision.NO_FURTHER_ACTION: (ReferralStatus.CLOSED, Outcome.SCREEN_NFA),
    ScreeningDecision.SIGNPOST: (ReferralStatus.SIGNPOSTED, Outcome.SCREEN_SIGNPOSTED),
    ScreeningDecision.REFER_TO_PANEL: (ReferralStatus.ACCEPTED, Outcome.SCREEN_TO_PANEL),
}


def locked_referral(referral_id: int) -> Referral:
    return locked_row(Referral, referral_id)


def _require_screener(actor: User, referral: Referral) -> None:
    permissions.require(actor, Capability.SCREEN, referral)


def add_entry(
    *,
    actor: User | None,
    referral: Referral,
    entry_type: str,
    title: str,
    body: str = "",
    classification: int = 1,
    originator_only: bool = False,
    releasable_summary: str = "",
    rag: str = "",
    significant: bool = False,
    agency_id: int | None = None,
) -> ChronologyEntry:
    """Write one chronology entry, tagged with its source agency, author and classification."""
    entry = ChronologyEntry(
        referral=referral,
        entry_type=entry_type,
        occurred_at=timezone.now(),
        title=title,
        body=body,
        classification=classification,
        originator_only=originator_only,
        releasable_summary=releasable_summary,
        rag=rag,
        significant=significant,
        owning_agency_id=agency_id or (actor.agency_id if actor and actor.agency_id else referral.owning_agency_id),
        created_by=actor,
    )
    entry.full_clean(exclude=["referral", "owning_agency", "created_by"])
    entry.save()
    return entry


def add_note(
    *,
    actor: User,
    referral: Referral,
    entry_type: str,
    title: str,
    text: str,
    classification: int,
    originator_only: bool,
) -> ChronologyEntry:
    """A note someone writes on the chronology, once the caller has locked the referral and asked the
    policy: it needs text and a classification within the author's clearance, and is audited."""
    if not text.strip():
        raise ValidationError({"text": ["Enter the note"]})
    rank = validate_classification(actor, classification)
    entry = add_entry(
        actor=actor,
        referral=referral,
        entry_type=entry_type,
        title=title,
        body=text.strip(),
        classification=rank,
        originator_only=originator_only,
    )
    touch_referral(referral)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=entry, details={"referral": referral.pk})
    return entry


def touch_referral(referral: Referral) -> None:
    """Move the referral to the top of everyone's lists."""
    referral.version += 1
    sharing.save_to_top(referral, "version")


@transaction.atomic
def start_screening(*, actor: User, referral_id: int) -> Referral:
    referral = locked_referral(referral_id)
    _require_screener(actor, referral)
    check_transition(referral, ReferralStatus.SCREENING)
    changes = {"status": ReferralStatus.SCREENING}
    save_change(referral, changes, actor=actor, verb=AuditVerb.TRANSITION, details={"to": ReferralStatus.SCREENING})
    touch_referral(referral)
    return referral


@transaction.atomic
def record_screening_note(
    *,
    actor: User,
    referral_id: int,
    text: str,
    classification: int,
    deconfliction: bool = False,
    originator_only: bool | None = None,
) -> ChronologyEntry:
    """A screening note, or a deconfliction check (by default originator-only)."""
    referral = locked_referral(referral_id)
    _require_screener(actor, referral)
    return add_note(
        actor=actor,
        referral=referral,
        entry_type=EntryType.DECONFLICTION if deconfliction else EntryType.SCREENING_NOTE,
        title="Deconfliction" if deconfliction else "Screening note",
        text=text,
        classification=classification,
        originator_only=deconfliction if originator_only is None else originator_only,
    )


@transaction.atomic
def review_rag(*, actor: User, referral_id: int, rag: str, rationale: str) -> Referral:
    referral = locked_referral(referral_id)
    _require_screener(actor, referral)
    if rag not in Rag.values:
        raise ValidationError({"rag": ["Choose red, amber or green"]})
    if not rationale.strip():
        raise ValidationError({"rationale": ["Explain the rating"]})
    save_change(referral, {"rag": rag}, actor=actor, verb=AuditVerb.CHANGED, details={"rag": rag})
    add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.RAG_REVIEW,
        title=f"RAG rating: {Rag(rag).label}",
        body=rationale.strip(),
        rag=rag,
    )
    touch_referral(referral)
    return referral


@transaction.atomic
def record_needs_and_consent(
    *, actor: User, referral_id: int, needs: list[StatisticsCategory], consent: StatisticsCategory | None
) -> Referral:
    """Record, in screening, the person's mental-health and neurodiversity needs and their consent, where
    known. "None identified" and "Not known" stand alone; each answer is on the current national list."""
    referral = locked_referral(referral_id)
    _require_screener(actor, referral)
    errors: dict[str, list[str]] = {}
    current_needs = set(StatisticsCategory.objects.current(Dimension.NEED).values_list("pk", flat=True))
    if any(n.pk not in current_needs for n in needs):
        errors["needs"] = ["Select only the needs shown"]
    elif len(needs) > 1 and any(n.code in (NONE_IDENTIFIED, NOT_KNOWN) for n in needs):
        errors["needs"] = ["Select needs, or 'None identified', or 'Not known', not both"]
    if consent is not None and not StatisticsCategory.objects.current(Dimension.CONSENT).filter(pk=consent.pk).exists():
        errors["consent_status"] = ["Select whether the person has given consent"]
    if errors:
        raise ValidationError(errors)
    # Which answers, never what they are: the trail's readers do not read case content (rule 8).
    details = {"fields": ["recorded_needs", "consent_status"]}
    save_change(referral, {"consent_status": consent}, actor=actor, verb=AuditVerb.CHANGED, details=details)
    referral.recorded_needs.set(needs)
    touch_referral(referral)
    return referral


def screening_errors(*, decision: str, rationale: str, signposted_to: str) -> dict[str, list[str]]:
    """What is missing from a screening decision (any decision; a panel referral needs more, see cases)."""
    errors: dict[str, list[str]] = {}
    if decision not in ScreeningDecision.values:
        errors["decision"] = ["Choose a decision"]
    if not rationale.strip():
        errors["rationale"] = ["Give the rationale for the decision"]
    if decision == ScreeningDecision.SIGNPOST and signposted_to not in SignpostService.values:
        errors["signposted_to"] = ["Choose the service you are signposting to"]
    return errors


def record_screening_decision(
    *,
    actor: User,
    referral_id: int,
    decision: str,
    rationale: str,
    signposted_to: str = "",
    expected_version: int | None = None,
    extra_errors: dict[str, list[str]] | None = None,
) -> Referral:
    """Decide a screened referral. Must run inside the caller's transaction: a referral to the
    panel also opens a case (``cases.services.screen_referral``), whose own checks come in as
    ``extra_errors`` so nothing is written unless everything is valid."""
    referral = locked_referral(referral_id)
    _require_screener(actor, referral)
    check_version(referral.version, expected_version, "referral")
    errors = {**screening_errors(decision=decision, rationale=rationale, signposted_to=signposted_to)}
    errors.update(extra_errors or {})
    if errors:
        raise ValidationError(errors)
    target, outcome = SCREENING_OUTCOMES[ScreeningDecision(decision)]
    check_transition(referral, target)
    changes = {
        "status": target,
        "outcome": outcome,
        "screening_decision": decision,
        "signposted_to": signposted_to if decision == ScreeningDecision.SIGNPOST else "",
        "screening_rationale": rationale.strip(),
        "screened_by": actor,
        "screened_at": timezone.now(),
    }
    details = {"decision": decision, "outcome": outcome}
    reason = rationale.strip()
    save_change(referral, changes, actor=actor, verb=AuditVerb.TRANSITION, reason=reason, details=details)
    title = ScreeningDecision(decision).label
    if referral.signposted_to:
        title += f": {SignpostService(referral.signposted_to).label}"
    add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.SCREENING_DECISION,
        title=title,
        body=referral.screening_rationale,
        significant=True,
    )
    touch_referral(referral)
    reminders.sync_referral(referral)
    events.referral_screened(referral, actor=actor)
    return referral


# --- Sharing ----------------------------------------------------------------------------------------


@transaction.atomic
def share_referral(
    *, actor: User, referral_id: int, agency: Agency, reason: str, expires_at: datetime | None = None
) -> Share:
    """An explicit share with an agency, by the referring practitioner or, once there is a case, its
    owner or its panel's chair (``referrals.permissions``), with a reason and an optional expiry."""
    referral = locked_referral(referral_id)
    permissions.require(actor, Capability.SHARE, referral)
    return sharing.share_with_agency(actor=actor, record=referral, agency=agency, reason=reason, expires_at=expires_at)


@transaction.atomic
def revoke_referral_share(*, actor: User, referral_id: int, share_id: int, reason: str = "") -> Share:
    """End an explicit share (audited); access that follows from an event cannot be revoked."""
    referral = locked_referral(referral_id)
    permissions.require(actor, Capability.REVOKE_SHARE, referral)
    return sharing.revoke_share(actor=actor, record=referral, share_id=share_id, reason=reason)
