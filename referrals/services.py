"""Writes for referrals. One function per use case; each asks the sharing
policy, locks the row, checks the transition table, saves, audits."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from core.errors import ConflictError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.working_days import add_working_days, due_at_end_of_working_day
from partnership.models import Agency, ClearanceLevel, Panel, PartnershipSettings, Role, User
from referrals import matching, reminders
from referrals.models import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    REFERENCE_DIGITS,
    Attachment,
    Case,
    CaseStatus,
    CaseTransition,
    ChronologyEntry,
    EntryDocument,
    EntryType,
    InformationRequest,
    Outcome,
    Person,
    PersonIdentifier,
    PossibleMatch,
    Rag,
    Referral,
    ReferralStatus,
    RequestStatus,
    ScreeningDecision,
    SignpostService,
)
from sharing import policy
from sharing import services as sharing
from sharing.audit import record_event
from sharing.models import AuditVerb, ShareBasis

# Allowed status changes, declared once. Screening (issue 4) moves along this table.
REFERRAL_TRANSITIONS: dict[str, set[str]] = {
    ReferralStatus.DRAFT: {ReferralStatus.SUBMITTED},
    ReferralStatus.SUBMITTED: {
        ReferralStatus.SCREENING,
        ReferralStatus.CLOSED,
        ReferralStatus.SIGNPOSTED,
        ReferralStatus.ACCEPTED,
    },
    ReferralStatus.SCREENING: {ReferralStatus.CLOSED, ReferralStatus.SIGNPOSTED, ReferralStatus.ACCEPTED},
    ReferralStatus.CLOSED: set(),
    ReferralStatus.SIGNPOSTED: set(),
    ReferralStatus.ACCEPTED: set(),
}

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
REFERRAL_FIELDS = (
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
    "classification",
    "originator_only",
)


def check_transition(referral: Referral, target: str) -> None:
    if target not in REFERRAL_TRANSITIONS[referral.status]:
        raise InvalidTransition(
            f"A referral that is {referral.get_status_display().lower()} cannot become "
            f"{ReferralStatus(target).label.lower()}."
        )


def _require_referrer(actor: User) -> None:
    if not policy.is_case_worker(actor):
        raise PermissionDenied("Only practitioners in a partner agency can make referrals.")


def validate_classification(actor: User, rank: Any) -> int:
    try:
        rank = int(rank)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"classification": ["Choose a classification."]}) from exc
    if not ClearanceLevel.objects.filter(rank=rank).exists():
        raise ValidationError({"classification": [f"There is no clearance level with rank {rank}."]})
    if rank > actor.clearance_rank:
        raise ValidationError({"classification": ["The classification cannot be higher than your own clearance."]})
    return rank


def _next_reference(year: int) -> str:
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
    referral = Referral.objects.select_for_update().select_related("subject").filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.CHANGE, referral)
    if expected_version is not None and expected_version != referral.version:
        raise ConflictError("Someone changed this referral since you opened it. Check the answers and try again.")
    person = referral.subject
    person_changed = [f for f in PERSON_FIELDS if f in changes]
    referral_changed = [f for f in REFERRAL_FIELDS if f in changes]
    for name in person_changed:
        setattr(person, name, changes[name])
    for name in referral_changed:
        setattr(referral, name, changes[name])
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
        if not referral.ideology:
            errors["ideology"] = ["Select the type of concern"]
        if not referral.urgency:
            errors["urgency"] = ["Select how urgent this is"]
    return errors


@transaction.atomic
def submit_referral(*, actor: User, referral_id: int, require_structured: bool = True) -> Referral:
    """Submit a draft: give it a reference, grant the referring and screening agencies, find likely duplicates."""
    referral = Referral.objects.select_for_update().select_related("subject").filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.VIEW, referral)
    check_transition(referral, ReferralStatus.SUBMITTED)
    if referral.created_by_id != actor.pk:
        raise PermissionDenied("Only the author can submit a draft.")
    errors = missing_answers(referral, require_structured=require_structured)
    if errors:
        raise ValidationError(errors)
    validate_classification(actor, referral.classification)
    now = timezone.now()
    referral.status = ReferralStatus.SUBMITTED
    referral.submitted_at = now
    referral.reference = _next_reference(timezone.localdate(now).year)
    referral.screening_due_at = due_at_end_of_working_day(now, PartnershipSettings.current().screening_working_days)
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


def _check_upload(upload: UploadedFile) -> str:
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


@transaction.atomic
def add_attachment(
    *, actor: User, referral_id: int, upload: UploadedFile, classification: int, description: str = ""
) -> Attachment:
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.CHANGE, referral)
    mime = _check_upload(upload)
    rank = validate_classification(actor, classification)
    attachment = Attachment(
        referral=referral,
        file=upload,
        original_name=(upload.name or "document")[:255],
        content_type=mime,
        size=upload.size or 0,
        description=description,
        classification=rank,
        owning_agency_id=referral.owning_agency_id,
        created_by=actor,
    )
    attachment.save()
    return attachment


@transaction.atomic
def remove_attachment(*, actor: User, attachment_id: int) -> None:
    attachment = Attachment.objects.select_related("referral").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("Not found.")
    policy.require(actor, policy.Action.CHANGE, attachment.referral)
    attachment.file.delete(save=False)
    attachment.delete()


# --- Screening --------------------------------------------------------------------------

SCREENING_OUTCOMES = {
    ScreeningDecision.NO_FURTHER_ACTION: (ReferralStatus.CLOSED, Outcome.SCREEN_NFA),
    ScreeningDecision.SIGNPOST: (ReferralStatus.SIGNPOSTED, Outcome.SCREEN_SIGNPOSTED),
    ScreeningDecision.REFER_TO_PANEL: (ReferralStatus.ACCEPTED, Outcome.SCREEN_TO_PANEL),
}


def _locked_referral(referral_id: int) -> Referral:
    referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
    if referral is None:
        raise NotFound("Not found.")
    return referral


def _require_screener(actor: User, referral: Referral) -> None:
    policy.require(actor, policy.Action.VIEW, referral)
    if not (Role.SCREENING_OFFICER in actor.roles and actor.agency is not None and actor.agency.screens_referrals):
        raise PermissionDenied("Only screening officers of the screening agency can screen referrals.")


def _check_version(current: int, expected: int | None, what: str) -> None:
    if expected is not None and int(expected) != current:
        raise ConflictError(f"Someone changed this {what} since you opened it. Reload it and try again.")


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
    information_request: InformationRequest | None = None,
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
        information_request=information_request,
        significant=significant,
        owning_agency_id=agency_id or (actor.agency_id if actor and actor.agency_id else referral.owning_agency_id),
        created_by=actor,
    )
    entry.full_clean(exclude=["referral", "owning_agency", "created_by", "information_request"])
    entry.save()
    return entry


def _touch(referral: Referral) -> None:
    """Move the referral to the top of everyone's lists."""
    referral.change_seq = sharing.next_change_seq()
    referral.version += 1
    referral.save(update_fields=["change_seq", "version", "updated_at"])
    sharing.record_changed(referral)


