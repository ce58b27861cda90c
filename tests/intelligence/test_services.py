"""The services' rules that the matrices do not spell out: actions' lifecycle and reminders, the
self-assessment's completion and the framework's wording."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import InvalidTransition, PermissionDenied, ValidationError
from core.models import Reminder, ReminderStatus
from intelligence import services
from intelligence.models import AssessmentDimension, DimensionScore
from tests.intelligence.conftest import TensionWorld
from tests.world import add_action, link_march

pytestmark = pytest.mark.django_db

SOON = timezone.localdate() + dt.timedelta(days=10)


def _pending(action) -> set[tuple[str, int]]:
    rows = Reminder.objects.filter(object_id=action.pk, status=ReminderStatus.PENDING, kind__startswith="tension")
    return set(rows.values_list("kind", "recipient_id"))


def test_a_response_action_reminds_only_those_who_may_read_the_report_and_stops_when_done(world: TensionWorld) -> None:
    report = world.report()
    world.share(report, world.health)
    event = link_march(
        world.officer_council, report, lead_agency=world.police, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    health = add_action(world.officer_council, event, owner_agency=world.health, due_date=SOON)
    assert {recipient for _, recipient in _pending(health)} == {world.health_spoc.pk}
    police = add_action(world.officer_council, event, owner_agency=world.police, due_date=SOON, description="Patrols")
    assert _pending(police) == set(), "the police were never shared the report: nobody there is told"
    services.close_response_action(actor=world.officer_council, action_id=health.pk, status="done")
    assert _pending(health) == set()
    with pytest.raises(InvalidTransition):
        services.close_response_action(actor=world.officer_council, action_id=health.pk, status="cancelled")


def test_a_year_completes_once_every_dimension_is_scored_and_is_then_history(world: TensionWorld) -> None:
    assessment = services.start_self_assessment(actor=world.chair, year=timezone.localdate().year)
    dimensions = list(AssessmentDimension.objects.all())
    assert len(dimensions) == 4
    with pytest.raises(ValidationError):
        services.complete_self_assessment(actor=world.chair, assessment_id=assessment.pk)
    for dimension in dimensions:
        services.score_dimension(
            actor=world.admin, assessment_id=assessment.pk, dimension=dimension, score=4, evidence="Board minutes"
        )
    with pytest.raises(PermissionDenied):
        services.complete_self_assessment(actor=world.teacher, assessment_id=assessment.pk)
    services.complete_self_assessment(actor=world.chair, assessment_id=assessment.pk)
    with pytest.raises(ValidationError):
        services.score_dimension(
            actor=world.chair, assessment_id=assessment.pk, dimension=dimensions[0], score=5, evidence="Later"
        )


def test_adapting_the_wording_keeps_the_descriptor_a_year_was_scored_against(world: TensionWorld) -> None:
    assessment = services.start_self_assessment(actor=world.chair, year=timezone.localdate().year)
    dimension = AssessmentDimension.objects.first()
    scored = services.score_dimension(
        actor=world.chair, assessment_id=assessment.pk, dimension=dimension, score=2, evidence="Minutes"
    )
    services.adapt_dimension(
        actor=world.admin, dimension_id=dimension.pk, title="Working with communities", descriptors=list("abcde")
    )
    assert DimensionScore.objects.get(pk=scored.pk).descriptor == scored.descriptor != "b"
    assert dict(dimension.descriptors.values_list("score", "text"))[2] == "b"
    with pytest.raises(PermissionDenied):
        services.adapt_dimension(actor=world.teacher, dimension_id=dimension.pk, title="X", descriptors=list("abcde"))
