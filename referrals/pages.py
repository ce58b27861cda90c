"""What the referral pages show: the journey's addresses and each template's context, built from
selectors, forms and the lifecycle, so the views only open, validate, call and answer."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from core.working_days import format_moment, london_date, working_days_between
from partnership.models import User
from referrals import forms, intake_forms, permissions, selectors, services
from referrals.check_answers import answer_sections
from referrals.chronology_rows import entry_rows
from referrals.intake_forms import ATTACHMENTS_STEP, CHECK_STEP, FIELD_STEPS, StepForm, field_anchor
from referrals.lifecycle import UNDECIDED
from referrals.models import EntryType, Referral

PAGE_SIZE = 20  # a page of the caseload and of the case list


# --- The intake journey ----------------------------------------------------------------------------


def step_url(referral_id: int, step: str, *, returning: bool = False, anchor: str = "") -> str:
    """A page of the journey; ``returning`` pages go back to "check your answers" when saved."""
    if step == CHECK_STEP:
        url = reverse("referrals:check_answers", args=[referral_id])
    elif step == ATTACHMENTS_STEP:
        url = reverse("referrals:draft_attachments", args=[referral_id])
    else:
        url = reverse("referrals:draft_step", args=[referral_id, step])
    if returning and step != CHECK_STEP:
        url += "?return=check"
    return f"{url}#{anchor}" if anchor else url


def first_unanswered_step(referral: Referral) -> str:
    """Where to resume a draft: the first page with a missing answer, else "check your answers"."""
    missing = services.missing_answers(referral)
    for step in intake_forms.steps_for(referral):
        if any(FIELD_STEPS.get(name) == step for name in missing):
            return step
    return CHECK_STEP


def draft_step_context(referral: Referral, form: StepForm, step: str, *, returning: bool) -> dict[str, Any]:
    previous = intake_forms.previous_step(referral, step)
    if returning:
        back_url = step_url(referral.pk, CHECK_STEP)
    elif previous:
        back_url = step_url(referral.pk, previous)
    else:
        back_url = reverse("referrals:mine")
    return {
        "referral": referral,
        "form": form,
        "step": step,
        "step_title": form.title,
        "step_template": f"referrals/_draft_{step.replace('-', '_')}.html",
        "returning": returning,
        "back_url": back_url,
    }


def attachments_context(
    viewer: User, referral: Referral, form: intake_forms.AttachmentForm, *, returning: bool
) -> dict[str, Any]:
    contents = selectors.referral_contents(viewer=viewer, referral=referral)
    previous = intake_forms.previous_step(referral, ATTACHMENTS_STEP)
    return {
        "referral": referral,
        "form": form,
        "attachments": contents.attachments,
        "levels": forms.clearance_names(),
        "returning": returning,
        "continue_url": step_url(referral.pk, CHECK_STEP),
        "back_url": step_url(referral.pk, CHECK_STEP if returning else previous or CHECK_STEP),
    }


def check_answers_context(
    viewer: User, referral: Referral, *, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The answers with change links; ``errors`` (from a refused submit) as an error summary."""
    contents = selectors.referral_contents(viewer=viewer, referral=referral)
    missing = {**services.missing_answers(referral), **(errors or {})}

    def change_url(step: str, name: str) -> str:
        return step_url(referral.pk, step, returning=True, anchor=field_anchor(name))

    sections = answer_sections(
        referral,
        identifiers=referral.subject.identifiers.all(),
        attachments=contents.attachments,
        levels=forms.clearance_names(),
        missing=missing,
        change_url=change_url,
    )
    error_links = [
        {"text": message, "href": change_url(FIELD_STEPS.get(name, CHECK_STEP), name)}
        for name, messages_ in (errors or {}).items()
        for message in messages_
    ]
    return {
        "referral": referral,
        "sections": sections,
        "errors": error_links,
        "missing": missing,
        "back_url": step_url(referral.pk, ATTACHMENTS_STEP),
    }


def confirmation_context(viewer: User, referral: Referral) -> dict[str, Any]:
    """ "Referral sent": the reference, when screening is due (its clock, in working days) and likely matches."""
    due, sent = referral.screening_due_at, referral.submitted_at
    days = working_days_between(london_date(sent), london_date(due)) if due and sent else None
    return {
        "referral": referral,
        "matches": selectors.possible_matches(viewer=viewer, referral=referral),
        "screening_due": format_moment(due, show_time=False),
        "screening_days": days,
    }


# --- One referral ----------------------------------------------------------------------------------


def detail_context(viewer: User, referral: Referral) -> dict[str, Any]:
    """The referral page, for a referral read by ``selectors.access_referral_page`` (its case, the
    viewer's break-glass and the name of its classification came with it)."""
    contents = selectors.referral_contents(viewer=viewer, referral=referral)
    can_share = permissions.can_share(viewer, referral)
    name = referral.classification_name  # type: ignore[attr-defined]
    levels = {referral.classification: name} if name else {}
    sections = answer_sections(
        referral,
        identifiers=referral.subject.identifiers.all(),
        attachments=(),
        levels=levels,
        empty_text="Not given",
    )
    return {
        "referral": referral,
        "sections": sections[:-1],
        "contents": contents,
        "can_share": can_share,
        "can_revoke": permissions.can_revoke_share(viewer, referral),
        "shares": selectors.shares_for(viewer=viewer, referral=referral) if can_share else [],
        "break_glass_until": referral.break_glass_until,  # type: ignore[attr-defined]
        "can_screen": referral.status in UNDECIDED and permissions.can_screen(viewer, referral),
        "now": timezone.now(),
    }


# --- Screening -------------------------------------------------------------------------------------


QUEUE_PAGE_SIZE = 50