@transaction.atomic
def start_screening(*, actor: User, referral_id: int) -> Referral:
    referral = _locked_referral(referral_id)
    _require_screener(actor, referral)
    check_transition(referral, ReferralStatus.SCREENING)
    referral.status = ReferralStatus.SCREENING
    referral.save(update_fields=["status", "updated_at"])
    _touch(referral)
    record_event(actor=actor, verb=AuditVerb.TRANSITION, obj=referral, details={"to": ReferralStatus.SCREENING})
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
    referral = _locked_referral(referral_id)
    _require_screener(actor, referral)
    if not text.strip():
        raise ValidationError({"text": ["Enter the note"]})
    rank = validate_classification(actor, classification)
    entry = add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.DECONFLICTION if deconfliction else EntryType.SCREENING_NOTE,
        title="Deconfliction" if deconfliction else "Screening note",
        body=text.strip(),
        classification=rank,
        originator_only=deconfliction if originator_only is None else originator_only,
    )
    _touch(referral)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=entry, details={"referral": referral.pk})
    return entry


@transaction.atomic
def review_rag(*, actor: User, referral_id: int, rag: str, rationale: str) -> Referral:
    referral = _locked_referral(referral_id)
    _require_screener(actor, referral)
    if rag not in Rag.values:
        raise ValidationError({"rag": ["Choose red, amber or green"]})
    if not rationale.strip():
        raise ValidationError({"rationale": ["Explain the rating"]})
    referral.rag = rag
    referral.save(update_fields=["rag", "updated_at"])
    add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.RAG_REVIEW,
        title=f"RAG rating: {Rag(rag).label}",
        body=rationale.strip(),
        rag=rag,
    )
    _touch(referral)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=referral, details={"rag": rag})
    return referral


