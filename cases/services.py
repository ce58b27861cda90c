"""Writes for cases: opening one from screening, its lifecycle, information requests,
contributions, case notes and chronology significance.

One function per use case; each locks the row (``core.locking.locked_row``), asks the
policy, validates everything, then writes, audits and queues its reminders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from cases import events, lifecycle, permissions, reminders
from cases.lifecycle import check_case_transition, check_request_transition
from cases.models import (
    Case,
    CaseStatus,
    CaseTransition,
    Contribution,
    EntryDocument,
    InformationRequest,
    RequestStatus,
)
from cases.permissions import Capability
from core.audit import record_event
from core.errors import InvalidTransition, ValidationError, check_version
from core.locking import locked_row
from core.models import AuditVerb
from core.services import save_change
from core.working_days import add_working_days
from partnership.models import Agency, Panel, PartnershipSettings, User
from partnership.selectors import agreement_refusals
from referrals import permissions as referral_permissions
from referrals.lifecycle import UNDECIDED
from referrals.models import ChronologyEntry, EntryType, Referral, ScreeningDecision
from referrals.services import (
    add_entry,
    add_note,
    check_upload,
    locked_referral,
    next_reference,
    record_screening_decision,
    screening_errors,
    stored_document_name,
    touch_referral,
    validate_classification,
)
from sharing import policy
from sharing import services as sharing
from sharing.models import ShareBasis


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
    """Decide a screened referral: no further action, signpost, or refer to the panel, which opens a case.

    Requests sent during screening follow the referral: into the case it becomes, or, when it goes no
    further, closed with it (their agencies keep the access the requests gave them, DESIGN.md rule 5)."""
    extra: dict[str, list[str]] = {}
    if decision == ScreeningDecision.REFER_TO_PANEL:
        extra = _case_opening_errors(panel=panel, case_owner=case_owner)
    referral = record_screening_decision(
        actor=actor,
        referral_id=referral_id,
        decision=decision,
        rationale=rationale,
        signposted_to=signposted_to,
        expected_version=expected_version,
        extra_errors=extra,
    )
    if decision == ScreeningDecision.REFER_TO_PANEL and panel is not None and case_owner is not None:
        case = _open_case(actor=actor, referral=referral, panel=panel, owner=case_owner)
        InformationRequest.objects.filter(referral=referral, case__isnull=True).update(case=case)
    else:
        _close_screening_requests(actor=actor, referral=referral)
    return referral


def screening_decision_errors(
    *,
    decision: str,
    rationale: str,
    signposted_to: str = "",
    panel: Panel | None = None,
    case_owner: User | None = None,
) -> dict[str, list[str]]:
    """Everything wrong with a screening decision at once, writing nothing: what ``screen_referral``
    checks, so a page can show every error in one pass before "check your answers"."""
    errors = screening_errors(decision=decision, rationale=rationale, signposted_to=signposted_to)
    if decision == ScreeningDecision.REFER_TO_PANEL:
        errors.update(_case_opening_errors(panel=panel, case_owner=case_owner))
    return errors


def _case_opening_errors(*, panel: Panel | None, case_owner: User | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if panel is None:
        errors["panel"] = ["Choose the panel"]
    if case_owner is None:
        errors["case_owner"] = ["Choose the case owner"]
    elif not referral_permissions.may_own_case(case_owner):
        errors["case_owner"] = [referral_permissions.CASE_OWNER_RULE]
    return errors


def _close_screening_requests(*, actor: User, referral: Referral) -> None:
    """A referral decided without a case closes the requests still waiting for an answer (audited)."""
    waiting = InformationRequest.objects.select_for_update().filter(
        referral=referral, status__in=lifecycle.REQUEST_OPEN
    )
    for request in waiting:
        _close_request(actor=actor, request=request, reason="The referral was decided at screening without a case.")


def _close_request(*, actor: User, request: InformationRequest, reason: str) -> None:
    """Close a locked request that may close (audited, its reminders ended)."""
    changes = {"status": RequestStatus.CLOSED, "closed_at": timezone.now()}
    save_change(request, changes, actor=actor, verb=AuditVerb.CHANGED, reason=reason, details={"closed": True})
    reminders.sync_request(request)


def _open_case(*, actor: User, referral: Referral, panel: Panel, owner: User) -> Case:
    now = timezone.now()
    case = Case.objects.create(
        referral=referral,
        reference=_next_case_reference(timezone.localdate(now).year),
        owner=owner,
        panel=panel,
        opened_at=now,
    )
    sharing.grant_by_event(
        record=referral,
        agency=Agency.objects.get(pk=owner.agency_id or 0),
        basis=ShareBasis.CASE_OWNER,
        actor=actor,
        reason=f"Case owner for {case.reference}",
    )
    add_entry(
        actor=actor,
        referral=referral,
        entry_type=EntryType.STATE_CHANGE,
        title=f"Case {case.reference} opened for {panel.name}",
        significant=True,
    )
    return case


def _next_case_reference(year: int) -> str:
    # Case references share the per-year counter table under a distinct key (year + 10000).
    return next_reference(year + 10000).replace(f"REF-{year + 10000}", f"CASE-{year}")


def _locked_case(case_id: int) -> Case:
    return locked_row(Case, case_id, "referral", "panel")


def require_case_manager(actor: User, case: Case) -> None:
    """The case owner or the chair of the case's panel, reading it through their agency's grant.

    Kept for panels' services, which ask it before they move a case: it is ``TRANSITION_CASE``.
    """
    permissions.require(actor, Capability.TRANSITION_CASE, case)


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
        permissions.require(actor, Capability.TRANSITION_CASE, case)
    check_version(case.version, expected_version, "case")
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
    changes: dict[str, Any] = {"status": to_status, "version": case.version + 1}
    if outcome:
        changes["outcome"] = outcome
    if to_status == CaseStatus.EXITED:
        changes["exited_at"] = now
    if to_status == CaseStatus.CLOSED:
        changes["closed_at"] = now
    details = {"from": previous, "to": to_status}
    save_change(case, changes, actor=actor, verb=AuditVerb.TRANSITION, reason=reason.strip(), details=details)
    add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.STATE_CHANGE,
        title=f"{CaseStatus(previous).label} → {CaseStatus(to_status).label}",
        body=reason.strip(),
    )
    touch_referral(case.referral)
    return case


@transaction.atomic
def request_information(
    *,
    actor: User,
    case_id: int | None = None,
    referral_id: int | None = None,
    agency_ids: list[int],
    question: str,
    due_date: date | None = None,
) -> list[InformationRequest]:
    """Ask agencies what they know: about a case (its managers), or about a referral under screening
    (its screening officer; the requests follow the referral into the case it becomes). Each requested
    agency gains access to the referral, and its SPOCs are told."""
    referral, case = _requested_about(actor, case_id=case_id, referral_id=referral_id)
    agencies, due_date = _checked_request(referral, case, agency_ids=agency_ids, question=question, due_date=due_date)
    created = []
    for agency in agencies:
        request = InformationRequest.objects.create(
            referral=referral,
            case=case,
            agency=agency,
            question=question.strip(),
            due_date=due_date,
            requested_by=actor,
        )
        sharing.grant_by_event(
            record=referral,
            agency=agency,
            basis=ShareBasis.INFORMATION_REQUEST,
            actor=actor,
            reason=f"Information request {request.pk}",
        )
        add_entry(
            actor=actor,
            referral=referral,
            entry_type=EntryType.INFORMATION_REQUEST,
            title=f"Information requested from {agency.name}",
            body=question.strip(),
        )
        record_event(actor=actor, verb=AuditVerb.CREATED, obj=request, details={"agency": agency.pk})
        reminders.sync_request(request)
        events.request_sent(request, actor=actor)
        created.append(request)
    touch_referral(referral)
    return created


def _checked_request(
    referral: Referral, case: Case | None, *, agency_ids: list[int], question: str, due_date: date | None
) -> tuple[list[Agency], date]:
    """The agencies asked and the due date (the partnership's working days from today by default), once
    everything about the request is valid; else every problem at once, before anything is written."""
    errors: dict[str, list[str]] = {}
    agencies = list(Agency.objects.filter(pk__in=agency_ids, is_active=True))
    if not agency_ids or len(agencies) != len(set(agency_ids)):
        errors["agencies"] = ["Choose one or more active agencies"]
    elif refusals := agreement_refusals(agencies, sent="information requests"):
        errors["agencies"] = refusals
    if not question.strip():
        errors["question"] = ["Enter what you are asking for"]
    today = timezone.localdate()
    if due_date is None:
        due_date = add_working_days(today, PartnershipSettings.current().information_request_working_days)
    elif due_date <= today:
        errors["due_date"] = ["The due date must be in the future"]
    if case is not None and case.status not in lifecycle.REQUESTS_ALLOWED:
        errors["case"] = [f"Information cannot be requested for a case that is {case.get_status_display().lower()}"]
    if case is None and referral.status not in UNDECIDED:
        errors["referral"] = ["Information can be requested in screening only until the referral is decided"]
    if errors:
        raise ValidationError(errors)
    return agencies, due_date


def _requested_about(actor: User, *, case_id: int | None, referral_id: int | None) -> tuple[Referral, Case | None]:
    """The locked referral (and case) a request is about, once the actor may ask about it."""
    if case_id is not None:
        case = _locked_case(case_id)
        permissions.require(actor, Capability.REQUEST_INFORMATION, case)
        return case.referral, case
    if referral_id is None:
        raise ValidationError({"referral": ["Say what the request is about"]})
    referral = locked_referral(referral_id)
    referral_permissions.require(actor, referral_permissions.Capability.SCREEN, referral)
    if referral_permissions.case_of(referral) is not None:  # a case is asked about as a case
        return _requested_about(actor, case_id=referral.pk, referral_id=None)
    return referral, None


def _locked_request(request_id: int) -> InformationRequest:
    return locked_row(InformationRequest, request_id, "referral", "agency")  # its case, if any, when asked


@transaction.atomic
def assign_request(*, actor: User, request_id: int, assignee: User) -> InformationRequest:
    request = _locked_request(request_id)
    permissions.require(actor, Capability.ASSIGN_REQUEST, request)
    check_request_transition(request, RequestStatus.ASSIGNED, doing="assigned")
    if assignee.agency_id != request.agency_id or not assignee.is_active or not policy.is_case_worker(assignee):
        raise ValidationError({"assignee": ["Choose an active case worker in your agency"]})
    changes = {"assigned_to": assignee, "status": RequestStatus.ASSIGNED}
    save_change(request, changes, actor=actor, verb=AuditVerb.CHANGED, details={"assigned_to": assignee.pk})
    reminders.sync_request(request)
    events.request_assigned(request, actor=actor)
    return request


@transaction.atomic
def return_contribution(
    *,
    actor: User,
    request_id: int,
    text: str,
    classification: int,
    releasable_summary: str = "",
    documents: list[UploadedFile[bytes]] | None = None,
) -> ChronologyEntry:
    """An agency's answer: text and documents, classified; above Baseline it needs a releasable summary."""
    request = _locked_request(request_id)
    permissions.require(actor, Capability.CONTRIBUTE, request)
    if request.status not in lifecycle.REQUEST_OPEN:
        raise InvalidTransition(f"This request is already {request.get_status_display().lower()}.")
    rank, checked = _checked_contribution(
        actor, text=text, classification=classification, releasable_summary=releasable_summary, documents=documents
    )
    entry = add_entry(
        actor=actor,
        referral=request.referral,
        entry_type=EntryType.CONTRIBUTION,
        title=f"Contribution from {request.agency.name}",
        body=text.strip(),
        classification=rank,
        releasable_summary=releasable_summary.strip() if rank > 1 else "",
    )
    Contribution.objects.create(entry=entry, information_request=request)
    events.contribution_returned(entry, actor=actor)
    _save_contribution_documents(actor, entry, request, checked)
    request.status = RequestStatus.RETURNED
    request.returned_at = timezone.now()
    request.save(update_fields=["status", "returned_at", "updated_at"])
    reminders.sync_request(request)
    touch_referral(request.referral)
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=entry, details={"request": request.pk})
    return entry