def screening_queue_context(viewer: User, form: forms.ScreeningQueueFilterForm, page: int) -> dict[str, Any]:
    """Most urgent and oldest first (or as sorted), filtered, a page at a time, each with its statutory
    clock (London working days) and RAG rating. One more row than a page tells whether another follows."""
    filters = form.filters()
    offset = (page - 1) * QUEUE_PAGE_SIZE
    fetched = selectors.screening_queue(viewer=viewer, limit=QUEUE_PAGE_SIZE + 1, offset=offset, **filters)
    referrals = fetched[:QUEUE_PAGE_SIZE]
    now = timezone.now()
    rows = [{"referral": r, "clock": selectors.screening_clock(r, now=now)} for r in referrals]
    overdue = sum(1 for r in referrals if r.screening_due_at and r.screening_due_at < now)
    kept = {name: value for name, value in filters.items() if value}

    def page_url(number: int) -> str:
        return "?" + urlencode({**kept, "page": number})

    return {
        "form": form,
        "referrals": referrals,
        "rows": rows,
        "overdue": overdue,
        "filtered": bool(kept),
        "previous_url": page_url(page - 1) if page > 1 else "",
        "next_url": page_url(page + 1) if len(fetched) > QUEUE_PAGE_SIZE else "",
    }


def screening_url(referral_id: int, anchor: str = "") -> str:
    """The screening task list of a referral."""
    url = reverse("referrals:screening", args=[referral_id])
    return f"{url}#{anchor}" if anchor else url


@dataclass(frozen=True)
class ScreeningTask:
    """One row of the screening task list: what to do, where, and how far it has got (GOV.UK task list)."""

    key: str
    name: str
    url: str
    status: str
    done: bool = False  # the status is plain text ("Completed"); otherwise a blue tag
    hint: str = ""


def _count(count: int, one: str) -> str:
    return f"{count} {one}{'' if count == 1 else 's'}"


REQUIRED_TASKS = ("deconfliction", "rag", "decision")


def screening_tasks(referral: Referral, kinds: Counter[str]) -> list[ScreeningTask]:
    """The task list, from what the screening officer may read of the record (``kinds``: how many
    chronology entries of each type, ``selectors.entry_kinds``): deconfliction, notes, the RAG rating,
    information requests (kept by the cases app, which writes each one to the chronology) and the decision."""
    pk = referral.pk
    notes, asked, answered = (
        kinds[EntryType.SCREENING_NOTE],
        kinds[EntryType.INFORMATION_REQUEST],
        kinds[EntryType.CONTRIBUTION],
    )
    decided = referral.status not in UNDECIDED
    return [
        ScreeningTask(
            "deconfliction",
            "Check for duplicates and deconfliction",
            reverse("referrals:screening_deconfliction", args=[pk]),
            "Completed" if kinds[EntryType.DECONFLICTION] else "Not yet started",
            done=bool(kinds[EntryType.DECONFLICTION]),
            hint="Likely duplicates and what police and partner systems hold.",
        ),
        ScreeningTask(
            "notes",
            "Screening notes",
            reverse("referrals:screening_notes", args=[pk]),
            _count(notes, "note") if notes else "Optional",
            done=True,
            hint="What you found out and who you spoke to.",
        ),
        ScreeningTask(
            "rag",
            "RAG rating",
            reverse("referrals:screening_rag", args=[pk]),
            referral.get_rag_display() if referral.rag else "Not yet started",
            done=bool(referral.rag),
        ),
        ScreeningTask(
            "needs",
            "Needs and consent",
            reverse("referrals:screening_needs", args=[pk]),
            "Completed" if referral.consent_status_id else "Optional",
            done=True,
            hint="Mental-health and neurodiversity needs recorded, and consent, where known.",
        ),
        ScreeningTask(
            "requests",
            "Ask agencies for information",
            reverse("cases:screening_requests", args=[pk]),
            f"{_count(asked, 'request')} sent, {answered} answered" if asked else "Optional",
            done=True,
            hint="Before the decision, police lead the gathering of information.",
        ),
        ScreeningTask(
            "decision",
            "Check and record the decision",
            reverse("cases:screening_decision", args=[pk]),
            "Completed" if decided else "Not yet started",
            done=decided,
        ),
    ]


def screening_context(viewer: User, referral: Referral) -> dict[str, Any]:
    """The screening task list: the referral in brief, the clock, each task and its status."""
    tasks = screening_tasks(referral, selectors.entry_kinds(viewer=viewer, referral=referral))
    undecided = referral.status in UNDECIDED
    return {
        "referral": referral,
        "clock": selectors.screening_clock(referral),
        "undecided": undecided,
        "tasks": tasks if undecided else [],
        "completed": sum(1 for t in tasks if t.key in REQUIRED_TASKS and t.done),
        "required": len(REQUIRED_TASKS),
    }


def screening_task_context(
    viewer: User,
    referral: Referral,
    form: Any,
    *,
    entry_types: tuple[str, ...] = (),
    levels: dict[int, str] | None = None,
) -> dict[str, Any]:
    """One screening task's page: its form, and what has been recorded of it so far (``entry_types``,
    the read audited with them; ``levels``: the clearance names, if the page has them already);
    deconfliction shows the likely duplicates found when the referral was submitted."""
    context: dict[str, Any] = {"referral": referral, "form": form, "back_url": screening_url(referral.pk)}
    if EntryType.DECONFLICTION in entry_types:
        context["matches"] = selectors.possible_matches(viewer=viewer, referral=referral)
    if entry_types:
        chronology = selectors.chronology_for(viewer=viewer, referral=referral)
        items = [item for item in chronology.items if item.entry.entry_type in entry_types]
        names = forms.clearance_names() if levels is None else levels
        context["entry_rows"] = entry_rows(selectors.Chronology(items=items, withheld=0), names)
    return context
