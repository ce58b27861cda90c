"""The configuration pages under /manage/: partnership admins only (case workers, SPOCs, chairs and
auditors are refused, and their posts write nothing); every change goes through the audited
services, including second-admin approval; an admin never reaches their own access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from partnership.models import (
    Agency,
    AgencyKind,
    ChangeRequest,
    ChangeRequestStatus,
    ClearanceLevel,
    Panel,
    PartnershipSettings,
    Role,
    User,
)
from partnership.navigation import navigation_for
from tests.pages import assert_sign_in_needed, date_fields, error_summary, text_of
from tests.partnership.config_helpers import events_about, panel_form, second_admin_approval, user_form
from tests.world import Partnership, client_for, new_admin, new_auditor, new_panel, new_user

pytestmark = pytest.mark.django_db

PAGES = (
    "/manage/",
    "/manage/agencies/",
    "/manage/agencies/add/",
    "/manage/clearance-levels/",
    "/manage/clearance-levels/add/",
    "/manage/people/",
    "/manage/people/invite/",
    "/manage/people/import/",
    "/manage/changes/",
    "/manage/panels/",
    "/manage/panels/add/",
    "/manage/settings/",
)


@pytest.fixture
def world() -> Partnership:
    return Partnership()


def _outsiders(world: Partnership) -> list[User]:
    """Everyone who may not configure: a practitioner, a SPOC, a screening officer, a chair, an auditor."""
    return [world.teacher, world.health_spoc, world.officer, world.chair, new_auditor(3)]


def _record_pages(world: Partnership) -> list[str]:
    level = ClearanceLevel.objects.get(rank=1)
    return [
        f"/manage/agencies/{world.health.pk}/",
        f"/manage/clearance-levels/{level.pk}/",
        f"/manage/people/{world.teacher.pk}/",
        f"/manage/people/{world.teacher.pk}/change/",
        f"/manage/panels/{world.panel.pk}/",
    ]


def test_a_partnership_admin_opens_every_page(world: Partnership) -> None:
    client = client_for(new_admin())
    for url in (*PAGES, *_record_pages(world)):
        assert client.get(url).status_code == 200, url


def test_everyone_else_is_refused_every_page_and_every_post(world: Partnership) -> None:
    outsiders = _outsiders(world)
    before = (Agency.objects.count(), ClearanceLevel.objects.count(), User.objects.count(), Panel.objects.count())
    posts = {
        "/manage/agencies/add/": {"name": "Rogue", "kind": AgencyKind.OTHER, "is_active": "on"},
        f"/manage/agencies/{world.health.pk}/": {"name": "Renamed", "kind": AgencyKind.HEALTH},
        "/manage/clearance-levels/add/": {"rank": 9, "name": "Top"},
        f"/manage/people/{world.teacher.pk}/change/": {"first_name": "A", "last_name": "B", "roles": [Role.SPOC]},
        f"/manage/people/{world.teacher.pk}/deactivate/": {},
        f"/manage/people/{world.teacher.pk}/reset_two_factor/": {},
        "/manage/people/invite/": {"username": "new", "first_name": "N", "last_name": "P", "email": "n@example.org"},
        "/manage/settings/": {"break_glass_minutes": 400},
    }
    for outsider in outsiders:
        client = client_for(outsider)
        for url in (*PAGES, *_record_pages(world)):
            assert client.get(url).status_code == 403, (outsider.roles, url)
        for url, data in posts.items():
            assert client.post(url, data).status_code == 403, (outsider.roles, url)
    after = (Agency.objects.count(), ClearanceLevel.objects.count(), User.objects.count(), Panel.objects.count())
    assert after == before
    world.health.refresh_from_db()
    world.teacher.refresh_from_db()
    assert (world.health.name, world.teacher.roles, world.teacher.is_active) == ("Health", [Role.PRACTITIONER], True)
    assert not AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id__in=[u.pk for u in outsiders])


def test_the_pages_need_sign_in(world: Partnership) -> None:
    assert_sign_in_needed(*PAGES, *_record_pages(world))


def test_the_admins_navigation_leads_to_the_configuration_pages_not_the_admin_site() -> None:
    admin = new_admin()
    urls = [item["url"] for item in navigation_for(admin)]
    assert "/manage/" in urls
    assert "/admin/" not in urls
    home = client_for(admin).get("/").content.decode()
    assert 'href="/manage/"' in home
    assert 'href="/admin/"' not in home
    superuser = new_user(None, 1, Role.AUDITOR, is_superuser=True)
    assert "/admin/" in [item["url"] for item in navigation_for(superuser)]


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "queries"),
    # The frame (one query: the admin with their devices and unread count, docs/adr/0031), then each
    # page's own: its rows with what they show joined, and the agencies page's sign-on settings.
    [
        ("/manage/agencies/", 3),
        ("/manage/clearance-levels/", 2),
        ("/manage/people/", 2),
        ("/manage/panels/", 2),
        ("/manage/changes/", 2),
    ],
)
def test_list_pages_ask_the_database_a_fixed_number_of_times(
    world: Partnership, django_assert_num_queries, url: str, queries: int
) -> None:
    from partnership import services

    client, other_admin = client_for(new_admin()), new_admin()
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for n in range(5):  # more rows, the same questions
        person = new_user(world.health, 1, Role.PRACTITIONER, email=f"extra{n}@example.org")
        services.update_user(actor=other_admin, user=person, changes={"roles": [Role.SPOC]})
        services.create_agency(name=f"Agency {n}", kind=AgencyKind.OTHER)
        new_user(world.school, 1, Role.PANEL_CHAIR)
    assert ChangeRequest.objects.filter(status=ChangeRequestStatus.PENDING).count() == 5
    for n in range(3):
        new_panel(world.chair, name=f"Panel {n}")
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_a_persons_page_asks_the_database_a_fixed_number_of_times(
    world: Partnership, django_assert_num_queries
) -> None:
    client = client_for(new_admin())
    url = f"/manage/people/{world.teacher.pk}/"
    client.get(url)
    # The frame (docs/adr/0031); the person with their agency, clearance and whether they enrolled
    # two-factor; the changes to them waiting for approval, with who asked.
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200


# --- Agencies and clearance levels --------------------------------------------------------------


def test_an_admin_adds_and_changes_an_agency_audited(world: Partnership) -> None:
    admin = new_admin()
    client = client_for(admin)
    response = client.post("/manage/agencies/add/", {"name": "", "kind": ""})
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_name", "#id_kind"]
    response = client.post(
        "/manage/agencies/add/", {"name": "Northshire Housing", "kind": AgencyKind.HOUSING, "is_active": "on"}
    )
    assert response.status_code == 302
    housing = Agency.objects.get(name="Northshire Housing")
    assert (housing.kind, housing.is_active, housing.screens_referrals) == (AgencyKind.HOUSING, True, False)
    listing = client.get("/manage/agencies/").content.decode()
    assert f"/account/agreements/{housing.pk}/" in listing  # the DSA page, reused
    response = client.post(
        f"/manage/agencies/{housing.pk}/", {"name": "Northshire Housing", "kind": AgencyKind.HOUSING}
    )
    assert response.status_code == 302
    housing.refresh_from_db()
    assert housing.is_active is False
    [created, changed] = events_about(housing, AuditVerb.CONFIGURED)
    assert created.actor_id == admin.pk
    assert changed.details["before"] == {"is_active": True}
    assert changed.details["after"] == {"is_active": False}


def test_a_held_clearance_level_cannot_be_renumbered(world: Partnership) -> None:
    client = client_for(new_admin())
    level = ClearanceLevel.objects.get(rank=1)
    response = client.post(f"/manage/clearance-levels/{level.pk}/", {"rank": 7, "name": level.name})
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_rank"]
    assert ClearanceLevel.objects.get(pk=level.pk).rank == 1
    response = client.post("/manage/clearance-levels/add/", {"rank": 4, "name": "Strap"})
    assert response.status_code == 302
    assert ClearanceLevel.objects.filter(rank=4, name="Strap").exists()


# --- People -----------------------------------------------------------------------------------


def test_a_new_role_waits_for_a_second_admin_who_approves_it_on_the_changes_page(world: Partnership) -> None:
    first, second = new_admin(), new_admin()
    client = client_for(first)
    response = client.post(
        f"/manage/people/{world.teacher.pk}/change/",
        user_form(world.teacher, roles=[Role.PRACTITIONER, Role.SPOC], job_title="Head of year"),
    )
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.roles == [Role.PRACTITIONER]
    assert world.teacher.job_title == "Head of year"  # what needs no approval applies at once
    change = ChangeRequest.objects.get(target_user=world.teacher)
    assert "Agency single point of contact" in text_of(client.get(f"/manage/people/{world.teacher.pk}/"))
    # The admin who asked may only withdraw it.
    page = client.get("/manage/changes/").content.decode()
    assert f"/manage/changes/{change.pk}/approve/" not in page
    assert f"/manage/changes/{change.pk}/reject/" in page
    client.post(f"/manage/changes/{change.pk}/approve/")
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeRequestStatus.PENDING
    other = client_for(second)
    assert f"/manage/changes/{change.pk}/approve/" in other.get("/manage/changes/").content.decode()
    assert other.post(f"/manage/changes/{change.pk}/approve/").status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.roles == [Role.PRACTITIONER, Role.SPOC]
    assert ChangeRequest.objects.get(pk=change.pk).decided_by == second


def test_an_admin_cannot_reach_their_own_access(world: Partnership) -> None:
    admin = new_admin()
    client = client_for(admin)
    form_page = client.get(f"/manage/people/{admin.pk}/change/").content.decode()
    for name in ('name="roles"', 'name="agency"', 'name="clearance"'):
        assert name not in form_page
    own = f"/manage/people/{admin.pk}/"
    assert "/deactivate/" not in client.get(own).content.decode()
    client.post(
        f"/manage/people/{admin.pk}/change/",
        {**user_form(admin), "roles": [Role.PRACTITIONER, Role.PANEL_CHAIR], "agency": world.council.pk},
    )
    for action in ("deactivate", "reset_two_factor"):
        assert client.post(f"{own}{action}/").status_code == 302
    admin.refresh_from_db()
    assert (admin.roles, admin.agency_id, admin.is_active) == ([Role.PARTNERSHIP_ADMIN], None, True)
    assert not ChangeRequest.objects.filter(target_user=admin).exists()


def test_deactivating_ends_sign_in_and_reactivating_restores_it(world: Partnership) -> None:
    client = client_for(new_admin())
    teacher = client_for(world.teacher)
    response = client.post(f"/manage/people/{world.teacher.pk}/deactivate/")
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.is_active is False
    assert teacher.get("/").status_code == 302  # their session ended
    client.post(f"/manage/people/{world.teacher.pk}/reactivate/")
    world.teacher.refresh_from_db()
    assert world.teacher.is_active is True
    changes = [e.details["after"] for e in events_about(world.teacher, AuditVerb.CONFIGURED)]
    assert changes[-2:] == [{"is_active": False}, {"is_active": True}]


def test_resetting_two_factor_is_audited_and_the_person_enrols_again(world: Partnership) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.partnership.factories import PASSWORD

    admin = new_admin()
    client_for(world.teacher)  # enrolled
    response = client_for(admin).post(f"/manage/people/{world.teacher.pk}/reset_two_factor/")
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.teacher).exists()
    [event] = [e for e in events_about(world.teacher) if e.details.get("action") == "two_factor_reset"]
    assert event.actor_id == admin.pk
    browser = Client()
    browser.post("/account/sign-in/", {"username": world.teacher.username, "password": PASSWORD})
    assert browser.get("/account/two-factor/")["Location"].startswith("/account/two-factor/set-up/")


def test_settings_are_changed_through_the_audited_service(world: Partnership) -> None:
    client = client_for(new_admin())
    form = {
        "urgent_screening_working_days": 2,
        "priority_screening_working_days": 4,
        "screening_working_days": 5,
        "information_request_working_days": 10,
        "draft_retention_days": 60,
        "break_glass_minutes": 60,
        "second_admin_approval": "on",
    }
    response = client.post("/manage/settings/", {**form, "urgent_screening_working_days": "soon"})
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_urgent_screening_working_days"]
    assert client.post("/manage/settings/", form).status_code == 302
    row = PartnershipSettings.current()
    assert (row.urgent_screening_working_days, row.priority_screening_working_days, row.draft_retention_days) == (
        2,
        4,
        60,
    )
    # Turning approval off waits for another admin.
    client.post("/manage/settings/", {key: value for key, value in form.items() if key != "second_admin_approval"})
    assert PartnershipSettings.current().second_admin_approval is True
    assert ChangeRequest.objects.filter(target_user=None, status=ChangeRequestStatus.PENDING).exists()


# --- Panels -----------------------------------------------------------------------------------


def _panel_form(world: Partnership, **overrides: object) -> dict[str, object]:
    """Eastshire's panel (police, council and health; the police needed for a quorum), first meeting in ten days."""
    first = timezone.localdate() + dt.timedelta(days=10)
    eastshire = {
        "name": "Eastshire Channel Panel",
        **date_fields("first_meeting_on", first),
        "quorum_required_kinds": [AgencyKind.POLICE],
    }
    return {**panel_form(world.chair, [world.police, world.council, world.health], **eastshire), **overrides}