def _next_case_reference(year: int) -> str:
    # Case references share the per-year counter table under a distinct key (year + 10000).
    return _next_reference(year + 10000).replace(f"REF-{year + 10000}", f"CASE-{year}")


@transaction.atomic
def screen_referral(
    *,
    actor: User,
    referral_id: int,
    decision: str,
    rationale: str,
    signposted_to: str = "",
    panel: Panel | None = None,
    case_owner: User | None = None,
    expected_version: int | None = None,
) -> Referral:
    """Decide a screened referral: no further action, signpost, or refer to the panel (which opens a case)."""
    referral = _locked_referral(referral_id)
    _require_screener(actor, referral)
    _check_version(referral.version, expected_version, "referral")
    errors: dict[str, list[str]] = {}
    if decision not in ScreeningDecision.values:
        errors["decision"] = ["Choose a decision"]
    if not rationale.strip():
        errors["rationale"] = ["Give the rationale for the decision"]
    if decision == ScreeningDecision.SIGNPOST and signposted_to not in SignpostService.values:
        errors["signposted_to"] = ["Choose the service you are signposting to"]
    if decision == ScreeningDecision.REFER_TO_PANEL:
        if panel is None:
            errors["panel"] = ["Choose the panel"]
        if case_owner is None:
            errors["case_owner"] = ["Choose the case owner"]
        elif not (
            (case_owner.is_active and case_owner.agency_id and Role.PANEL_CHAIR in case_owner.roles)
            or (case_owner.is_active and case_owner.agency_id and Role.PRACTITIONER in case_owner.roles)
        ):
            errors["case_owner"] = ["The case owner must be an active practitioner or chair in a partner agency"]
    if errors:
        raise ValidationError(errors)
    target, outcome = SCREENING_OUTCOMES[ScreeningDecision(decision)]
    check_transition(referral, target)
    now = timezone.now()
    referral.status = target
    referral.outcome = outcome
    referral.screening_decision = decision
    referral.signposted_to = signposted_to if decision == ScreeningDecision.SIGNPOST else ""
    referral.screening_rationale = rationale.strip()
    referral.screened_by = actor
    referral.screened_at = now
    referral.save(
        update_fields=[
            "status",
            "outcome",
            "screening_decision",
            "signposted_to",
            "screening_rationale",
            "screened_by",
            "screened_at",
            "updated_at",
        ]
    )
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
    if decision == ScreeningDecision.REFER_TO_PANEL:
        case = Case.objects.create(
            referral=referral,
            reference=_next_case_reference(timezone.localdate(now).year),
            owner=case_owner,  # type: ignore[misc]
            panel=panel,  # type: ignore[misc]
            opened_at=now,
        )
        owner_agency = Agency.objects.get(pk=case_owner.agency_id)  # type: ignore[union-attr, misc]
        sharing.grant_by_event(
            record=referral,
            agency=owner_agency,
            basis=ShareBasis.CASE_OWNER,
            actor=actor,
            reason=f"Case owner for {case.reference}",
        )
        add_entry(
            actor=actor,
            referral=referral,
            entry_type=EntryType.STATE_CHANGE,
            title=f"Case {case.reference} opened for {case.panel.name}",
            significant=True,
        )
    _touch(referral)
    reminders.sync_referral(referral)
    record_event(
        actor=actor,
        verb=AuditVerb.TRANSITION,
        obj=referral,
        reason=referral.screening_rationale,
        details={"decision": decision, "outcome": outcome},
    )
    return referral


# --- Cases ----------------------------------------------------------------------------

