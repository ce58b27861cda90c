from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.audit import Origin, reset_origin, set_origin


class AuditContextMiddleware:
    """Make "from where" available to the audit trail without passing requests to services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_origin(Origin(ip_address=request.META.get("REMOTE_ADDR")))
        try:
            return self.get_response(request)
        finally:
            reset_origin(token)
