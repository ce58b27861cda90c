"""Error pages: GOV.UK pages for people, JSON for the API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader


def _respond(
    request: HttpRequest, template: str, status: int, detail: str, context: dict[str, str] | None = None
) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    body: str
    try:
        body = loader.render_to_string(template, context, request=request)
    except Exception:  # the error page itself must never fail
        body = f"<h1>{detail}</h1>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, "400.html", 400, "Bad request.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A refusal says why when a service said ("Break-glass gives reading only."): it is only ever
    raised about a record the person may read (what they may not read is a 404)."""
    detail = getattr(exception, "message", "") or "You do not have permission to do this."
    return _respond(request, "403.html", 403, detail, {"detail": getattr(exception, "message", "")})


def conflict(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A stale edit or a change no longer allowed from the record's state, with the service's message."""
    detail = getattr(exception, "message", "") or "Someone changed this record since you opened it."
    return _respond(request, "409.html", 409, detail, {"detail": detail})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _respond(request, "404.html", 404, "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, "500.html", 500, "Sorry, there is a problem with the service.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The service's own page for a failed CSRF check (Django's default uses inline styles our CSP blocks)."""
    return _respond(request, "403_csrf.html", 403, "The form could not be sent: reload the page and try again.")
