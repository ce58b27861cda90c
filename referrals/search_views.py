"""The search page, which the header's search box posts to: references, names, dates of birth, postcodes.

By POST only, so nothing personal ends up in a URL, a log or the browser history. It shows the matches
the viewer may read; a record they may not read is never among them nor counted (``referrals.search``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.web import handle_form
from partnership.web import SignedInRequest
from referrals import forms
from referrals.search import Outcome, search


@login_required
@require_http_methods(["GET", "POST"])
def search_page(request: SignedInRequest) -> HttpResponseBase:
    form = forms.SearchForm(request.POST or None)

    def page(outcome: Outcome | None, status: int = 200) -> HttpResponse:
        return render(request, "referrals/referral_search.html", {"form": form, "outcome": outcome}, status=status)

    return handle_form(
        request,
        form,
        action=lambda: search(viewer=request.user, query=form.cleaned_data["query"]),
        success=page,
        render=lambda status: page(None, status),
    )