def _save_contribution_documents(
    actor: User, entry: ChronologyEntry, request: InformationRequest, checked: list[tuple[UploadedFile[bytes], str]]
) -> None:
    """Each checked document under the name of its sniffed type (``stored_document_name``), each upload audited."""
    for upload, mime in checked:
        document = EntryDocument(
            entry=entry,
            file=upload,
            original_name=stored_document_name(upload.name, mime),
            content_type=mime,
            size=upload.size or 0,
        )
        document.save()
        record_event(
            actor=actor,
            verb=AuditVerb.UPLOADED,
            obj=document,
            details={"entry": entry.pk, "request": request.pk, "content_type": mime, "size": document.size},
        )


def _checked_contribution(
    actor: User,
    *,
    text: str,
    classification: int,
    releasable_summary: str,
    documents: list[UploadedFile[bytes]] | None,
) -> tuple[int, list[tuple[UploadedFile[bytes], str]]]:
    """Every problem with a contribution at once: its rank and each document with its checked type, or errors."""
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
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.setdefault("documents", []).extend(exc.message_dict.get("file", []))
    if errors:
        raise ValidationError(errors)
    return rank, checked


@transaction.atomic
def chase_request(*, actor: User, request_id: int) -> InformationRequest:
    request = _locked_request(request_id)
    permissions.require(actor, Capability.CHASE_REQUEST, request)
    if request.status not in lifecycle.REQUEST_OPEN:
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be chased.")
    changes = {"chase_count": request.chase_count + 1, "last_chased_at": timezone.now()}
    save_change(request, changes, actor=actor, verb=AuditVerb.CHANGED, details={"chased": changes["chase_count"]})
    return request


