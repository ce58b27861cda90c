"""Web glue shared by every app's pages: signed-in views and views of one record (``signed_in``,
``record_view``), the one form dance (``handle_form``) and button dance (``handle_action``), form
status codes, safe return addresses, and serving policy-checked documents.

Domain errors a view does not handle itself are mapped once, by ``core.middleware.DomainErrorMiddleware``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from core.errors import ConflictError, DomainError, InvalidTransition, ValidationError
from core.forms import apply_service_errors

T = TypeVar("T")
View = Callable[..., HttpResponseBase]


def signed_in(*methods: str) -> Callable[[View], View]:
    """A page for someone signed in (else the sign-in page) that answers ``methods`` only (else 405)."""

    def decorate(view: View) -> View:
        return login_required(require_http_methods(list(methods))(view))

    return decorate


def record_view(param: str, access: Callable[[Any, int], Any]) -> Callable[..., Callable[[View], View]]:
    """Pages about one record: ``record_view("case_id", open_case)("POST")`` is ``signed_in("POST")``,
    and the view gets the record its URL's ``param`` names, opened for the viewer by
    ``access(viewer, id)`` (the selector's ``NotFound`` when it is missing or not theirs), in place of the id."""

    def answering(*methods: str) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            @wraps(view)
            def opened(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                return view(request, access(request.user, kwargs.pop(param)), *args, **kwargs)

            return signed_in(*methods)(opened)

        return decorate

    return answering


def handle_form(
    request: HttpRequest,
    form: forms.Form,
    *,
    action: Callable[[], T],
    success: Callable[[T], HttpResponseBase],
    render: Callable[[int], HttpResponseBase],
    conflict: Callable[[ConflictError], HttpResponseBase | None] | None = None,
    refused: Callable[[Any], HttpResponseBase | None] | None = None,
    refusals: tuple[type[Exception], ...] = (InvalidTransition,),
) -> HttpResponseBase:
    """The one dance of a page with a form: validate, call one service, answer.

    On GET, ``render(200)`` shows the page. On POST, a valid form calls ``action`` (one service,
    or a selector) and hands its result to ``success`` (usually: flash a message, redirect). A
    ``ValidationError`` from the service lands on the form, and the page is shown again with 400
    (as is an invalid form). A ``ConflictError`` (a stale edit) goes to ``conflict``, which puts
    the stale-edit message on the form (``form.show_conflict``) and may answer itself; otherwise
    the page is shown again with 409. One of ``refusals`` (by default ``InvalidTransition``) goes
    to ``refused`` in the same way. Without the hook, the error reaches the 409 page of
    ``DomainErrorMiddleware``.
    """
    if request.method != "POST" or not form.is_valid():
        return render(form_status(form))
    try:
        result = action()
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return render(form_status(form))
    except ConflictError as exc:
        if conflict is None:
            raise
        answer = conflict(exc)
    except refusals as exc:
        if refused is None:
            raise
        answer = refused(exc)
    else:
        return success(result)
    return answer if answer is not None else render(409)


def handle_action(
    request: HttpRequest,
    *,
    action: Callable[[], T],
    done: Callable[[T], str],
    then: str,
    refusals: tuple[type[Exception], ...] = (InvalidTransition,),
) -> HttpResponseBase:
    """The one dance of a button: call one service, flash what happened or why it could not, go to ``then``."""
    try:
        result = action()
    except refusals as exc:
        return redirect_with_refusal(request, exc, then)
    return redirect_with_success(request, done(result), then)


def refusal_message(exc: Exception) -> str:
    """What a service said when it refused, for a flash message."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def redirect_with_success(request: HttpRequest, message: str, to: str) -> HttpResponseBase:
    """What a done form or button says on the page it leads to."""
    messages.success(request, message)
    return redirect(to)


def redirect_with_refusal(request: HttpRequest, exc: Exception, to: str) -> HttpResponseBase:
    """A refusal the page cannot show on its form: say why on the page it leads to."""
    messages.error(request, refusal_message(exc))
    return redirect(to)


def success_to(request: HttpRequest, message: str, to: str) -> Callable[[Any], HttpResponseBase]:
    """A ``success`` for ``handle_form`` whose message does not depend on what the service returned."""
    return lambda _done: redirect_with_success(request, message, to)


def refusal_to(request: HttpRequest, to: str) -> Callable[[Exception], HttpResponseBase]:
    """A ``refused`` for ``handle_form``: say why on the page at ``to``."""
    return lambda refusal: redirect_with_refusal(request, refusal, to)


def form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> Callable[[int], HttpResponseBase]:
    """A ``render`` for ``handle_form``: the template with ``context`` (already built), at the status it is given."""
    return lambda status: render(request, template, context, status=status)


def form_status(form: Any, ok: int = 200) -> int:
    return 400 if form.errors else ok


def stored_file_response(record: Any) -> FileResponse:
    """Serve a document the policy already allowed: as a download, never sniffed or cached."""
    try:
        handle = record.file.open("rb")
    except OSError as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(handle, as_attachment=True, filename=record.original_name, content_type=record.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def optional_url(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def url_for_id(name: str) -> Callable[[int], str]:
    """``reverse`` once for a URL that takes one id, then format it (a 500-entry page needs 500 of them)."""
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(int(pk)))


def safe_return(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/referrals/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def first_form_with_errors(*candidates: Any) -> Any:
    """The form whose errors a page with several forms shows in its error summary."""
    return next((form for form in candidates if form is not None and form.errors), None)
