"""An app's capabilities over one kind of record (``sharing.policy.RecordCapabilities``), asked of a declaration
made here rather than of an app's: a capability is the actor's relation to the record asked of a reader through
their agency's grant, its refusal the app's own words; the break-glass capability is who may break glass, and
its refusal is always "not found", saying nothing about the record."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from core.errors import NotFound, PermissionDenied
from partnership.models import Role
from sharing import services as sharing_services
from sharing.policy import RecordCapabilities
from tests.world import Partnership, new_auditor

pytestmark = pytest.mark.django_db

REFUSAL = "Only the referrer may amend this referral."


class Widget(StrEnum):
    AMEND = "amend"
    BREAK_GLASS = "break_glass"


def _the_referrer(user: Any, record: Any) -> bool:
    return bool(record.created_by_id == user.pk)


CAPABILITIES: RecordCapabilities[Widget, Any] = RecordCapabilities(
    {Widget.AMEND: _the_referrer}, {Widget.AMEND: REFUSAL}, break_glass=Widget.BREAK_GLASS
)


@pytest.fixture
def world() -> Partnership:
    world = Partnership()
    # The teacher's colleague reads the school's referral through the school's grant, but did not write it.
    return world.people(colleague=(world.school, 1, Role.PRACTITIONER))


def test_the_relation_holding_for_a_grant_reader_allows(world: Partnership) -> None:
    referral = world.referral()
    assert CAPABILITIES.can(world.teacher, Widget.AMEND, referral) is True
    CAPABILITIES.require(world.teacher, Widget.AMEND, referral)  # no refusal


def test_a_grant_reader_without_the_relation_gets_the_apps_own_refusal(world: Partnership) -> None:
    referral = world.referral()
    colleague = world.colleague  # type: ignore[attr-defined]
    assert CAPABILITIES.can(colleague, Widget.AMEND, referral) is False
    with pytest.raises(PermissionDenied) as refused:
        CAPABILITIES.require(colleague, Widget.AMEND, referral)
    assert str(refused.value) == "Only the referrer may amend this referral."


def test_someone_who_cannot_read_the_record_is_told_it_is_not_found(world: Partnership) -> None:
    referral = world.referral()
    assert CAPABILITIES.can(world.health_baseline, Widget.AMEND, referral) is False
    with pytest.raises(NotFound):
        CAPABILITIES.require(world.health_baseline, Widget.AMEND, referral)


def test_a_reader_through_break_glass_may_read_only(world: Partnership) -> None:
    referral = world.referral()
    sharing_services.open_break_glass(actor=world.health_baseline, record=referral, reason="Safeguarding concern today")
    assert CAPABILITIES.can(world.health_baseline, Widget.AMEND, referral) is False
    with pytest.raises(PermissionDenied) as refused:
        CAPABILITIES.require(world.health_baseline, Widget.AMEND, referral)
    assert str(refused.value) == "Break-glass gives reading only."


def test_break_glass_is_allowed_to_a_case_worker_within_clearance_who_cannot_read_it(world: Partnership) -> None:
    referral = world.referral()
    assert CAPABILITIES.can(world.health_baseline, Widget.BREAK_GLASS, referral) is True
    CAPABILITIES.require(world.health_baseline, Widget.BREAK_GLASS, referral)  # no refusal


def test_break_glass_refused_for_clearance_is_not_found(world: Partnership) -> None:
    world.people(referrer_sc=(world.school, 2, Role.PRACTITIONER))
    referral = world.referral(world.referrer_sc, classification=2)  # type: ignore[attr-defined]
    assert CAPABILITIES.can(world.health_baseline, Widget.BREAK_GLASS, referral) is False
    with pytest.raises(NotFound) as refused:
        CAPABILITIES.require(world.health_baseline, Widget.BREAK_GLASS, referral)
    assert str(refused.value) == "Not found."


def test_break_glass_refused_to_someone_who_is_no_case_worker_is_not_found(world: Partnership) -> None:
    referral = world.referral()
    auditor = new_auditor(3)
    assert CAPABILITIES.can(auditor, Widget.BREAK_GLASS, referral) is False
    with pytest.raises(NotFound) as refused:
        CAPABILITIES.require(auditor, Widget.BREAK_GLASS, referral)
    assert str(refused.value) == "Not found."


def test_break_glass_never_asks_the_relations() -> None:
    asked: list[Any] = []

    def relation(user: Any, record: Any) -> bool:
        asked.append((user, record))
        return True

    only_break_glass: RecordCapabilities[Widget, Any] = RecordCapabilities(
        {Widget.AMEND: relation}, {Widget.AMEND: REFUSAL}, break_glass=Widget.BREAK_GLASS
    )
    world = Partnership()
    referral = world.referral()
    only_break_glass.require(world.health_baseline, Widget.BREAK_GLASS, referral)
    assert asked == []
