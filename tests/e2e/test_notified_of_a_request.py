"""A SPOC hears of a new information request within one sweep (issue 11 acceptance), in the browser.

A police case worker who chairs the panel asks health for what it knows; after one run of the sweep, health's
single point of contact finds the request in their notifications (the header counts it), opens it and
lands on the request; housing, which was not asked, hears nothing. axe-core finds no serious or critical
violation on either page, and the browser reports no CSP or console errors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.events import REQUEST_RECEIVED
from core import notifications
from core.models import Notification
from partnership.models import AgencyKind, Panel, Role
from tests.e2e.browser import assert_accessible, banner, heading, sign_in
from tests.partnership.factories import AgencyFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.referrals.factories import submitted_referral
from tests.world import refer_to_panel

pytestmark = pytest.mark.e2e


def test_a_spoc_sees_a_new_request_in_their_notifications_after_one_sweep(page: Any, live_server: Any) -> None:
    police = PoliceAgencyFactory(name="Northshire Police")
    council = AgencyFactory(name="Northshire Council", kind=AgencyKind.CHILDRENS_SERVICES)
    school = AgencyFactory(name="Northtown High")
    health = AgencyFactory(name="Northshire Health", kind=AgencyKind.HEALTH)
    housing = AgencyFactory(name="Northshire Housing", kind=AgencyKind.HOUSING)
    officer = UserFactory(agency=police, clearance=clearance(3), roles=[Role.SCREENING_OFFICER])
    # The police case worker chairs the panel (so manages its cases); the council's practitioner owns the case.
    worker = UserFactory(agency=police, clearance=clearance(2), roles=[Role.PANEL_CHAIR, Role.PRACTITIONER])
    owner = UserFactory(agency=council, clearance=clearance(2), roles=[Role.PRACTITIONER])
    teacher = UserFactory(agency=school, clearance=clearance(1), roles=[Role.PRACTITIONER])
    health_spoc = UserFactory(agency=health, clearance=clearance(2), roles=[Role.SPOC])
    housing_spoc = UserFactory(agency=housing, clearance=clearance(2), roles=[Role.SPOC])
    panel = Panel.objects.create(
        name="Northshire Channel Panel", chair=worker, first_meeting_at=timezone.now() + dt.timedelta(days=10)
    )
    referral = submitted_referral(teacher, given_name="Jordan", family_name="Testperson")
    case = refer_to_panel(referral, officer=officer, panel=panel, owner=owner)
    notifications.send_due_reminders()  # the officer's news of the referral, out of the way

    # --- The police case worker asks health. ---------------------------------------------------------------
    sign_in(page, worker)
    page.goto(reverse("cases:case", args=[case.pk]))
    expect(heading(page)).to_have_text("Jordan Testperson")
    asking = page.get_by_role("group", name="Which agencies are you asking?")
    asking.get_by_label("Northshire Health", exact=True).check()
    page.get_by_label("What do you need to know?").fill("Any contact with Jordan in the last two years?")
    page.get_by_role("button", name="Send the requests").click()
    expect(banner(page)).to_contain_text("Information has been requested from Northshire Health")
    page.get_by_role("button", name="Sign out").click()

    # --- One sweep (beat runs it every minute). -----------------------------------------------------------------
    report = notifications.send_due_reminders()
    assert report.sent == 1
    assert list(Notification.objects.filter(kind=REQUEST_RECEIVED).values_list("recipient_id", flat=True)) == [
        health_spoc.pk
    ]
    assert not Notification.objects.filter(recipient__in=[housing_spoc, worker], kind=REQUEST_RECEIVED).exists()

    # --- Health's SPOC finds it in their notifications and opens it. -------------------------------------------
    sign_in(page, health_spoc)
    notifications_link = page.get_by_role("link", name="Notifications")
    expect(notifications_link).to_contain_text("1 unread")
    notifications_link.click()
    expect(heading(page)).to_have_text("Notifications")
    headline = f"Your agency was asked for information about {case.reference} on"
    expect(page.get_by_role("heading", level=2).filter(has_text=headline)).to_be_visible()
    expect(page.get_by_text("Testperson")).to_have_count(0)  # no personal details in a notification
    assert_accessible(page, "notifications with a new request")
    page.get_by_role("button", name="Open").click()
    expect(heading(page)).to_have_text("Information request to Northshire Health")
    assert_accessible(page, "the request, opened from its notification")
