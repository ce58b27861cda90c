"""A raised clearance, a new role or moving a case worker to another agency waits for a second
partnership admin when the partnership asks for that (on by default): DESIGN.md rule 13."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from core.errors import ConflictError, PermissionDenied
from core.models import AuditVerb
from partnership import services
from partnership.models import ChangeRequest, ChangeRequestStatus, PartnershipSettings, Role
from tests.conftest import sign_in_verified
from tests.partnership.config_helpers import chain_verifies, events_about, only_event, user_form
from tests.partnership.factories import AdminUserFactory, AgencyFactory, AuditorUserFactory, UserFactory, clearance

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return AdminUserFactory(), AdminUserFactory()


def test_approval_is_on_unless_the_partnership_turns_it_off():
    assert PartnershipSettings.current().second_admin_approval is True


def test_raising_clearance_and_granting_roles_waits_and_a_second_admin_applies_it(admins):
    asker, approver = admins
    person = UserFactory(clearance=clearance(1), roles=[Role.PRACTITIONER])
    outcome = services.update_user(
        actor=asker,
        user=person,
        changes={"clearance": clearance(3), "roles": [Role.PRACTITIONER, Role.PANEL_MEMBER], "job_title": "Lead"},
    )
    person.refresh_from_db()
    assert person.job_title == "Lead"  # nothing to approve about a job title
    assert (person.clearance.rank, person.roles) == (1, [Role.PRACTITIONER])
    pending = outcome.pending
    assert pending is not None
    assert (pending.requested_by, pending.target_user, pending.status) == (asker, person, ChangeRequestStatus.PENDING)
    assert pending.before == {"clearance_rank": 1, "roles": ["practitioner"]}
    assert pending.after == {"clearance_rank": 3, "roles": ["panel_member", "practitioner"]}
    asked = only_event(person, AuditVerb.CHANGE_REQUESTED)
    assert asked.actor_id == asker.pk
    assert asked.details["before"] == pending.before
    assert asked.details["after"] == pending.after

    services.approve_change_request(actor=approver, change_request=pending)

    person.refresh_from_db()
    assert (person.clearance.rank, sorted(person.roles)) == (3, ["panel_member", "practitioner"])
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (ChangeRequestStatus.APPROVED, approver)
    approved = only_event(person, AuditVerb.CHANGE_APPROVED)
    assert approved.actor_id == approver.pk
    assert approved.details["before"] == {"clearance_rank": 1, "roles": ["practitioner"]}
    assert approved.details["after"] == {"clearance_rank": 3, "roles": ["panel_member", "practitioner"]}
    assert approved.details["requested_by"] == asker.username
    assert chain_verifies().startswith("OK")


def test_the_admin_who_asked_cannot_approve_but_may_withdraw(admins):
    asker, _ = admins
    person = UserFactory(roles=[])
    pending = services.update_user(actor=asker, user=person, changes={"roles": [Role.SPOC]}).pending
    assert pending is not None
    with pytest.raises(PermissionDenied, match="approved by another partnership admin"):
        services.approve_change_request(actor=asker, change_request=pending)
    person.refresh_from_db()
    assert person.roles == []
    services.reject_change_request(actor=asker, change_request=pending, note="Asked for the wrong person")
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.REJECTED


def test_a_rejected_change_is_not_applied_and_cannot_be_approved_later(admins):
    asker, other = admins
    person = UserFactory(clearance=clearance(1))
    pending = services.update_user(actor=asker, user=person, changes={"clearance": clearance(2)}).pending
    assert pending is not None
    services.reject_change_request(actor=other, change_request=pending, note="Vetting not complete")
    person.refresh_from_db()
    assert person.clearance.rank == 1
    rejected = only_event(person, AuditVerb.CHANGE_REJECTED)
    assert (rejected.actor_id, rejected.details["note"]) == (other.pk, "Vetting not complete")
    with pytest.raises(PermissionDenied, match="already been decided"):
        services.approve_change_request(actor=AdminUserFactory(), change_request=pending)
    person.refresh_from_db()
    assert person.clearance.rank == 1


def test_only_partnership_admins_decide(admins):
    asker, _ = admins
    person = UserFactory(roles=[])
    pending = services.update_user(actor=asker, user=person, changes={"roles": [Role.PRACTITIONER]}).pending
    assert pending is not None
    for outsider in (UserFactory(roles=[Role.PANEL_CHAIR]), UserFactory(agency=None, roles=[Role.AUDITOR])):
        with pytest.raises(PermissionDenied):
            services.approve_change_request(actor=outsider, change_request=pending)
    person.refresh_from_db()
    assert person.roles == []


def test_a_change_made_stale_is_refused_on_approval(admins):
    asker, approver = admins
    person = UserFactory(clearance=clearance(1), roles=[Role.PRACTITIONER])
    pending = services.update_user(actor=asker, user=person, changes={"clearance": clearance(3)}).pending
    assert pending is not None
    services.update_user(actor=approver, user=person, changes={"clearance": None})  # lowering applies at once
    with pytest.raises(ConflictError):
        services.approve_change_request(actor=approver, change_request=pending)
    person.refresh_from_db()
    assert person.clearance is None


def test_lowering_and_removing_apply_at_once(admins):
    asker, _ = admins
    person = UserFactory(clearance=clearance(3), roles=[Role.PRACTITIONER, Role.SPOC])
    outcome = services.update_user(actor=asker, user=person, changes={"clearance": clearance(1), "roles": [Role.SPOC]})
    assert outcome.pending is None
    person.refresh_from_db()
    assert (person.clearance.rank, person.roles) == (1, [Role.SPOC])


def test_moving_a_case_worker_to_another_agency_waits(admins):
    asker, approver = admins
    person = UserFactory(roles=[Role.PRACTITIONER])
    home, elsewhere = person.agency, AgencyFactory()
    pending = services.update_user(actor=asker, user=person, changes={"agency": elsewhere}).pending
    assert pending is not None
    assert pending.after == {"agency": elsewhere.pk}
    person.refresh_from_db()
    assert person.agency == home
    services.approve_change_request(actor=approver, change_request=pending)
    person.refresh_from_db()
    assert person.agency == elsewhere


def test_a_new_account_gets_its_clearance_and_roles_only_once_approved(admins):
    asker, approver = admins
    agency = AgencyFactory()
    person = services.create_user(
        actor=asker,
        username="new.starter",
        password=None,
        agency=agency,
        clearance=clearance(2),
        roles=[Role.PRACTITIONER],
    )
    assert (person.agency, person.clearance, person.roles) == (agency, None, [])
    (pending,) = services.pending_change_requests(user=person)
    assert pending.after == {"clearance_rank": 2, "roles": ["practitioner"]}
    services.approve_change_request(actor=approver, change_request=pending)
    person.refresh_from_db()
    assert (person.clearance.rank, person.roles) == (2, ["practitioner"])


def test_with_approval_off_changes_apply_at_once(admins):
    asker, _approver = admins
    services.update_partnership_settings(actor=None, changes={"second_admin_approval": False})
    person = UserFactory(clearance=clearance(1), roles=[])
    outcome = services.update_user(
        actor=asker, user=person, changes={"clearance": clearance(3), "roles": [Role.PANEL_CHAIR]}
    )
    assert outcome.pending is None
    person.refresh_from_db()
    assert (person.clearance.rank, person.roles) == (3, ["panel_chair"])
    changed = only_event(person, AuditVerb.CONFIGURED)
    assert changed.details["before"] == {"clearance_rank": 1, "roles": []}
    assert changed.details["after"] == {"clearance_rank": 3, "roles": ["panel_chair"]}


def test_turning_approval_off_needs_a_second_admin_too(admins):
    asker, approver = admins
    outcome = services.update_partnership_settings(
        actor=asker, changes={"second_admin_approval": False, "break_glass_minutes": 30}
    )
    row = PartnershipSettings.current()
    assert (row.second_admin_approval, row.break_glass_minutes) == (True, 30)
    assert outcome.pending is not None
    with pytest.raises(PermissionDenied):
        services.approve_change_request(actor=asker, change_request=outcome.pending)
    services.approve_change_request(actor=approver, change_request=outcome.pending)
    assert PartnershipSettings.current().second_admin_approval is False
    verbs = [e.verb for e in events_about(row)]
    assert verbs == [AuditVerb.CONFIGURED, AuditVerb.CHANGE_REQUESTED, AuditVerb.CHANGE_APPROVED]


def test_approving_on_the_changes_page(client: Client, admins):
    asker, approver = admins
    person = UserFactory(clearance=clearance(1), roles=[Role.PRACTITIONER])
    asking = sign_in_verified(client, asker)
    response = asking.post(
        f"/manage/people/{person.pk}/change/",
        user_form(person, clearance=clearance(2).pk, roles=[Role.PRACTITIONER, Role.SPOC]),
        follow=True,
    )
    assert "waits for a second partnership admin" in response.content.decode()
    person.refresh_from_db()
    assert (person.clearance.rank, person.roles) == (1, [Role.PRACTITIONER])
    pending = ChangeRequest.objects.get(target_user=person)
    # The admin who asked cannot approve it here either.
    own = asking.post(f"/manage/changes/{pending.pk}/approve/", follow=True)
    assert "approved by another partnership admin" in own.content.decode()
    person.refresh_from_db()
    assert person.clearance.rank == 1

    approving = sign_in_verified(Client(), approver)
    listing = approving.get("/manage/changes/")
    assert listing.status_code == 200
    assert f"/manage/changes/{pending.pk}/approve/" in listing.content.decode()
    assert person.get_full_name() in html.unescape(listing.content.decode())
    response = approving.post(f"/manage/changes/{pending.pk}/approve/")
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.clearance.rank, sorted(person.roles)) == (2, ["practitioner", "spoc"])


def test_rejecting_on_the_changes_page(client: Client, admins):
    asker, other = admins
    person = UserFactory(roles=[])
    pending = services.update_user(actor=asker, user=person, changes={"roles": [Role.SCREENING_OFFICER]}).pending
    assert pending is not None
    sign_in_verified(client, other)
    response = client.post(f"/manage/changes/{pending.pk}/reject/")
    assert response.status_code == 302
    pending.refresh_from_db()
    person.refresh_from_db()
    assert (pending.status, person.roles) == (ChangeRequestStatus.REJECTED, [])


def test_auditors_and_case_workers_do_not_reach_the_approvals(client: Client, admins):
    asker, _other = admins
    person = UserFactory(roles=[])
    pending = services.update_user(actor=asker, user=person, changes={"roles": [Role.SCREENING_OFFICER]}).pending
    assert pending is not None
    for outsider in (AuditorUserFactory(), UserFactory()):
        browser = sign_in_verified(Client(), outsider)
        assert browser.get("/manage/changes/").status_code == 403
        assert browser.post(f"/manage/changes/{pending.pk}/approve/").status_code == 403
        assert browser.get("/admin/partnership/changerequest/").status_code == 404
    pending.refresh_from_db()
    person.refresh_from_db()
    assert (pending.status, person.roles) == (ChangeRequestStatus.PENDING, [])
