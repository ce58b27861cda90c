"""Explicit shares: with a reason and an optional expiry, revocable, audited, and by the right people only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from guardian.shortcuts import get_perms

from core.models import AuditEvent, AuditVerb
from partnership.models import Agency, AgencyKind, Role, User
from referrals.models import Referral, ReferralAgencyGrant
from sharing import services as sharing_services
from sharing import tasks
from sharing.models import Share, ShareBasis
from tests.partnership.factories import AgencyFactory, UserFactory, clearance
from tests.sharing import worlds
from tests.threads import at_once
from tests.world import new_admin, new_agency, new_panel, new_police, new_user, refer_to_panel

pytestmark = pytest.mark.django_db


@dataclass
class World:
    police: Agency
    school: Agency
    health: Agency
    author: User
    reader: User
    referral: Referral


@pytest.fixture
def world() -> World:
    police, school, health = new_police(), new_agency(), new_agency()
    author, reader = new_user(school, 2, Role.PRACTITIONER), new_user(health, 2, Role.PRACTITIONER)
    referral, _ = worlds.submit(author, given_name="Sam", family_name="Sharer", classification=2)
    return World(police, school, health, author, reader, referral)


def _share(client: Client, actor: User, referral: Referral, **body: object) -> object:
    return client.post(
        f"/api/v1/referrals/{referral.pk}/shares/",
        body,
        content_type="application/json",
        **worlds.headers_for(actor),
    )


def _reads(client: Client, user: User, referral: Referral) -> bool:
    """Detail, list and policy agree (the matrix checks this at large); answer with the detail."""
    status = worlds.api_detail_status(client, worlds.headers_for(user), referral.pk)
    listed = referral.pk in worlds.api_list_ids(client, worlds.headers_for(user))
    assert (status == 200) is listed is worlds.policy_can_view(user, referral)
    return status == 200


def _view_perms(agency: Agency, referral: Referral) -> bool:
    return "view_referral" in get_perms(agency.group, referral)


def test_a_share_with_a_reason_and_expiry_grants_until_it_expires(client: Client, world: World) -> None:
    expires = timezone.now() + dt.timedelta(days=7)
    assert not _reads(client, world.reader, world.referral)
    assert not _view_perms(world.health, world.referral)
    response = _share(
        client,
        world.author,
        world.referral,
        agency=world.health.pk,
        reason="Health input",
        expires_at=expires.isoformat(),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["basis"] == ShareBasis.EXPLICIT
    assert body["reason"] == "Health input"
    assert dt.datetime.fromisoformat(body["expires_at"]) == expires
    assert _reads(client, world.reader, world.referral)
    assert _view_perms(world.health, world.referral)
    event = AuditEvent.objects.get(verb=AuditVerb.SHARED, details__share=body["id"])
    assert (event.actor_id, event.reason, event.details["agency"]) == (world.author.pk, "Health input", world.health.pk)

    with time_machine.travel(expires + dt.timedelta(seconds=1), tick=False):
        # At once, without the tidy task: the expiry is part of every check.
        assert not _reads(client, world.reader, world.referral)
        assert world.referral.pk not in worlds.search_ids(world.reader, world.referral.reference)
        # The author's own agency and the screening agency keep their event grants.
        assert _reads(client, world.author, world.referral)


def test_tidy_expired_shares_removes_the_grant_row_and_audits_once(world: World) -> None:
    expires = timezone.now() + dt.timedelta(hours=2)
    share = sharing_services.share_with_agency(
        actor=world.author, record=world.referral, agency=world.health, reason="For a week", expires_at=expires
    )
    grants = ReferralAgencyGrant.objects.filter(content_object=world.referral, group=world.health.group)
    assert grants.get().expires_at == expires
    assert sharing_services.tidy_expired_shares() == 0  # nothing due yet

    with time_machine.travel(expires + dt.timedelta(minutes=1), tick=False):
        # Until the tidy runs, guardian's raw row is still there; the policy ignores it (see the test above).
        assert _view_perms(world.health, world.referral)
        assert tasks.tidy_expired_shares() == 1
        assert not grants.exists()
        assert not _view_perms(world.health, world.referral)
        lapses = AuditEvent.objects.filter(verb=AuditVerb.SHARE_EXPIRED, object_id=str(world.referral.pk))
        assert lapses.count() == 1
        assert lapses.get().details == {"agency": world.health.pk, "share": share.pk}
        assert lapses.get().actor_id is None  # the system
        # Idempotent: a second run (or a redelivered task) finds nothing.
        assert tasks.tidy_expired_shares() == 0
        assert lapses.count() == 1
        share.refresh_from_db()
        assert share.lapsed_at is not None


def test_tidying_one_lapsed_share_keeps_the_agencys_other_live_share(world: World) -> None:
    now = timezone.now()
    for reason, lasts in (("Short", dt.timedelta(hours=1)), ("Long", dt.timedelta(days=30))):
        sharing_services.share_with_agency(
            actor=world.author, record=world.referral, agency=world.health, reason=reason, expires_at=now + lasts
        )
    with time_machine.travel(now + dt.timedelta(hours=2), tick=False):
        assert worlds.policy_can_view(world.reader, world.referral)
        assert sharing_services.tidy_expired_shares() == 1
        grant = ReferralAgencyGrant.objects.get(content_object=world.referral, group=world.health.group)
        assert grant.expires_at == now + dt.timedelta(days=30)
        assert worlds.policy_can_view(world.reader, world.referral)


def test_tidy_task_is_scheduled_every_fifteen_minutes() -> None:
    from config.celery import app

    app.loader.import_default_modules()
    assert tasks.TIDY_EXPIRED_SHARES in app.tasks
    task = PeriodicTask.objects.get(task=tasks.TIDY_EXPIRED_SHARES)
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (15, "minutes")


def test_revoking_stops_access_and_is_audited(client: Client, world: World) -> None:
    response = _share(client, world.author, world.referral, agency=world.health.pk, reason="Health input")
    share_id = response.json()["id"]
    assert _reads(client, world.reader, world.referral)
    revoke = client.delete(
        f"/api/v1/referrals/{world.referral.pk}/shares/{share_id}/?reason=Not+needed",
        **worlds.headers_for(world.author),
    )
    assert revoke.status_code == 204
    assert not _reads(client, world.reader, world.referral)
    assert not _view_perms(world.health, world.referral)
    event = AuditEvent.objects.get(verb=AuditVerb.SHARE_REVOKED)
    assert (event.actor_id, event.object_id, event.reason) == (world.author.pk, str(world.referral.pk), "Not needed")
    assert event.details == {"agency": world.health.pk, "share": share_id}
    share = Share.objects.get(pk=share_id)
    assert (share.revoked_by, share.revoke_reason) == (world.author, "Not needed")
    again = client.delete(
        f"/api/v1/referrals/{world.referral.pk}/shares/{share_id}/", **worlds.headers_for(world.author)
    )
    assert again.status_code == 400
    assert "share" in again.json()


def test_revoking_one_share_keeps_access_from_another_basis(client: Client, world: World) -> None:
    """The screening agency shared with explicitly and then revoked keeps its screening grant."""
    officer = new_user(world.police, 2, Role.SCREENING_OFFICER)
    share = sharing_services.share_with_agency(
        actor=world.author, record=world.referral, agency=world.police, reason="Also for the DSL"
    )
    sharing_services.revoke_share(actor=world.author, record=world.referral, share_id=share.pk)
    assert _reads(client, officer, world.referral)
    assert _view_perms(world.police, world.referral)


@pytest.mark.parametrize("basis", [ShareBasis.REFERRING_AGENCY, ShareBasis.SCREENING_AGENCY])
def test_event_grants_cannot_be_revoked(client: Client, world: World, basis: ShareBasis) -> None:
    share = Share.objects.get(
        content_type=ContentType.objects.get_for_model(Referral), object_id=world.referral.pk, basis=basis
    )
    response = client.delete(
        f"/api/v1/referrals/{world.referral.pk}/shares/{share.pk}/", **worlds.headers_for(world.author)
    )
    assert response.status_code == 400
    assert "share" in response.json()
    share.refresh_from_db()
    assert share.revoked_at is None


def test_a_share_of_another_referral_is_not_found(client: Client, world: World) -> None:
    other, _ = worlds.submit(world.author, given_name="Other", family_name="Case", classification=1)
    share = sharing_services.share_with_agency(actor=world.author, record=other, agency=world.health, reason="x-ref")
    response = client.delete(
        f"/api/v1/referrals/{world.referral.pk}/shares/{share.pk}/", **worlds.headers_for(world.author)
    )
    assert response.status_code == 404


def test_the_chair_of_the_cases_panel_may_share_and_a_chair_of_another_panel_may_not(
    client: Client, world: World
) -> None:
    """DESIGN.md rule 11: "panel chair" is the chair of the panel the case belongs to, not anyone holding the role."""
    chair = new_user(new_agency(kind=AgencyKind.CHILDRENS_SERVICES), 2, Role.PANEL_CHAIR)
    other_chair = new_user(world.police, 2, Role.PANEL_CHAIR)
    officer = new_user(world.police, 2, Role.SCREENING_OFFICER)
    panel = new_panel(chair, "Rule 11 panel")
    new_panel(other_chair, "Another panel")
    refer_to_panel(world.referral, officer=officer, panel=panel, owner=chair, rationale="Meets the threshold")
    # The other panel's chair reads the referral (their agency screens referrals) but may not share it.
    assert _reads(client, other_chair, world.referral)
    refused = _share(client, other_chair, world.referral, agency=world.health.pk, reason="Not my panel")
    assert refused.status_code == 403, refused.content
    response = _share(client, chair, world.referral, agency=world.health.pk, reason="Panel needs health")
    assert response.status_code == 201, response.content
    assert Share.objects.get(pk=response.json()["id"]).granted_by == chair


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("colleague in the referring agency", 403),
        ("SPOC of the referring agency", 403),
        ("screening officer", 403),
        ("panel chair without the clearance", 404),
        ("panel chair of an unrelated agency", 404),
        ("practitioner of an unrelated agency", 404),
        ("partnership admin", 404),
        ("auditor", 404),
    ],
)
def test_only_the_referrer_or_a_chair_who_can_see_it_may_share(
    client: Client, world: World, who: str, expected: int
) -> None:
    unrelated = new_agency()
    actor = {
        "colleague in the referring agency": lambda: new_user(world.school, 3),
        "SPOC of the referring agency": lambda: UserFactory(
            agency=world.school, clearance=clearance(2), roles=[Role.SPOC]
        ),
        "screening officer": lambda: UserFactory(
            agency=world.police, clearance=clearance(2), roles=[Role.SCREENING_OFFICER]
        ),
        "panel chair without the clearance": lambda: UserFactory(
            agency=world.police, clearance=clearance(1), roles=[Role.PANEL_CHAIR]
        ),
        "panel chair of an unrelated agency": lambda: UserFactory(
            agency=unrelated, clearance=clearance(3), roles=[Role.PANEL_CHAIR]
        ),
        "practitioner of an unrelated agency": lambda: new_user(unrelated, 3),
        "partnership admin": lambda: new_admin(3),
        "auditor": lambda: new_user(world.school, 3, Role.AUDITOR),
    }[who]()
    response = _share(client, actor, world.referral, agency=world.health.pk, reason="Because")
    assert response.status_code == expected, response.content
    assert not Share.objects.filter(agency=world.health).exists()
    if expected == 404:
        # Not even a malformed request learns that the referral exists.
        assert _share(client, actor, world.referral, agency=999999).status_code == 404
        assert _share(client, actor, world.referral).status_code == 404


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_sharing_needs_a_reason(client: Client, world: World, reason: str | None) -> None:
    body: dict[str, object] = {"agency": world.health.pk}
    if reason is not None:
        body["reason"] = reason
    response = _share(client, world.author, world.referral, **body)
    assert response.status_code == 400
    assert "reason" in response.json()
    assert not Share.objects.filter(agency=world.health).exists()


def test_the_service_refuses_a_blank_reason(world: World) -> None:
    with pytest.raises(ValidationError) as raised:
        sharing_services.share_with_agency(actor=world.author, record=world.referral, agency=world.health, reason="  ")
    assert "reason" in raised.value.message_dict


@pytest.mark.parametrize("agency", [999_999, "health-trust", None])
def test_sharing_with_an_unknown_agency_is_a_field_error(client: Client, world: World, agency: object) -> None:
    response = _share(client, world.author, world.referral, agency=agency, reason="Needed")
    assert response.status_code == 400
    assert "agency" in response.json()


def test_sharing_with_an_inactive_agency_is_a_field_error(client: Client, world: World) -> None:
    closed = AgencyFactory(is_active=False)
    response = _share(client, world.author, world.referral, agency=closed.pk, reason="Needed")
    assert response.status_code == 400
    assert "agency" in response.json()


def test_an_expiry_in_the_past_is_a_field_error(client: Client, world: World) -> None:
    past = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    response = _share(client, world.author, world.referral, agency=world.health.pk, reason="Needed", expires_at=past)
    assert response.status_code == 400
    assert "expires_at" in response.json()


def test_sharing_an_originator_only_referral_grants_nothing_outside_the_agency(client: Client, world: World) -> None:
    restricted, _ = worlds.submit(
        world.author, given_name="Kit", family_name="Private", classification=1, originator_only=True
    )
    response = _share(client, world.author, restricted, agency=world.health.pk, reason="Health input")
    assert response.status_code == 201
    assert not _reads(client, world.reader, restricted)
    assert restricted.pk not in worlds.search_ids(world.reader, restricted.reference)
    colleague = new_user(world.school, 1)
    assert _reads(client, colleague, restricted)


@pytest.mark.django_db(transaction=True)
def test_five_identical_concurrent_share_requests_make_one_share() -> None:
    new_police()
    school, health = new_agency(), new_agency()
    author = new_user(school, 2, Role.PRACTITIONER)
    referral, _ = worlds.submit(author, given_name="Sam", family_name="Sharer", classification=2)
    headers = worlds.headers_for(author)
    statuses: list[int] = []

    def post() -> None:
        response = Client().post(
            f"/api/v1/referrals/{referral.pk}/shares/",
            {"agency": health.pk, "reason": "Health visitor involved"},
            content_type="application/json",
            **headers,
        )
        statuses.append(response.status_code)

    assert at_once(5, post) == []
    assert statuses == [201] * 5
    shares = Share.objects.filter(object_id=referral.pk, agency=health, basis=ShareBasis.EXPLICIT)
    assert shares.count() == 1
    explicit = AuditEvent.objects.filter(verb=AuditVerb.SHARED, object_id=str(referral.pk), details__basis="explicit")
    assert explicit.count() == 1