def test_an_admin_adds_a_panel_and_changes_its_quorum_audited(world: Partnership) -> None:
    admin = new_admin()
    client = client_for(admin)
    response = client.post("/manage/panels/add/", _panel_form(world, chair=world.teacher.pk))
    assert response.status_code == 400  # a teacher is not a chair candidate
    assert "#id_chair" in [anchor for anchor, _ in error_summary(response)]
    response = client.post("/manage/panels/add/", _panel_form(world, deputy_chair=world.chair.pk))
    assert response.status_code == 400
    assert [anchor for anchor, _ in error_summary(response)] == ["#id_deputy_chair"]
    assert client.post("/manage/panels/add/", _panel_form(world)).status_code == 302
    panel = Panel.objects.get(name="Eastshire Channel Panel")
    assert sorted(m.agency_id for m in panel.memberships.all()) == sorted(
        [world.police.pk, world.council.pk, world.health.pk]
    )
    assert panel.quorum_required_kinds == [AgencyKind.POLICE]
    assert timezone.localtime(panel.first_meeting_at).hour == 10
    response = client.post(f"/manage/panels/{panel.pk}/", _panel_form(world, quorum_min_agencies=2))
    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.quorum_min_agencies == 2
    changed = [e for e in events_about(panel, AuditVerb.CONFIGURED) if e.details["action"] == "changed"]
    assert changed[-1].details["before"] == {"quorum_min_agencies": 3}
    assert changed[-1].details["after"] == {"quorum_min_agencies": 2}
    assert changed[-1].actor_id == admin.pk


def test_changing_a_panels_members_keeps_the_named_representatives(world: Partnership) -> None:
    from partnership import services

    services.set_panel_members(panel=world.panel, members={world.health: [world.health_spoc], world.police: []})
    client_for(new_admin()).post(
        f"/manage/panels/{world.panel.pk}/",
        _panel_form(world, name=world.panel.name, member_agencies=[world.health.pk, world.school.pk]),
    )
    members = {m.agency_id: list(m.representatives.all()) for m in world.panel.memberships.all()}
    assert members == {world.health.pk: [world.health_spoc], world.school.pk: []}


def test_second_admin_approval_switch_is_the_partnerships(world: Partnership) -> None:
    """With approval off (the partnership's choice), a role given on the page applies at once."""
    second_admin_approval(False)
    client_for(new_admin()).post(
        f"/manage/people/{world.teacher.pk}/change/", user_form(world.teacher, roles=[Role.SPOC])
    )
    world.teacher.refresh_from_db()
    assert world.teacher.roles == [Role.SPOC]
