"""DESIGN.md rule 13: every configuration change (agencies, clearance levels, users, roles, panels,
schedules, tokens, settings) is in the hash-chained trail with before and after, whichever route
made it: a configuration page, a service, a command, or a superuser's break-fix in the admin site."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from core.models import AuditEvent, AuditVerb
from panels.models import AssessmentFactor
from partnership import services
from partnership.models import Agency, ApiToken, ClearanceLevel, Panel, PartnershipSettings, Role, User
from tests.conftest import sign_in_verified
from tests.partnership.config_helpers import (
    chain_verifies,
    events_about,
    only_event,
    panel_form,
    second_admin_approval,
    user_form,
)
from tests.partnership.factories import AdminUserFactory, AgencyFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return AdminUserFactory()


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    """A partnership admin, on the configuration pages (/manage/)."""
    return sign_in_verified(client, admin_user)


@pytest.fixture
def superuser() -> User:
    return UserFactory(agency=None, roles=[], is_superuser=True)


@pytest.fixture
def superuser_client(superuser: User) -> Client:
    """A superuser, on the admin site (break-fix)."""
    return sign_in_verified(Client(), superuser)


def _by(event: AuditEvent, actor: User | None) -> None:
    assert event.actor_id == (actor.pk if actor else None)
    assert event.verb == AuditVerb.CONFIGURED or event.verb.startswith("token_")


# --- Agencies ---------------------------------------------------------------------------------


def test_adding_and_changing_an_agency_is_audited(admin_client: Client, admin_user: User) -> None:
    response = admin_client.post(
        "/manage/agencies/add/", {"name": "Northshire Housing", "kind": "housing", "is_active": "on"}
    )
    assert response.status_code == 302
    agency = Agency.objects.get(name="Northshire Housing")
    created = only_event(agency, AuditVerb.CONFIGURED)
    _by(created, admin_user)
    assert created.details == {
        "action": "created",
        "before": {},
        "after": {"name": "Northshire Housing", "kind": "housing", "screens_referrals": False, "is_active": True},
    }
    member = UserFactory(agency=agency)
    token = services.issue_api_token(user=member).token
    response = admin_client.post(
        f"/manage/agencies/{agency.pk}/",
        {"name": "Northshire Homes", "kind": "housing", "screens_referrals": "on"},  # is_active unticked
    )
    assert response.status_code == 302
    changed = events_about(agency, AuditVerb.CONFIGURED)[-1]
    _by(changed, admin_user)
    assert changed.details["before"] == {"name": "Northshire Housing", "screens_referrals": False, "is_active": True}
    assert changed.details["after"] == {"name": "Northshire Homes", "screens_referrals": True, "is_active": False}
    assert changed.details["tokens_revoked"] == [token.pk]
    assert chain_verifies().startswith("OK")


def test_the_break_fix_deactivate_action_is_audited(superuser_client: Client, superuser: User) -> None:
    agency = AgencyFactory()
    superuser_client.post("/admin/partnership/agency/", {"action": "deactivate", "_selected_action": [agency.pk]})
    event = events_about(agency, AuditVerb.CONFIGURED)[-1]
    _by(event, superuser)
    assert (event.details["before"], event.details["after"]) == ({"is_active": True}, {"is_active": False})


# --- Clearance levels ---------------------------------------------------------------------------


def test_clearance_levels_added_changed_and_deleted_are_audited(
    admin_client: Client, admin_user: User, superuser_client: Client, superuser: User
) -> None:
    response = admin_client.post("/manage/clearance-levels/add/", {"rank": 4, "name": "Enhanced", "description": ""})
    assert response.status_code == 302
    level = ClearanceLevel.objects.get(rank=4)
    assert only_event(level, AuditVerb.CONFIGURED).details["after"] == {
        "rank": 4,
        "name": "Enhanced",
        "description": "",
    }
    admin_client.post(f"/manage/clearance-levels/{level.pk}/", {"rank": 5, "name": "Enhanced", "description": "x"})
    changed = events_about(level, AuditVerb.CONFIGURED)[-1]
    _by(changed, admin_user)
    assert (changed.details["before"], changed.details["after"]) == (
        {"rank": 4, "description": ""},
        {"rank": 5, "description": "x"},
    )
    pk = level.pk
    # No page deletes a level (an unused one is rare): a superuser's break-fix, audited all the same.
    superuser_client.post(f"/admin/partnership/clearancelevel/{pk}/delete/", {"post": "yes"})
    assert not ClearanceLevel.objects.filter(pk=pk).exists()
    deleted = AuditEvent.objects.filter(object_type="partnership.clearancelevel", object_id=str(pk)).latest("seq")
    _by(deleted, superuser)
    assert deleted.details["action"] == "deleted"
    assert deleted.details["before"]["rank"] == 5


def test_a_level_that_people_hold_is_not_renumbered(admin_user: User) -> None:
    UserFactory(clearance=clearance(1))
    level = ClearanceLevel.objects.get(rank=1)
    with pytest.raises(services.ValidationError):
        services.update_clearance_level(actor=admin_user, level=level, rank=9, name=level.name)
    assert ClearanceLevel.objects.get(pk=level.pk).rank == 1


# --- Users and roles ----------------------------------------------------------------------------


def test_changing_a_user_is_audited_with_before_and_after(admin_client: Client, admin_user: User) -> None:
    second_admin_approval(False)
    person = UserFactory(clearance=clearance(1), roles=[Role.PRACTITIONER])
    elsewhere = AgencyFactory()
    response = admin_client.post(
        f"/manage/people/{person.pk}/change/",
        user_form(person, agency=elsewhere.pk, clearance=clearance(2).pk, roles=[Role.SPOC], job_title="SPOC"),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = only_event(person, AuditVerb.CONFIGURED)
    _by(event, admin_user)
    assert event.details["before"] == {
        "job_title": "",
        "agency": person.agency_id,
        "clearance_rank": 1,
        "roles": ["practitioner"],
    }
    assert event.details["after"] == {
        "job_title": "SPOC",
        "agency": elsewhere.pk,
        "clearance_rank": 2,
        "roles": ["spoc"],
    }
    assert chain_verifies().startswith("OK")


def test_deactivating_a_user_is_audited_with_their_revoked_tokens(admin_client: Client, admin_user: User) -> None:
    person = UserFactory()
    token = services.issue_api_token(user=person).token
    assert admin_client.post(f"/manage/people/{person.pk}/deactivate/").status_code == 302
    event = only_event(person, AuditVerb.CONFIGURED)
    _by(event, admin_user)
    assert (event.details["before"], event.details["after"]) == ({"is_active": True}, {"is_active": False})
    assert event.details["tokens_revoked"] == [token.pk]


def test_adding_a_user_at_break_fix_is_audited_without_their_password(
    superuser_client: Client, superuser: User
) -> None:
    """Partnership admins invite people, who choose their own password (test_people.py); a superuser
    may still add someone with a password in the admin."""
    agency = AgencyFactory()
    response = superuser_client.post(
        "/admin/partnership/user/add/",
        {
            "username": "new.person",
            "password1": "a long and unguessable phrase 42",
            "password2": "a long and unguessable phrase 42",
            "first_name": "New",
            "last_name": "Person",
            "email": "new.person@example.gov.uk",
            "agency": agency.pk,
            "clearance": clearance(2).pk,
            "roles": [Role.PRACTITIONER],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(username="new.person")
    assert person.check_password("a long and unguessable phrase 42")
    created = only_event(person, AuditVerb.CONFIGURED)
    _by(created, superuser)
    assert created.details["before"] == {}
    assert created.details["after"]["username"] == "new.person"
    assert created.details["after"]["agency"] == agency.pk
    assert "unguessable" not in json.dumps(created.details)
    assert person.password not in json.dumps(created.details)
    asked = only_event(person, AuditVerb.CHANGE_REQUESTED)
    assert asked.details["after"] == {"clearance_rank": 2, "roles": ["practitioner"]}


def test_setting_a_password_at_break_fix_is_audited(superuser_client: Client, superuser: User) -> None:
    person = UserFactory()
    response = superuser_client.post(
        f"/admin/partnership/user/{person.pk}/password/",
        {"password1": "another long phrase for you 7", "password2": "another long phrase for you 7"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("another long phrase for you 7")
    event = only_event(person, AuditVerb.CONFIGURED)
    _by(event, superuser)
    assert event.details == {"action": "password_set"}


# --- Tokens ---------------------------------------------------------------------------------------


def test_issuing_a_token_with_the_command_is_audited() -> None:
    person = UserFactory()
    out = io.StringIO()
    call_command("issue_api_token", person.username, "--name", "Police RMS", stdout=out)
    token = ApiToken.objects.get(user=person)
    issued = only_event(token, AuditVerb.TOKEN_ISSUED)
    assert issued.actor_id is None  # an operator at the shell: the system
    assert issued.details["via"] == "manage.py issue_api_token"
    assert issued.details["before"] == {}
    assert issued.details["after"]["user"] == person.pk
    assert issued.details["after"]["name"] == "Police RMS"
    assert out.getvalue().strip() not in json.dumps(issued.details)  # never the key


def test_revoking_a_token_at_break_fix_is_audited(superuser_client: Client, superuser: User) -> None:
    """Tokens are issued by an operator at the shell and revoked by one in the admin (deactivating the
    person on /manage/ ends them too: above)."""
    token = services.issue_api_token(user=UserFactory()).token
    response = superuser_client.post(
        "/admin/partnership/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    revoked = only_event(token, AuditVerb.TOKEN_REVOKED)
    _by(revoked, superuser)
    assert revoked.details["before"] == {"revoked_at": None}
    assert revoked.details["after"]["revoked_at"] is not None


def test_an_admin_cannot_issue_a_token_for_someone_else(admin_user: User) -> None:
    with pytest.raises(services.PermissionDenied):
        services.issue_api_token(actor=admin_user, user=UserFactory())
    assert not ApiToken.objects.exists()


# --- Settings -------------------------------------------------------------------------------------


def test_changing_the_partnership_settings_is_audited(admin_client: Client, admin_user: User) -> None:
    row = PartnershipSettings.current()
    assert admin_client.get("/manage/settings/").status_code == 200
    response = admin_client.post(
        "/manage/settings/",
        {
            "urgent_screening_working_days": 1,
            "priority_screening_working_days": 3,
            "screening_working_days": 3,
            "draft_retention_days": 90,
            "information_request_working_days": 10,
            "break_glass_minutes": 60,
            "second_admin_approval": "on",
        },
    )
    assert response.status_code == 302
    event = only_event(row, AuditVerb.CONFIGURED)
    _by(event, admin_user)
    assert (event.details["before"], event.details["after"]) == (
        {"screening_working_days": 5},
        {"screening_working_days": 3},
    )


# --- Panels and their membership ------------------------------------------------------------------


def test_configuring_a_panel_and_its_members_is_audited(admin_client: Client, admin_user: User) -> None:
    chair = UserFactory(roles=[Role.PANEL_CHAIR])
    health, school = AgencyFactory(), AgencyFactory()
    response = admin_client.post("/manage/panels/add/", panel_form(chair, [health]))
    assert response.status_code == 302, response.content.decode()[:2000]
    panel = Panel.objects.get(name="Northshire Channel Panel")
    created, members = events_about(panel, AuditVerb.CONFIGURED)
    _by(created, admin_user)
    _by(members, admin_user)
    assert created.details["action"] == "created"
    assert created.details["after"]["chair"] == chair.pk
    assert created.details["after"]["cadence_weeks"] == 6
    assert members.details == {
        "action": "members_changed",
        "before": {"members": {}},
        "after": {"members": {str(health.pk): []}},
    }

    response = admin_client.post(f"/manage/panels/{panel.pk}/", panel_form(chair, [health, school], cadence_weeks=4))
    assert response.status_code == 302, response.content.decode()[:2000]
    changed, members = events_about(panel, AuditVerb.CONFIGURED)[2:]
    assert (changed.details["before"], changed.details["after"]) == ({"cadence_weeks": 6}, {"cadence_weeks": 4})
    assert members.details["before"] == {"members": {str(health.pk): []}}
    assert members.details["after"] == {"members": {str(health.pk): [], str(school.pk): []}}
    assert chain_verifies().startswith("OK")


def _admin_panel_form(chair: User, memberships: list[tuple[Agency, list[User]]], **extra: Any) -> dict[str, Any]:
    """The admin site's panel form: the page's fields, the first meeting as one field, and the member
    agencies' inline."""
    data = panel_form(chair, [])
    for page_only in ("member_agencies", "first_meeting_on_day", "first_meeting_on_month", "first_meeting_on_year"):
        del data[page_only]
    first = timezone.localtime() + dt.timedelta(days=3)
    data.update(
        {
            "first_meeting_at_0": first.date().isoformat(),
            "first_meeting_at_1": f"{data.pop('first_meeting_time')}:00",
            "memberships-TOTAL_FORMS": len(memberships),
            "memberships-INITIAL_FORMS": 0,
            "memberships-MIN_NUM_FORMS": 0,
            "memberships-MAX_NUM_FORMS": 1000,
        }
    )
    for n, (agency, people) in enumerate(memberships):
        data[f"memberships-{n}-agency"] = agency.pk
        data[f"memberships-{n}-representatives"] = [u.pk for u in people]
    data.update(extra)
    return data