@transaction.atomic
def extend_request(*, actor: User, request_id: int, due_date: date, reason: str = "") -> InformationRequest:
    request = _locked_request(request_id)
    permissions.require(actor, Capability.EXTEND_REQUEST, request)
    if request.status not in lifecycle.REQUEST_OPEN:
        raise InvalidTransition(f"A request that is {request.get_status_display().lower()} cannot be extended.")
    if due_date <= request.due_date:
        raise ValidationError({"due_date": ["The new due date must be later than the current one"]})
    details = {"due_date": due_date.isoformat(), "was": request.due_date.isoformat()}
    save_change(request, {"due_date": due_date}, actor=actor, verb=AuditVerb.CHANGED, reason=reason, details=details)
    reminders.sync_request(request)
    return request


@transaction.atomic
def close_request(*, actor: User, request_id: int, reason: str = "") -> InformationRequest:
    """Closing ends the request; the agency keeps access to the case for the case's life (DESIGN.md rule 5)."""
    request = _locked_request(request_id)
    permissions.require(actor, Capability.CLOSE_REQUEST, request)
    check_request_transition(request, RequestStatus.CLOSED, doing="closed")
    _close_request(actor=actor, request=request, reason=reason)
    return request


@transaction.atomic
def add_case_note(
    *, actor: User, referral_id: int, text: str, classification: int, originator_only: bool = False
) -> ChronologyEntry:
    """A note by any agency with access, with its own classification."""
    referral = locked_referral(referral_id)
    permissions.require(actor, Capability.ADD_CASE_NOTE, referral)
    if referral.is_draft:
        raise InvalidTransition("Notes can only be added to submitted referrals.")
    return add_note(
        actor=actor,
        referral=referral,
        entry_type=EntryType.CASE_NOTE,
        title="Case note",
        text=text,
        classification=classification,
        originator_only=originator_only,
    )


@transaction.atomic
def mark_significant(*, actor: User, entry_id: int, significant: bool) -> ChronologyEntry:
    """Only the case's owner and its panel's chair mark what matters; an entry they do not read in full
    is the same 404 as a missing one."""
    entry = locked_row(ChronologyEntry, entry_id, "referral")
    permissions.require(actor, Capability.MARK_SIGNIFICANT, entry)
    changes = {"significant": significant}
    return save_change(entry, changes, actor=actor, verb=AuditVerb.CHANGED, details=changes)