CASE_TRANSITIONS: dict[str, set[str]] = {
    CaseStatus.INFORMATION_GATHERING: {CaseStatus.DISCUSSED, CaseStatus.ADOPTED, CaseStatus.NOT_ADOPTED},
    CaseStatus.DISCUSSED: {CaseStatus.INFORMATION_GATHERING, CaseStatus.ADOPTED, CaseStatus.NOT_ADOPTED},
    CaseStatus.ADOPTED: {CaseStatus.SUPPORT_ACTIVE, CaseStatus.EXITED},
    CaseStatus.SUPPORT_ACTIVE: {CaseStatus.EXITED},
    CaseStatus.EXITED: {CaseStatus.REVIEWED_6_MONTHS},
    CaseStatus.REVIEWED_6_MONTHS: {CaseStatus.CLOSED},
    CaseStatus.NOT_ADOPTED: {CaseStatus.CLOSED},
    CaseStatus.CLOSED: set(),
}


def check_case_transition(case: Case, target: str) -> None:
    if target not in CASE_TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(CaseStatus(s).label.lower() for s in CASE_TRANSITIONS[case.status])) or "nothing"
        raise InvalidTransition(
            f"A case that is {case.get_status_display().lower()} cannot become "
            f"{CaseStatus(target).label.lower()}. From here it can become: {allowed}."
        )


def _locked_case(case_id: int) -> Case:
    case = Case.objects.select_for_update().select_related("referral", "panel").filter(pk=case_id).first()
    if case is None:
        raise NotFound("Not found.")
    return case


def require_case_manager(actor: User, case: Case) -> None:
    """The case owner or a panel chair who can read the case."""
    policy.require(actor, policy.Action.VIEW, case.referral)
    if not (case.owner_id == actor.pk or Role.PANEL_CHAIR in actor.roles):
        raise PermissionDenied("Only the case owner or a panel chair can do this.")


@transaction.atomic
def transition_case(
    *,
    actor: User | None,
    case_id: int,
    to_status: str,
    reason: str,
    expected_version: int | None = None,
    outcome: str = "",
) -> Case:
    """Move a case along CASE_TRANSITIONS, recording who, when and why. ``actor=None`` is the system."""
    case = _locked_case(case_id)
    if actor is not None:
        require_case_manager(actor, case)
    _check_version(case.version, expected_version, "case")
    if to_status not in CaseStatus.values:
        raise ValidationError({"status": ["Unknown case status"]})
    check_case_transition(case, to_status)
    if not reason.strip():
        raise ValidationError({"reason": ["Give a reason for the change"]})
    now = timezone.now()
    CaseTransition.objects.create(
        case=case, from_status=case.status, to_status=to_status, actor=actor, reason=reason.strip(), at=now
    )
    previous = case.status
    case.status = to_status
    case.version += 1
    fields = ["status", "version", "updated_at"]
    if outcome:
        case.outcome = outcome
        fields.append("outcome")
    if to_status == CaseStatus.EXITED:
        case.exited_at = now
        fields.append("exited_at")
    if to_status == CaseStatus.CLOSED:
        case.closed_at = now
        fields.append("closed_at")
    case.save(update_fields=fields)
    add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.STATE_CHANGE,
        title=f"{CaseStatus(previous).label} → {CaseStatus(to_status).label}",
        body=reason.strip(),
        agency_id=actor.agency_id if actor and actor.agency_id else case.referral.owning_agency_id,
    )
    _touch(case.referral)
    record_event(
        actor=actor,
        verb=AuditVerb.TRANSITION,
        obj=case,
        reason=reason.strip(),
        details={"from": previous, "to": to_status},
    )
    return case


# --- Information requests and contributions ----------------------------------------------


