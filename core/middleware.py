from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from core import errors
from core import views as core_views


class NoStoreForAuthenticatedMiddleware:
    """Pages and API answers for a signed-in user must never be cached anywhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            add_never_cache_headers(response)
        return response


class DomainErrorMiddleware:
    """The one mapping of domain errors a page view did not handle itself, for every app's pages.

    ``NotFound`` is the 404 page (the same for "missing" and "not yours"), a stray
    ``ValidationError`` (a hand-made URL or form) the 400 page, ``ConflictError`` and
    ``InvalidTransition`` the 409 page with their message. ``PermissionDenied`` is
    Django's own and becomes the 403 page. The API maps errors in ``core.api``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, errors.NotFound):
            return core_views.page_not_found(request, exception)
        if isinstance(exception, DjangoValidationError):
            return core_views.bad_request(request, exception)
        if isinstance(exception, errors.ConflictError | errors.InvalidTransition):
            return core_views.conflict(request, exception)
        return None
