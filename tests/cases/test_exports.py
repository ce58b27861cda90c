"""CSV exports never hand a spreadsheet a formula (issue 10 item 6): a cell whose first character a
spreadsheet reads, after any whitespace, byte order mark or control characters it skips, is = + - or @
is written with a leading apostrophe; so is one that starts with a tab or a carriage return."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.exports import _csv_cell, csv_cell
from core.models import AuditEvent, AuditVerb
from governance.exports import trail_csv
from tests.conftest import sign_in_verified
from tests.world import Partnership

FORMULAS = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '\ufeff=HYPERLINK("http://x")',
    "  =1+1",
    "\n=1+1",
    "\x00=cmd",
    "\x1b\x07+cmd",
    "\u200b=1+1",  # a zero-width space
    "\u00a0@SUM(A1)",  # a no-break space
    "\ufeff \x01 -1",
    "\t",
    "\r",
]
PLAIN = ["", "Referred by school", "a=b", "1+1", "email@example.org", "  spaced out", "\ufeffName", "'=quoted"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_after_any_ignorable_lead_is_quoted(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", PLAIN)
def test_text_that_is_not_a_formula_is_left_alone(text: str) -> None:
    assert csv_cell(text) == text


def test_values_are_text_and_none_is_empty() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(-3) == "'-3"
    assert csv_cell(42) == "42"


def test_the_old_name_still_escapes() -> None:
    assert _csv_cell("\ufeff=1+1") == "'\ufeff=1+1"


def _rows(content: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


@pytest.mark.django_db
def test_the_chronology_csv_quotes_a_hidden_formula(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = Partnership()
    case = world.case()
    for text in ('\ufeff=HYPERLINK("http://x")', "\u200b  =1+1", "\x01=cmd"):  # notes are stripped
        case_services.add_case_note(actor=world.chair, referral_id=case.pk, text=text, classification=1)
    response = sign_in_verified(Client(), world.chair).get(f"/referrals/cases/{case.pk}/chronology/export/csv/")
    assert response.status_code == 200
    texts = [row["Text"] for row in _rows(response.content.decode("utf-8"))]
    assert '\'\ufeff=HYPERLINK("http://x")' in texts
    assert "'\u200b  =1+1" in texts
    assert "'\x01=cmd" in texts


def test_the_audit_trail_csv_quotes_a_hidden_formula() -> None:
    event = AuditEvent(
        seq=1,
        occurred_at=timezone.now(),
        actor_username='\ufeff=HYPERLINK("http://x")',
        verb=AuditVerb.LOGIN_FAILED,
        reason=" +cmd",
    )
    [row] = _rows(trail_csv([event]))
    assert row["User"] == '\'\ufeff=HYPERLINK("http://x")'
    assert row["Reason"] == "' +cmd"
