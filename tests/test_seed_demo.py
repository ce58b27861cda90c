from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from partnership.models import Agency, ClearanceLevel, Role, User

pytestmark = pytest.mark.django_db


def _seed_json(capsys) -> list[dict]:
    call_command("seed_demo", "--json")
    return json.loads(capsys.readouterr().out)


def test_seed_demo_is_idempotent(capsys):
    first = _seed_json(capsys)
    counts = (Agency.objects.count(), User.objects.count())
    second = _seed_json(capsys)
    assert (Agency.objects.count(), User.objects.count()) == counts
    assert first == second


def test_seed_demo_covers_every_clearance_in_every_agency_and_the_key_roles(capsys):
    logins = _seed_json(capsys)
    assert {"username", "password", "agency", "clearance_rank", "roles"} <= set(logins[0])
    agencies = {row["agency"] for row in logins if row["agency"]}
    assert len(agencies) >= 4
    ranks = set(ClearanceLevel.objects.values_list("rank", flat=True))
    for agency in agencies:
        assert {row["clearance_rank"] for row in logins if row["agency"] == agency} == ranks
    roles = {role for row in logins for role in row["roles"]}
    assert {Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR, Role.SCREENING_OFFICER, Role.SPOC} <= roles


def test_demo_logins_work(client, capsys):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    login = _seed_json(capsys)[0]
    response = client.post("/account/sign-in/", {"username": login["username"], "password": login["password"]})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user__username=login["username"])
    response = client.post("/account/two-factor/", {"token": str(totp(device.bin_key)).zfill(6)})
    assert response.status_code == 302
    assert client.get("/api/v1/me/").json()["username"] == login["username"]


def test_seed_demo_prints_a_table(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["username", "password", "agency", "clearance", "roles"]
    assert "chair" in out


def _demo_panel():
    from partnership.models import Panel

    return Panel.objects.get(name="Northshire Channel Panel")


def test_the_demo_panel_has_the_four_member_agencies_and_a_chair(capsys):
    from partnership.models import AgencyKind

    _seed_json(capsys)
    panel = _demo_panel()
    kinds = set(panel.member_agencies.values_list("kind", flat=True))
    assert len(kinds) >= 4
    assert {AgencyKind.CHILDRENS_SERVICES, AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.EDUCATION} <= kinds
    assert panel.chair.username == "chair"
    for membership in panel.memberships.all():
        people = list(membership.representatives.all())
        assert people
        assert all(person.has_role(Role.PANEL_MEMBER) for person in people)


def test_the_last_meeting_was_quorate_and_signed_and_the_next_has_an_agenda(capsys):
    import datetime as dt

    from django.utils import timezone

    from panels import services
    from panels.models import Meeting, MeetingStatus

    _seed_json(capsys)
    meetings = Meeting.objects.filter(panel=_demo_panel())
    last = meetings.filter(scheduled_at__lt=timezone.now()).order_by("-scheduled_at").first()
    assert last is not None
    assert last.status == MeetingStatus.CLOSED
    assert last.signed_at is not None
    assert last.items.filter(discussion__isnull=False).exists()
    quorum = services.quorum(last)
    assert quorum.met
    assert not quorum.overridden
    upcoming = meetings.filter(scheduled_at__gte=timezone.now()).order_by("scheduled_at").first()
    assert upcoming is not None
    assert upcoming.scheduled_at <= timezone.now() + dt.timedelta(days=42)
    assert upcoming.items.exists()


def test_the_years_statistics_show_numbers_not_only_suppressed_cells(capsys):
    from django.utils import timezone

    from reports.selectors import partnership_statistics

    _seed_json(capsys)
    viewer = User.objects.get(username="admin")
    statistics = partnership_statistics(viewer=viewer, period=str(timezone.localdate().year))
    sectors = statistics.table("Referrals by referring sector")
    shown = [row.count for row in sectors.rows if row.count is not None]
    assert any(count >= 5 for count in shown)


def test_seeding_twice_creates_no_meeting_referral_or_item_twice(capsys):
    from panels.models import AgendaItem, Meeting
    from partnership.models import Panel, PanelMembership
    from referrals.models import Referral

    def counts():
        models = (Panel, PanelMembership, Meeting, AgendaItem, Referral)
        return tuple(model.objects.count() for model in models)

    _seed_json(capsys)
    first = counts()
    _seed_json(capsys)
    assert counts() == first
