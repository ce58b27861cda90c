"""A partnership admin configures the partnership in the service's own pages: invites someone (who
chooses a password and enrols two-factor through the emailed link), imports 50 people from a CSV file
with one bad row (nothing written, the row named) and then the fixed file, changes a panel's quorum,
and finds their own agency, clearance and roles out of their reach. Every page is checked with axe
and at 375 px."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from partnership.models import Panel, User
from tests.e2e.browser import assert_accessible, assert_checked, banner, heading, new_page, sign_in
from tests.world import Partnership, new_admin

pytestmark = pytest.mark.e2e

_checked = functools.partial(assert_checked, journey="admin-configuration")
NEW_PASSWORD = "a long and unusual passphrase 42"
IMPORTED = 50


def _csv(health: str, bad: bool) -> bytes:
    rows = ["username,first_name,last_name,email,agency,clearance_rank,roles"]
    for n in range(IMPORTED):
        agency = "Nowhere Trust" if bad and n == 26 else health
        rows.append(f"nurse{n},Nurse,Number {n},nurse{n}@health.example.org,{agency},1,practitioner")
    return ("\n".join(rows) + "\n").encode()


def test_an_admin_invites_imports_and_configures_a_panel(page: Any, live_server: Any, browser: Any) -> None:
    world = Partnership().join_panel()
    admin = new_admin()
    sign_in(page, admin)
    nav = page.locator(".govuk-service-navigation")
    expect(nav.get_by_role("link", name="Partnership configuration")).to_have_attribute("href", "/manage/")
    nav.get_by_role("link", name="Partnership configuration").click()
    expect(heading(page)).to_have_text("Partnership configuration")
    _checked(page, "configuration hub")

    # Invite someone.
    page.get_by_role("link", name="People", exact=True).click()
    _checked(page, "people")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a username")
    _checked(page, "invite with errors")
    page.get_by_label("Username").fill("jsmith")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Smith")
    page.get_by_label("Email address").fill("jsmith@health.example.org")
    page.get_by_label("Agency", exact=True).select_option(label="Health")
    page.get_by_label("Clearance level").select_option(label="Baseline")
    page.get_by_role("button", name="Send the invitation").click()
    expect(banner(page)).to_contain_text("Jo Smith saved")
    expect(page.locator("main")).to_contain_text("Has not chosen a password yet")
    _checked(page, "person")

    [message] = [m for m in mail.outbox if m.to == ["jsmith@health.example.org"]]
    link = re.search(r"https?://[^/\s]+(/account/invitation/\S+/)", message.body).group(1)  # type: ignore[union-attr]
    with new_page(browser, live_server) as invited:
        invited.goto(link)
        expect(heading(invited)).to_have_text("Choose your password")
        assert_accessible(invited, "choose your password")
        invited.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        invited.get_by_label("New password confirmation").fill(NEW_PASSWORD)
        invited.get_by_role("button", name="Save and continue").click()
        expect(heading(invited)).to_have_text("Set up two-factor authentication")
        device = TOTPDevice.objects.get(user__username="jsmith", confirmed=False)
        invited.get_by_label("Security code").fill(str(totp(device.bin_key)).zfill(6))
        invited.get_by_role("button", name="Continue").click()
        expect(heading(invited)).to_have_text("Save your recovery codes")
        invited.get_by_role("button", name="Continue").click()
        expect(heading(invited)).to_have_text("Your work")
    assert User.objects.get(username="jsmith").check_password(NEW_PASSWORD)

    # Import people: a bad row first (nothing written), then the fixed file.
    page.goto("/manage/people/import/")
    _checked(page, "import")
    upload = {"name": "people.csv", "mimeType": "text/csv"}
    page.get_by_label("CSV file").set_input_files({**upload, "buffer": _csv(world.health.name, bad=True)})
    page.get_by_role("button", name="Check the file").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("nothing has been imported")
    # The header is line 1, so nurse26 is on line 28.
    expect(summary).to_contain_text("Line 28 (nurse26): No agency is called Nowhere Trust.")
    _checked(page, "import with a bad row")
    assert not User.objects.filter(username__startswith="nurse").exists()
    page.get_by_label("CSV file").set_input_files({**upload, "buffer": _csv(world.health.name, bad=False)})
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("main")).to_contain_text("Every row is valid")
    _checked(page, "import preview")
    page.get_by_role("button", name=f"Import {IMPORTED} people").click()
    expect(banner(page)).to_contain_text(f"{IMPORTED} people imported and invited")
    assert User.objects.filter(username__startswith="nurse").count() == IMPORTED

    # Change a panel's quorum.
    page.goto("/manage/panels/")
    _checked(page, "panels")
    page.get_by_role("link", name=world.panel.name).click()
    _checked(page, "panel form")
    page.get_by_label("Least number of member agencies attending").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(banner(page)).to_contain_text(f"{world.panel.name} saved")
    assert Panel.objects.get(pk=world.panel.pk).quorum_min_agencies == 2

    for url, label in (
        ("/manage/agencies/", "agencies"),
        ("/manage/clearance-levels/", "clearance levels"),
        ("/manage/changes/", "changes waiting"),
        ("/manage/settings/", "settings"),
    ):
        page.goto(url)
        _checked(page, label)

    # Another person's roles are on their change page; the admin's own are not, and the admin cannot post them.
    invited = User.objects.get(username="jsmith")
    page.goto(f"/manage/people/{invited.pk}/change/")
    expect(page.get_by_role("group", name=re.compile("^Roles"))).to_be_visible()
    page.goto(f"/manage/people/{admin.pk}/")
    expect(page.locator(".govuk-inset-text")).to_contain_text("You cannot change your own agency, clearance, roles")
    _checked(page, "your own page")
    page.get_by_role("link", name="Change their details").click()
    expect(page.get_by_role("group", name=re.compile("^Roles"))).to_have_count(0)
    expect(page.get_by_label("Agency", exact=True)).to_have_count(0)
    expect(page.get_by_label("Clearance level")).to_have_count(0)
    _checked(page, "changing your own details")
    roles_before = list(User.objects.get(pk=admin.pk).roles)
    page.get_by_role("button", name="Save").click()
    assert list(User.objects.get(pk=admin.pk).roles) == roles_before
