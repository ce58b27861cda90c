"""The auditors' integrity page: the newest signed checkpoint and verification run, whether their
signatures hold with this deployment's key, and what still waits for the sealer. Auditors only."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.models import AuditEvent
from sharing.chain import seal_checkpoint, verify_trail
from sharing.models import AuditCheckpoint
from tests.governance.conftest import TrailWorld

pytestmark = pytest.mark.django_db

PAGE = "/governance/integrity/"


@pytest.fixture(autouse=True)
def checkpoint_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "audit-checkpoints.jsonl"
    settings.CONVENE_AUDIT_CHECKPOINT_FILE = path
    settings.CONVENE_AUDIT_CHECKPOINT_KEY = "the deployment's own key, from its environment"
    return path


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_before_any_seal_the_page_says_so_and_counts_what_waits(tw: TrailWorld, signed_in: Any) -> None:
    browser = signed_in(tw.auditor)
    waiting = AuditEvent.objects.filter(hash="").count()
    assert waiting > 0  # the world's events were written and not yet chained
    response = browser.get(PAGE)
    assert response.status_code == 200
    text = text_of(response)
    assert "No checkpoint has been written yet." in text
    assert "The trail has not been verified yet." in text
    assert f"{waiting} events, the oldest written" in text


def test_after_sealing_and_verifying_both_signatures_hold(tw: TrailWorld, signed_in: Any) -> None:
    browser = signed_in(tw.auditor)  # signing in writes events too: seal after it
    checkpoint = seal_checkpoint()
    assert checkpoint is not None
    assert verify_trail().problems == []
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    assert checkpoint.seq == head.seq
    events = AuditEvent.objects.count()

    text = text_of(browser.get(PAGE))

    assert f"event {head.seq} ({events} events up to it)" in text
    assert f"the checkpoint at event {head.seq}" in text
    assert text.count("Holds") == 2
    assert "Does not hold" not in text
    assert "None: every event written so far is chained." in text


def test_a_checkpoint_signed_with_another_key_is_shown_as_not_holding(
    tw: TrailWorld, signed_in: Any, settings: Any
) -> None:
    settings.CONVENE_AUDIT_CHECKPOINT_KEY = "another key, not this deployment's"
    assert seal_checkpoint() is not None
    settings.CONVENE_AUDIT_CHECKPOINT_KEY = "the deployment's own key, from its environment"

    text = text_of(signed_in(tw.auditor).get(PAGE))

    assert "Does not hold" in text
    assert "the trail's seals may have been altered" in text


def test_only_auditors_see_the_page(tw: TrailWorld, signed_in: Any, client: Any) -> None:
    seal_checkpoint()
    head = AuditCheckpoint.objects.get()
    for user in (tw.w.chair, tw.w.teacher, tw.outsider, tw.admin):
        response = signed_in(user).get(PAGE)
        assert response.status_code == 403, user.username
        assert f"event {head.seq}" not in text_of(response)
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/account/sign-in/")


def test_the_page_costs_the_same_queries_however_long_the_trail(
    tw: TrailWorld, signed_in: Any, django_assert_num_queries: Any
) -> None:
    seal_checkpoint()
    verify_trail()
    browser = signed_in(tw.auditor)
    # The frame (the user with their devices and unread count, docs/adr/0031), the newest checkpoint,
    # the newest verification run, the unsealed events' count and age; nothing per event.
    with django_assert_num_queries(4):
        assert browser.get(PAGE).status_code == 200
