"""The published API contract: the schema builds without warnings and lists every endpoint of DESIGN.md."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CONTRACT = [
    "/api/v1/me/",
    "/api/v1/agencies/",
    "/api/v1/clearance-levels/",
    "/api/v1/referrals/",
    "/api/v1/referrals/{referral_id}/",
    "/api/v1/referrals/{referral_id}/shares/",
    "/api/v1/referrals/{referral_id}/shares/{share_id}/",
    "/api/v1/cases/",
    "/api/v1/cases/{case_id}/",
    "/api/v1/cases/{case_id}/chronology/",
    "/api/v1/panels/",
    "/api/v1/panels/{panel_id}/meetings/",
    "/api/v1/meetings/{meeting_id}/agenda/",
    "/api/v1/meetings/{meeting_id}/start/",
    "/api/v1/meetings/{meeting_id}/attendance/",
    "/api/v1/agenda-items/{item_id}/decision/",
    "/api/v1/notifications/",
    "/api/v1/statistics/",
    "/api/v1/audit-events/",
    "/api/v1/users/",
    "/api/v1/users/{user_id}/",
    "/api/v1/tension-reports/",
    "/api/v1/tension-reports/{report_id}/",
    "/api/v1/tension-reports/{report_id}/shares/",
    "/api/v1/self-assessments/",
    "/api/v1/self-assessments/{assessment_id}/",
]


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.stat().st_size > 1000


def test_schema_lists_the_contract(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    missing = [p for p in CONTRACT if p not in paths]
    assert missing == []
    assert any(p.startswith("/api/v1/meetings/") and p.endswith("/agenda/") for p in paths)