def test_a_panels_named_representatives_set_at_break_fix_are_audited(superuser_client: Client, superuser: User) -> None:
    chair = UserFactory(roles=[Role.PANEL_CHAIR])
    health, school = AgencyFactory(), AgencyFactory()
    nurse = UserFactory(agency=health)
    response = superuser_client.post("/admin/partnership/panel/add/", _admin_panel_form(chair, [(health, [nurse])]))
    assert response.status_code == 302, response.content.decode()[:2000]
    panel = Panel.objects.get(name="Northshire Channel Panel")
    created, members = events_about(panel, AuditVerb.CONFIGURED)
    _by(created, superuser)
    assert members.details == {
        "action": "members_changed",
        "before": {"members": {}},
        "after": {"members": {str(health.pk): [nurse.pk]}},
    }
    assert panel.meetings.exists()  # the cadence's meetings follow

    membership = panel.memberships.get()
    form = _admin_panel_form(chair, [(health, []), (school, [])], cadence_weeks=4)
    form.update({"memberships-INITIAL_FORMS": 1, "memberships-0-id": membership.pk, "memberships-0-panel": panel.pk})
    response = superuser_client.post(f"/admin/partnership/panel/{panel.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    changed, members = events_about(panel, AuditVerb.CONFIGURED)[2:]
    assert (changed.details["before"], changed.details["after"]) == ({"cadence_weeks": 6}, {"cadence_weeks": 4})
    assert members.details["before"] == {"members": {str(health.pk): [nurse.pk]}}
    assert members.details["after"] == {"members": {str(health.pk): [], str(school.pk): []}}
    assert chain_verifies().startswith("OK")


# --- Beat's schedules and assessment factors: operators' break-fix, audited by the admin itself ---


def test_changing_a_beat_schedule_in_the_admin_is_audited(superuser_client: Client, superuser: User) -> None:
    every = IntervalSchedule.objects.get(every=1, period="minutes")
    url = f"/admin/django_celery_beat/intervalschedule/{every.pk}/change/"
    page = superuser_client.get(url)
    data: dict[str, Any] = {"every": 2, "period": "minutes"}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            data[f"{form.prefix}-id"] = form.instance.pk
            data[f"{form.prefix}-{formset.fk.name}"] = every.pk
    assert superuser_client.post(url, data).status_code == 302
    event = only_event(every, AuditVerb.CONFIGURED)
    _by(event, superuser)
    assert (event.details["before"], event.details["after"]) == ({"every": 1}, {"every": 2})

    sweep = PeriodicTask.objects.get(name="Send due reminders")
    superuser_client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "disable_tasks", "_selected_action": [sweep.pk]}
    )
    disabled = only_event(sweep, AuditVerb.CONFIGURED)
    _by(disabled, superuser)
    assert (disabled.details["before"], disabled.details["after"]) == ({"enabled": True}, {"enabled": False})


def test_changing_an_assessment_factor_in_the_admin_is_audited(superuser_client: Client, superuser: User) -> None:
    factor = AssessmentFactor.objects.filter(is_active=True).first()
    assert factor is not None
    response = superuser_client.post(
        f"/admin/panels/assessmentfactor/{factor.pk}/change/",
        {
            "dimension": factor.dimension,
            "name": factor.name,
            "description": factor.description,
            "position": factor.position,
        },  # is_active unticked: retired
    )
    assert response.status_code == 302
    event = only_event(factor, AuditVerb.CONFIGURED)
    _by(event, superuser)
    assert (event.details["before"], event.details["after"]) == ({"is_active": True}, {"is_active": False})
