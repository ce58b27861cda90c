"""The panel pages' own glue on top of ``core.web``: views that open their meeting or case before
they run (``core.web.record_view``: ``@meeting_view("POST")``), and the answer to a form posted from
a page with several forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms import Form
from django.http import HttpResponse
from django.http.response import HttpResponseBase

from cases import selectors as case_selectors
from core.web import handle_form, record_view, refusal_to
from panels import selectors
from partnership.web import SignedInRequest

meeting_view = record_view("meeting_id", lambda viewer, pk: selectors.access_meeting(viewer=viewer, meeting_id=pk))
# The case's read is not audited here: the page audits its own read, a service its write.
case_view = record_view(
    "case_id", lambda viewer, pk: case_selectors.access_case(viewer=viewer, case_id=pk, audit=False)
)


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
