"""The demo partnership's community tensions and self-assessments, through the services: wards, a half year
of tension reports from the council and the police shared with the panel's agencies (enough a month in two
wards that the trends show numbers, not only suppressed cells), a planned counter-demonstration with its
response plan and actions, last year's completed self-assessment and this year's under way.

Idempotent: does nothing once any tension report exists."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction
from django.utils import timezone

from intelligence import services
from intelligence.models import Area, AssessmentDimension, SelfAssessment, TensionReport
from partnership.demo import DEMO_PANEL_NAME
from partnership.models import Agency, Panel, User

WARDS = (("Northgate", Area.Kind.WARD), ("Riverside", Area.Kind.WARD), ("Eastfield Estate", Area.Kind.NEIGHBOURHOOD))
REPORTERS = ("council.sc", "police.sc")
SHARED_WITH = ("police", "council", "health", "school")
PATTERN = (
    ("protest", 2, "stable", "Small protest outside the town hall"),
    ("online_activity", 3, "rising", "Hostile posts about the new community centre"),
    ("hate_incident", 3, "rising", "Graffiti on a place of worship"),
    ("counter_demonstration", 4, "rising", "Counter-demonstration called against a planned march"),
    ("event", 2, "falling", "Football derby passed off quietly"),
)


@transaction.atomic
def seed_tensions() -> None:
    if TensionReport.objects.exists():
        return
    areas = [Area.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in WARDS]
    reporters = list(User.objects.filter(username__in=REPORTERS).select_related("agency"))
    partners = list(Agency.objects.filter(users__username__in=[f"{slug}.spoc" for slug in SHARED_WITH]).distinct())
    if not reporters or not partners:
        return
    today = timezone.localdate()
    shapes = itertools.cycle(PATTERN)
    people = itertools.cycle(reporters)
    latest = None
    # Seven reports a month in the first two wards and two in the third (suppressed), over six months.
    for days_ago in range(0, 180, 4):
        for area in areas[:2] if days_ago % 12 else areas:
            category, level, trend, summary = next(shapes)
            author = next(people)
            latest = services.record_tension_report(
                actor=author,
                occurred_on=today - dt.timedelta(days=days_ago),
                area=area,
                category=category,
                level=level,
                trend=trend,
                summary=summary,
                details="Reported by the neighbourhood team and community contacts.",
                classification=1,
            )
            for agency in partners:
                if agency.pk != author.agency_id:
                    services.share_tension_report(
                        actor=author, report_id=latest.pk, agency=agency, reason="For the weekly tension review"
                    )
    if latest is not None:
        _plan_response(latest, partners)
    _seed_self_assessments(today.year)


def _plan_response(report: TensionReport, partners: list[Agency]) -> None:
    author = User.objects.get(pk=report.created_by_id or 0)
    police = next((a for a in partners if a.users.filter(username="police.spoc").exists()), partners[0])
    event = services.link_event(
        actor=author,
        report_id=report.pk,
        title="Planned march and counter-demonstration",
        starts_at=timezone.now() + dt.timedelta(days=10),
        location="Market Square",
        lead_agency=police,
        response_plan="Police lead on the day; the council briefs community leaders; schools reassure families.",
    )
    for agency in partners[:3]:
        services.add_response_action(
            actor=author,
            event_id=event.pk,
            description=f"{agency.name}: brief staff and community contacts before the march",
            owner_agency=agency,
            owner=None,
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )


def _seed_self_assessments(year: int) -> None:
    # Led by whoever chairs the demo panel (chairs and partnership admins edit the self-assessment).
    panel = Panel.objects.filter(name=DEMO_PANEL_NAME).select_related("chair").first()
    if panel is None or SelfAssessment.objects.exists():
        return
    chair = panel.chair
    dimensions = list(AssessmentDimension.objects.all())
    last = _scored(chair, year - 1, dimensions, (2, 2, 3, 2), "Agreed at the partnership board's annual review.")
    services.complete_self_assessment(actor=chair, assessment_id=last.pk)
    current = _scored(chair, year, dimensions, (3, 3), "Community tension reports are now shared every week.")
    services.add_assessment_action(
        actor=chair,
        assessment_id=current.pk,
        description="Agree a risk-based action plan with every partner",
        owner=chair,
        due_date=timezone.localdate() + dt.timedelta(days=60),
        dimension=dimensions[2] if len(dimensions) > 2 else None,
    )


def _scored(
    chair: User, year: int, dimensions: list[AssessmentDimension], scores: tuple[int, ...], evidence: str
) -> SelfAssessment:
    """``year``'s self-assessment, started by ``chair``: the first dimensions scored in order, with one evidence."""
    assessment = services.start_self_assessment(actor=chair, year=year)
    for dimension, score in zip(dimensions, scores, strict=False):
        services.score_dimension(
            actor=chair, assessment_id=assessment.pk, dimension=dimension, score=score, evidence=evidence
        )
    return assessment
