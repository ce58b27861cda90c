"""The panel pages' own glue on top of ``core.web``: views that open their meeting or case before
they run, and the answer to a form posted from a page with several forms."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_http_methods

from cases import selectors as case_selectors
from core.web import handle_form, refusal_to
from panels import selectors
from partnership.web import SignedInRequest

GET_POST = require_http_methods(["GET", "POST"])
View = Callable[..., HttpResponseBase]
Decorator = Callable[[View], View]


def _opening(param: str, access: Callable[[Any, int], Any]) -> Callable[[Decorator], Decorator]:
    """Views about one record: signed in, by the HTTP method decorator given, with the record whose id
    the URL names ``param`` opened for the viewer by ``access`` (``NotFound`` when it is missing or
    not theirs) and handed to the view in place of its id."""

    def by(method: Decorator) -> Decorator:
        def decorate(view: View) -> View:
            @login_required
            @method
            @wraps(view)
            def opened(request: SignedInRequest, **kwargs: Any) -> HttpResponseBase:
                return view(request, access(request.user, kwargs.pop(param)), **kwargs)

            return opened

        return decorate

    return by


meeting_view = _opening("meeting_id", lambda viewer, pk: selectors.access_meeting(viewer=viewer, meeting_id=pk))
# The case's read is not audited here: the page audits its own read, a service its write.
case_view = _opening("case_id", lambda viewer, pk: case_selectors.access_case(viewer=viewer, case_id=pk, audit=False))


def posted_from(
    request: SignedInRequest,
    form: Form,
    page: Callable[..., HttpResponse],
    *,
    action: Callable[[], Any],
    success: Callable[[Any], HttpResponseBase],
    refused_to: str | None = None,
) -> HttpResponseBase:
    """A form posted from a page with several forms (``pages.render_meeting``, ``render_item`` or
    ``render_case``, given its subject): an invalid one is shown there again, bound under its prefix;
    a refusal it cannot show is a banner on the page at ``refused_to`` (without one, the 409 page)."""
    bound = {form.prefix: form} if form.prefix else {}
    return handle_form(
        request,
        form,
        action=action,
        success=success,
        refused=refusal_to(request, refused_to) if refused_to else None,
        render=lambda status: page(bound=bound, status=status),
    )
