"""The audit trail, share ledger and break-glass openings in the admin: for auditors, read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership.models import Role
from sharing import services as sharing_services
from sharing.models import BreakGlass, Share
from tests.conftest import sign_in_verified
from tests.partnership.factories import (
    AdminUserFactory,
    UserFactory,
)
from tests.sharing import worlds
from tests.world import new_agency, new_auditor, new_police, new_user

pytestmark = pytest.mark.django_db

SCREENS = ("/admin/core/auditevent/", "/admin/sharing/share/", "/admin/sharing/breakglass/")


@pytest.fixture
def trail() -> tuple[Share, BreakGlass]:
    new_police()
    author = new_user(new_agency(), 2)
    referral, _ = worlds.submit(author, given_name="Ad", family_name="Min", classification=1)
    share = sharing_services.share_with_agency(actor=author, record=referral, agency=new_agency(), reason="For admin")
    nurse = new_user(new_agency(), 2)
    opening = sharing_services.open_break_glass(actor=nurse, record=referral, reason="An emergency tonight")
    return share, opening


def test_auditors_read_the_trail_ledger_and_openings(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    share, opening = trail
    sign_in_verified(client, new_auditor())
    index = client.get("/admin/")
    assert index.status_code == 200
    for screen in SCREENS:
        assert f'href="{screen}"'.encode() in index.content
        assert client.get(screen).status_code == 200
    event = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS)
    detail = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert b"An emergency tonight" in detail.content
    assert client.get(f"/admin/sharing/share/{share.pk}/change/").status_code == 200
    assert client.get(f"/admin/sharing/breakglass/{opening.pk}/change/").status_code == 200


def test_break_glass_stands_out_in_the_audit_list(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    sign_in_verified(client, new_auditor())
    response = client.get("/admin/core/auditevent/")
    assert b"BREAK-GLASS" in response.content
    assert b"break_glass__exact=1" in response.content  # the filter is offered
    flagged = client.get("/admin/core/auditevent/?break_glass__exact=1")
    rows = list(flagged.context["cl"].result_list)
    assert rows
    assert all(e.break_glass for e in rows)
    assert {e.verb for e in rows} == {AuditVerb.BREAK_GLASS}


@pytest.mark.usefixtures("trail")
def test_the_audit_list_searches_and_filters(client: Client) -> None:
    sign_in_verified(client, new_auditor())
    searched = client.get("/admin/core/auditevent/", {"q": "For admin"})
    assert {e.verb for e in searched.context["cl"].result_list} == {AuditVerb.SHARED}
    by_verb = client.get("/admin/core/auditevent/", {"verb__exact": AuditVerb.SUBMITTED})
    assert [e.verb for e in by_verb.context["cl"].result_list] == [AuditVerb.SUBMITTED]


def test_nothing_can_be_added_changed_or_deleted(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    share, opening = trail
    sign_in_verified(client, UserFactory(roles=[Role.AUDITOR], is_superuser=True, agency=None))
    event = AuditEvent.objects.order_by("seq").first()
    assert event is not None
    before = list(AuditEvent.objects.values_list("seq", "hash"))
    for screen, pk in (
        ("/admin/core/auditevent/", event.pk),
        ("/admin/sharing/share/", share.pk),
        ("/admin/sharing/breakglass/", opening.pk),
    ):
        assert client.get(f"{screen}add/").status_code == 403
        assert client.post(f"{screen}add/", {}).status_code == 403
        assert client.get(f"{screen}{pk}/delete/").status_code == 403
        assert client.post(f"{screen}{pk}/delete/", {"post": "yes"}).status_code == 403
        change = client.post(f"{screen}{pk}/change/", {"reason": "rewritten"})
        assert change.status_code == 403
        changelist = client.get(screen)
        assert b'name="action"' not in changelist.content  # no bulk actions, so no bulk delete
    assert list(AuditEvent.objects.values_list("seq", "hash"))[: len(before)] == before
    assert Share.objects.get(pk=share.pk).reason == "For admin"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ({"roles": [Role.PARTNERSHIP_ADMIN], "agency": None}, 403),
        ({"roles": [Role.PRACTITIONER]}, 404),
        ({"roles": [Role.SPOC]}, 404),
        ({"roles": [Role.PANEL_CHAIR]}, 404),
    ],
)
def test_only_auditors_and_superusers_see_these_screens(
    client: Client, trail: tuple[Share, BreakGlass], who: dict[str, object], expected: int
) -> None:
    user = AdminUserFactory() if who["roles"] == [Role.PARTNERSHIP_ADMIN] else UserFactory(**who)
    sign_in_verified(client, user)
    for screen in SCREENS:
        assert client.get(screen).status_code == expected
    if expected == 403:
        assert b"/admin/sharing/" not in client.get("/admin/").content


def test_superusers_see_these_screens(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    sign_in_verified(client, UserFactory(roles=[], is_superuser=True, agency=None))
    for screen in SCREENS:
        assert client.get(screen).status_code == 200