@transaction.atomic
def request_information(
    *, actor: User, case_id: int, agency_ids: list[int], question: str, due_date: date | None = None
) -> list[InformationRequest]:
    """Ask agencies what they know. Each requested agency gains access to the case."""
    case = _locked_case(case_id)
    require_case_manager(actor, case)
    errors: dict[str, list[str]] = {}
    agencies = list(Agency.objects.filter(pk__in=agency_ids, is_active=True))
    if not agency_ids or len(agencies) != len(set(agency_ids)):
        errors["agencies"] = ["Choose one or more active agencies"]
    if not question.strip():
        errors["question"] = ["Enter what you are asking for"]
    today = timezone.localdate()
    if due_date is None:
        due_date = add_working_days(today, PartnershipSettings.current().information_request_working_days)
    elif due_date <= today:
        errors["due_date"] = ["The due date must be in the future"]
    if case.status not in (
        CaseStatus.INFORMATION_GATHERING,
        CaseStatus.DISCUSSED,
        CaseStatus.ADOPTED,
        CaseStatus.SUPPORT_ACTIVE,
    ):
        errors["case"] = [f"Information cannot be requested for a case that is {case.get_status_display().lower()}"]
    if errors:
        raise ValidationError(errors)
    created = []
    for agency in agencies:
        request = InformationRequest.objects.create(
            case=case, agency=agency, question=question.strip(), due_date=due_date, requested_by=actor
        )
        sharing.grant_by_event(
            record=case.referral,
            agency=agency,
            basis=ShareBasis.INFORMATION_REQUEST,
            actor=actor,
            reason=f"Information request {request.pk}",
        )
        add_entry(
            actor=actor,
            referral=case.referral,
            entry_type=EntryType.INFORMATION_REQUEST,
            title=f"Information requested from {agency.name}",
            body=question.strip(),
            information_request=request,
        )
        record_event(actor=actor, verb=AuditVerb.CREATED, obj=request, details={"agency": agency.pk})
        reminders.sync_request(request)
        created.append(request)
    _touch(case.referral)
    return created


def _locked_request(request_id: int) -> InformationRequest:
    request = (
        InformationRequest.objects.select_for_update()
        .select_related("case__referral", "agency")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound("Not found.")
    return request


def _require_agency_member(actor: User, request: InformationRequest, *, spoc: bool) -> None:
    policy.require(actor, policy.Action.VIEW, request.case.referral)
    if actor.agency_id != request.agency_id:
        raise PermissionDenied("This request is for another agency.")
    if spoc and Role.SPOC not in actor.roles:
        raise PermissionDenied("Only your agency's single point of contact can do this.")


@transaction.atomic
def assign_request(*, actor: User, request_id: int, assignee: User) -> InformationRequest:
    request = _locked_request(request_id)
    _require_agency_member(actor, request, spoc=True)
    if request.status in (RequestStatus.RETURNED, RequestStatus.CLOSED):
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be assigned.")
    if assignee.agency_id != request.agency_id or not assignee.is_active or not policy.is_case_worker(assignee):
        raise ValidationError({"assignee": ["Choose an active case worker in your agency"]})
    request.assigned_to = assignee
    request.status = RequestStatus.ASSIGNED
    request.save(update_fields=["assigned_to", "status", "updated_at"])
    reminders.sync_request(request)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=request, details={"assigned_to": assignee.pk})
    return request


@transaction.atomic
def return_contribution(
    *,
    actor: User,
    request_id: int,
    text: str,
    classification: int,
    releasable_summary: str = "",
    documents: list[UploadedFile] | None = None,
) -> ChronologyEntry:
    """An agency's answer: text and documents, classified; above Baseline it needs a releasable summary."""
    request = _locked_request(request_id)
    _require_agency_member(actor, request, spoc=False)
    if Role.SPOC not in actor.roles and request.assigned_to_id != actor.pk:
        raise PermissionDenied("Only your agency's single point of contact or the assignee can answer this.")
    if request.status in (RequestStatus.RETURNED, RequestStatus.CLOSED):
        raise InvalidTransition(f"This request is already {request.get_status_display().lower()}.")
    errors: dict[str, list[str]] = {}
    if not text.strip():
        errors["text"] = ["Enter what your agency knows"]
    try:
        rank = validate_classification(actor, classification)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        rank = 1
    if rank > 1 and not releasable_summary.strip():
        errors["releasable_summary"] = ["Above Baseline, give a summary that readers with Baseline clearance can see"]
    checked = []
    for upload in documents or []:
        try:
            checked.append((upload, _check_upload(upload)))
        except ValidationError as exc:
            errors.setdefault("documents", []).extend(exc.message_dict.get("file", []))
    if errors:
        raise ValidationError(errors)
    entry = add_entry(
        actor=actor,
        referral=request.case.referral,
        entry_type=EntryType.CONTRIBUTION,
        title=f"Contribution from {request.agency.name}",
        body=text.strip(),
        classification=rank,
        releasable_summary=releasable_summary.strip() if rank > 1 else "",
        information_request=request,
    )
    for upload, mime in checked:
        document = EntryDocument(
            entry=entry,
            file=upload,
            original_name=(upload.name or "document")[:255],
            content_type=mime,
            size=upload.size or 0,
        )
        document.save()
    request.status = RequestStatus.RETURNED
    request.returned_at = timezone.now()
    request.save(update_fields=["status", "returned_at", "updated_at"])
    reminders.sync_request(request)
    _touch(request.case.referral)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=entry, details={"request": request.pk})
    return entry


