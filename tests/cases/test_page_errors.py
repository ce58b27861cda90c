"""How case pages answer when a service refuses: a state that no longer allows the change,
a decision someone else already made, an export that does not exist.

DESIGN.md: every transition "is refused with a clear message when not allowed from the
current state"; a record the user may not see, or that does not exist, is a 404.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from cases import services as case_services
from cases.models import Case, InformationRequest, RequestStatus
from referrals.models import ChronologyEntry, EntryType, Referral, ReferralStatus
from tests.world import Partnership, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db: Any) -> Partnership:
    return Partnership()


def _banners(response: Any) -> str:
    """The text of the page's notification banners (where a refusal is said after a redirect)."""
    html = response.content.decode()
    found = re.findall(r'<div class="govuk-notification-banner__content">(.*?)</div>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(found))).strip()


def _decision(version: int) -> dict[str, Any]:
    return {"decision-version": version, "decision-decision": "no_further_action", "decision-rationale": "No concern"}


def test_a_decision_made_on_a_page_opened_before_someone_else_decided_is_refused(w: Partnership) -> None:
    referral = w.referral()
    stale_version = Referral.objects.get(pk=referral.pk).version
    case_services.screen_referral(
        actor=w.officer, referral_id=referral.pk, decision="signpost", signposted_to="mental_health", rationale="MH"
    )
    url = f"/referrals/{referral.pk}/screening/decision/"
    response = client_for(w.officer).post(url, _decision(stale_version))
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/screening/"
    page = client_for(w.officer).post(url, _decision(stale_version), follow=True)
    assert "already been decided" in _banners(page)
    # The first decision stands.
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SIGNPOSTED


def _closed_request(w: Partnership, **reason: str) -> tuple[Case, InformationRequest]:
    """A case, and the request the chair sent health about it and then closed."""
    case = w.case()
    [info_request] = w.ask(case, question="Known to you?")
    case_services.close_request(actor=w.chair, request_id=info_request.pk, **reason)
    return case, info_request


def test_a_closed_request_cannot_be_answered_or_extended_and_the_page_says_why(w: Partnership) -> None:
    case, info_request = _closed_request(w, reason="Not needed")
    base = f"/referrals/requests/{info_request.pk}"

    before = ChronologyEntry.objects.filter(referral=case.referral, entry_type=EntryType.CONTRIBUTION).count()
    response = client_for(w.health_spoc).post(
        f"{base}/contribution/",
        {"contribution-text": "We know them", "contribution-classification": "1"},
        follow=True,
    )
    assert response.redirect_chain == [(f"{base}/", 302)]
    assert "closed" in _banners(response)
    assert ChronologyEntry.objects.filter(referral=case.referral, entry_type=EntryType.CONTRIBUTION).count() == before
    assert InformationRequest.objects.get(pk=info_request.pk).status == RequestStatus.CLOSED

    later = info_request.due_date + dt.timedelta(days=14)
    response = client_for(w.chair).post(
        f"{base}/extend/",
        {"due_date_day": later.day, "due_date_month": later.month, "due_date_year": later.year},
        follow=True,
    )
    assert response.redirect_chain == [(f"/referrals/cases/{case.pk}/#requests", 302)]
    assert "closed" in _banners(response)
    assert InformationRequest.objects.get(pk=info_request.pk).due_date == info_request.due_date


def test_chasing_a_closed_request_is_refused_with_a_message(w: Partnership) -> None:
    case, info_request = _closed_request(w)
    response = client_for(w.chair).post(f"/referrals/requests/{info_request.pk}/chase/", follow=True)
    assert response.redirect_chain == [(f"/referrals/cases/{case.pk}/#requests", 302)]
    assert "closed" in _banners(response)
    assert InformationRequest.objects.get(pk=info_request.pk).chase_count == 0


@pytest.mark.parametrize("path", ["cases/{case}/chronology/export/xlsx/", "{case}/chronology/export/html/"])
def test_an_export_in_a_format_that_does_not_exist_is_a_404(w: Partnership, path: str) -> None:
    case = w.case()
    response = client_for(w.chair).get("/referrals/" + path.format(case=case.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/cases/999999/",
        "/referrals/cases/999999/chronology/",
        "/referrals/requests/999999/",
        "/referrals/999999/chronology/",
    ],
)
def test_a_missing_record_is_the_404_page(w: Partnership, path: str) -> None:
    response = client_for(w.chair).get(path)
    assert response.status_code == 404
    assert b"<html" in response.content.lower()  # the page, not a bare error
