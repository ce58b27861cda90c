"""The screening pages that reach into cases: information requests sent during screening, and the
decision (which opens a case when it refers to the panel) as three pages: the decision, "check your
answers" and the confirmation with the screening clock and what happens next.

The decision's answers wait in the session between the decision page and "check your answers":
nothing is written until the screener records it there. The task list and the other tasks are
``referrals.views``; every page here is for the screening officers ``access_for_screening`` lets in.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases import forms, pages, selectors, services
from cases.screening_pages import check_rows, confirmation_context
from core.errors import ConflictError, check_version
from core.web import handle_form, redirect_with_success
from partnership.web import SignedInRequest
from referrals import pages as referral_pages
from referrals import selectors as referral_selectors
from referrals.lifecycle import UNDECIDED
from referrals.models import Referral

ALREADY_DECIDED = "Someone changed this referral since you opened it: it has already been decided."


def _session_key(referral: Referral) -> str:
    return f"screening-decision:{referral.pk}"


def _open_undecided(request: SignedInRequest, referral_id: int) -> tuple[Referral, HttpResponseBase | None]:
    """The referral, for its screening officers; once decided, the task list says so instead."""
    referral = referral_selectors.access_for_screening(viewer=request.user, referral_id=referral_id)
    if referral.status in UNDECIDED:
        return referral, None
    messages.error(request, ALREADY_DECIDED)
    return referral, redirect(referral_pages.screening_url(referral.pk))


def _url(name: str, referral: Referral) -> str:
    return reverse(f"cases:{name}", args=[referral.pk])


# --- Information requests during screening -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def screening_requests(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    referral, decided = _open_undecided(request, referral_id)
    if decided:
        return decided
    form = forms.RequestInformationForm(request.POST or None, default_due=pages.default_due_date(), about="referral")
    here = _url("screening_requests", referral)

    def page(status: int) -> HttpResponse:
        context = {
            "referral": referral,
            "form": form,
            "requests": selectors.requests_in_screening(viewer=request.user, referral=referral),
            "back_url": referral_pages.screening_url(referral.pk),
        }
        return render(request, "cases/screening_requests.html", context, status=status)

    return handle_form(
        request,
        form,
        action=lambda: services.request_information(actor=request.user, referral_id=referral.pk, **form.request()),
        success=lambda created: redirect_with_success(request, pages.requested(created), here),
        render=page,
    )


# --- The decision, checked, then recorded ----------------------------------------------------------------


def _decision_page(request: SignedInRequest, referral: Referral, form: forms.ScreeningDecisionForm, status: int) -> Any:
    context = {"referral": referral, "form": form, "back_url": referral_pages.screening_url(referral.pk)}
    return render(request, "cases/screening_decision.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def screening_decision(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    """The decision, every error at once; a valid one waits in the session for "check your answers".
    A "Change" link from there comes back with the answers given."""
    referral, decided = _open_undecided(request, referral_id)
    if decided:
        return decided
    data = request.POST if request.method == "POST" else request.session.get(_session_key(referral))
    form = forms.ScreeningDecisionForm(data, referral=referral)

    def keep(_: None) -> HttpResponseBase:
        request.session[_session_key(referral)] = {k: v for k, v in request.POST.items() if k.startswith("decision-")}
        return redirect(_url("screening_check", referral))

    def stale(exc: ConflictError) -> None:
        form.show_conflict(exc.message, referral.version)

    return handle_form(
        request,
        form,
        action=lambda: check_version(referral.version, form.cleaned_data["version"], "referral"),
        success=keep,
        render=lambda status: _decision_page(request, referral, form, status),
        conflict=stale,
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_check(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    """The answers with "Change" links, then the decision is recorded (one service: ``screen_referral``)."""
    referral = referral_selectors.access_for_screening(viewer=request.user, referral_id=referral_id)
    if referral.status not in UNDECIDED:  # recorded already (a second click): what happened
        return redirect(_url("screening_confirmation", referral))
    stored = request.session.get(_session_key(referral))
    if not stored:
        return redirect(_url("screening_decision", referral))
    form = forms.ScreeningDecisionForm(stored, referral=referral)

    def recorded(_: Referral) -> HttpResponseBase:
        request.session.pop(_session_key(referral), None)
        return redirect(_url("screening_confirmation", referral))

    def stale(exc: ConflictError) -> None:
        current = referral_selectors.access_for_screening(viewer=request.user, referral_id=referral_id)
        form.show_conflict(exc.message, current.version)

    def page(status: int) -> HttpResponseBase:
        if form.errors:  # back to the question, with what was given and why it cannot be recorded
            return _decision_page(request, referral, form, status)
        context = {"referral": referral, "rows": check_rows(form), "back_url": _url("screening_decision", referral)}
        return render(request, "cases/screening_check.html", context, status=status)

    return handle_form(
        request,
        form,
        action=lambda: services.screen_referral(actor=request.user, referral_id=referral.pk, **form.answers()),
        success=recorded,
        render=page,
        conflict=stale,
    )


@login_required
@require_GET
def screening_confirmation(request: SignedInRequest, referral_id: int) -> HttpResponseBase:
    """What was decided, how the screening clock went, and what happens next."""
    referral = referral_selectors.access_for_screening(viewer=request.user, referral_id=referral_id)
    if referral.status in UNDECIDED:
        return redirect(referral_pages.screening_url(referral.pk))
    context = confirmation_context(request.user, referral)
    return render(request, "cases/screening_confirmation.html", context)
