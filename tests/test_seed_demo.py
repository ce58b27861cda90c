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
