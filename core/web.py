"""Web glue shared by every app's pages: the one mapping of domain errors to pages, form status
codes, safe return addresses, and serving policy-checked documents."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from core import views as core_views
from core.errors import NotFound, ValidationError


def not_found_is_404(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    return wrapped


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


def domain_errors(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """NotFound is a 404; a ValidationError nobody expected (a hand-made URL) is a 400, never a 500."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationError:
            return core_views.bad_request(request)

    return wrapped


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