@transaction.atomic
def chase_request(*, actor: User, request_id: int) -> InformationRequest:
    request = _locked_request(request_id)
    require_case_manager(actor, request.case)
    if request.status in (RequestStatus.RETURNED, RequestStatus.CLOSED):
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be chased.")
    request.chase_count += 1
    request.last_chased_at = timezone.now()
    request.save(update_fields=["chase_count", "last_chased_at", "updated_at"])
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=request, details={"chased": request.chase_count})
    return request


@transaction.atomic
def extend_request(*, actor: User, request_id: int, due_date: date, reason: str = "") -> InformationRequest:
    request = _locked_request(request_id)
    require_case_manager(actor, request.case)
    if request.status in (RequestStatus.RETURNED, RequestStatus.CLOSED):
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be extended.")
    if due_date <= request.due_date:
        raise ValidationError({"due_date": ["The new due date must be later than the current one"]})
    previous = request.due_date
    request.due_date = due_date
    request.save(update_fields=["due_date", "updated_at"])
    reminders.sync_request(request)
    record_event(
        actor=actor,
        verb=AuditVerb.CHANGED,
        obj=request,
        reason=reason,
        details={"due_date": due_date.isoformat(), "was": previous.isoformat()},
    )
    return request


@transaction.atomic
def close_request(*, actor: User, request_id: int, reason: str = "") -> InformationRequest:
    """Closing ends the request; the agency keeps access to the case for the case's life (DESIGN.md rule 5)."""
    request = _locked_request(request_id)
    require_case_manager(actor, request.case)
    if request.status == RequestStatus.CLOSED:
        raise InvalidTransition("This request is already closed.")
    request.status = RequestStatus.CLOSED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "updated_at"])
    reminders.sync_request(request)
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=request, reason=reason, details={"closed": True})
    return request


# --- Case notes and significance ------------------------------------------------------------


@transaction.atomic
def add_case_note(
    *, actor: User, referral_id: int, text: str, classification: int, originator_only: bool = False
) -> ChronologyEntry:
    """A note by any agency with access, with its own classification."""
    referral = _locked_referral(referral_id)
    policy.require(actor, policy.Action.VIEW, referral)
    if referral.is_draft:
        raise InvalidTransition("Notes can only be added to submitted referrals.")
    if not text.strip():
        raise ValidationError({"text": ["Enter the note"]})
    rank = validate_classification(actor, classification)
    entry = add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.CASE_NOTE,
        title="Case note",
        body=text.strip(),
        classification=rank,
        originator_only=originator_only,
    )
    _touch(referral)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=entry, details={"referral": referral.pk})
    return entry


@transaction.atomic
def mark_significant(*, actor: User, entry_id: int, significant: bool) -> ChronologyEntry:
    entry = ChronologyEntry.objects.select_for_update().select_related("referral").filter(pk=entry_id).first()
    if entry is None or not policy.can(actor, policy.Action.VIEW, entry):
        raise NotFound("Not found.")
    entry.significant = significant
    entry.save(update_fields=["significant"])
    record_event(actor=actor, verb=AuditVerb.CHANGED, obj=entry, details={"significant": significant})
    return entry
