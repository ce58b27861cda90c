"""The audit trail, share ledger and break-glass openings: auditors read them on /governance/ (the
admin site is not theirs); in the admin, for superusers' break-fix only, they are read-only."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership.models import Role, User
from sharing import services as sharing_services
from sharing.models import BreakGlass, Share
from tests.conftest import sign_in_verified
from tests.partnership.factories import UserFactory
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


def _superuser() -> User:
    return UserFactory(roles=[], is_superuser=True, agency=None)


def test_auditors_read_the_trail_the_shares_and_openings_on_the_governance_pages(
    client: Client, trail: tuple[Share, BreakGlass]
) -> None:
    share, _opening = trail
    sign_in_verified(client, new_auditor())
    assert client.get("/admin/").status_code == 404
    for screen in SCREENS:
        assert client.get(screen).status_code == 404
    event = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS)
    reference = share.content_type.get_object_for_this_type(pk=share.object_id).reference
    search = client.get("/governance/audit/", {"verb": AuditVerb.SHARED})
    assert search.status_code == 200
    assert reference in search.content.decode()
    record = client.get(f"/governance/records/{reference}/")
    assert record.status_code == 200
    assert "For admin" in html.unescape(record.content.decode())  # the share's reason, in the record's report
    opening = client.get(f"/governance/break-glass/{event.pk}/")
    assert opening.status_code == 200
    assert "An emergency tonight" in html.unescape(opening.content.decode())


def test_break_glass_stands_out_in_the_audit_list(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    sign_in_verified(client, _superuser())
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
    sign_in_verified(client, _superuser())
    searched = client.get("/admin/core/auditevent/", {"q": "For admin"})
    assert {e.verb for e in searched.context["cl"].result_list} == {AuditVerb.SHARED}
    by_verb = client.get("/admin/core/auditevent/", {"verb__exact": AuditVerb.SUBMITTED})
    assert [e.verb for e in by_verb.context["cl"].result_list] == [AuditVerb.SUBMITTED]


def test_nothing_can_be_added_changed_or_deleted(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    share, opening = trail
    sign_in_verified(client, _superuser())
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
    "who",
    [
        {"roles": [Role.PARTNERSHIP_ADMIN], "agency": None},
        {"roles": [Role.AUDITOR], "agency": None},
        {"roles": [Role.PRACTITIONER]},
        {"roles": [Role.SPOC]},
        {"roles": [Role.PANEL_CHAIR]},
    ],
    ids=["partnership admin", "auditor", "practitioner", "spoc", "chair"],
)
def test_only_superusers_see_these_screens(
    client: Client, trail: tuple[Share, BreakGlass], who: dict[str, object]
) -> None:
    share, opening = trail
    sign_in_verified(client, UserFactory(**who))
    event = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS)
    for screen in (*SCREENS, f"{SCREENS[0]}{event.pk}/change/", f"{SCREENS[1]}{share.pk}/change/"):
        assert client.get(screen).status_code == 404, screen
    assert client.get(f"{SCREENS[2]}{opening.pk}/change/").status_code == 404


def test_superusers_see_these_screens(client: Client, trail: tuple[Share, BreakGlass]) -> None:
    sign_in_verified(client, UserFactory(roles=[], is_superuser=True, agency=None))
    for screen in SCREENS:
        assert client.get(screen).status_code == 200
