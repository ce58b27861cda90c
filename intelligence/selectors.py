"""Reads of tension reports and the self-assessment. Every function takes the viewer: tension reports
through ``sharing.policy`` (lists from the grant index, one query; withheld counted, never shown), the
self-assessment through ``intelligence.permissions``. Reads of reports are audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.audit import record_event, record_list_read
from core.errors import NotFound, ValidationError, id_or_not_found
from core.models import AuditVerb
from core.pagination import Page, keyset_page, page_size_of
from intelligence import permissions
from intelligence.models import (
    Area,
    AssessmentAction,
    AssessmentDimension,
    DimensionScore,
    ResponseAction,
    SelfAssessment,
    TensionEvent,
    TensionReport,
)
from intelligence.permissions import Capability
from partnership.models import User
from reports.disclosure import Table, suppress
from sharing import policy
from sharing.models import Share, ShareBasis

REPORT_LABEL = "intelligence.tensionreport"
TREND_MONTHS = 6
_LIST_FIELDS = (
    "sort_key",
    "content_object__id",
    "content_object__reference",
    "content_object__occurred_on",
    "content_object__area__id",
    "content_object__area__name",
    "content_object__category",
    "content_object__level",
    "content_object__trend",
    "content_object__summary",
    "content_object__classification",
    "content_object__originator_only",
    "content_object__owning_agency_id",
    "content_object__owning_agency__name",
    "content_object__created_by_id",
    "content_object__created_at",
    "content_object__updated_at",
    "content_object__reviewed_at",
)


def _listed(grants: QuerySet[Any]) -> QuerySet[Any]:
    return grants.select_related("content_object__area", "content_object__owning_agency").only(*_LIST_FIELDS)


def report_page_visible_to(*, viewer: User, cursor: str | None = None, page_size: Any = None) -> Page[TensionReport]:
    """A page of the tension reports the viewer may read, newest change first (keyset pagination, one query)."""
    size = page_size_of(page_size)
    rows, next_cursor, previous_cursor = keyset_page(
        _listed(policy.visible_grants(viewer, TensionReport)), cursor=cursor, size=size
    )
    results = [g.content_object for g in rows]
    record_list_read(actor=viewer, object_type=REPORT_LABEL, ids=[r.pk for r in results])
    return Page(results=results, next_cursor=next_cursor, previous_cursor=previous_cursor)


def week_of(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s week (the weekly review's week)."""
    return day - dt.timedelta(days=day.weekday())


def parse_week(value: str | None) -> dt.date:
    """A week named by any of its days (``2026-03-02``); this week when none is given."""
    if not value:
        return week_of(timezone.localdate())
    try:
        return week_of(dt.date.fromisoformat(value))
    except ValueError:
        raise ValidationError({"week": ["Give the week as a date, like 2026-03-02"]}) from None


@dataclass
class WeeklyLog:
    """A week's tension reports the viewer may read (highest level first) and how many are withheld."""

    week: dt.date
    reports: list[TensionReport]
    withheld: int

    @property
    def week_end(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def previous_week(self) -> dt.date:
        return self.week - dt.timedelta(days=7)

    @property
    def next_week(self) -> dt.date | None:
        following = self.week + dt.timedelta(days=7)
        return following if following <= timezone.localdate() else None

    @property
    def unreviewed(self) -> int:
        return sum(1 for r in self.reports if r.reviewed_at is None)


def weekly_log(*, viewer: User, week: dt.date) -> WeeklyLog:
    """The week's reports for the weekly review: two queries (the reports, the withheld count), audited."""
    in_week = {"content_object__occurred_on__gte": week, "content_object__occurred_on__lte": week + dt.timedelta(6)}
    grants = _listed(policy.visible_grants(viewer, TensionReport).filter(**in_week)).order_by(
        "-content_object__level", "-content_object__occurred_on", "-sort_key"
    )
    reports = [g.content_object for g in grants]
    withheld = policy.withheld_grants(viewer, TensionReport).filter(**in_week).count()
    record_list_read(
        actor=viewer, object_type=REPORT_LABEL, ids=[r.pk for r in reports], details={"week": week.isoformat()}
    )
    return WeeklyLog(week=week, reports=reports, withheld=withheld)


def _readable_reports(viewer: User) -> QuerySet[TensionReport]:
    """The reports the viewer may open, each noting how they read it, with what a report's page shows joined."""
    reports = TensionReport.objects.select_related("area", "owning_agency", "created_by", "reviewed_by")
    return policy.with_read_basis(viewer, reports)


def access_report(*, viewer: User, report_id: Any, audit: bool = True) -> TensionReport:
    """Fetch, authorise and audit one read (flagged under break-glass). The same 404 for missing and not-yours."""
    pk = id_or_not_found(report_id)
    report = _readable_reports(viewer).filter(pk=pk).first()
    if report is None:
        raise NotFound("Not found.")
    if audit:
        record_event(
            actor=viewer,
            verb=AuditVerb.RECORD_VIEWED,
            obj=report,
            break_glass=policy.under_break_glass(viewer, report),
        )
    return report


def report_for_break_glass(*, reference: str) -> TensionReport | None:
    """The report with this reference, for a break-glass request. The caller
    (``sharing.services.open_break_glass``) decides; the answer is never shown unless it allows."""
    return TensionReport.objects.filter(reference=reference.strip()).first()


def events_of(*, report: TensionReport) -> list[TensionEvent]:
    """A report the viewer already opened with ``access_report``: its events, each with its actions (two queries)."""
    actions = ResponseAction.objects.select_related("owner_agency", "owner")
    return list(report.events.select_related("lead_agency").prefetch_related(Prefetch("actions", queryset=actions)))


def _shares(report: TensionReport) -> QuerySet[Share]:
    return Share.objects.filter(content_type=ContentType.objects.get_for_model(TensionReport), object_id=report.pk)


def shares_of(*, viewer: User, report: TensionReport) -> list[Share]:
    """The ledger of who has access and why: for those who may share the report, else nothing."""
    if not permissions.can(viewer, Capability.SHARE_TENSION, report):
        return []
    return list(_shares(report).select_related("agency", "granted_by").order_by("created_at", "id"))


def share_to_revoke(*, viewer: User, report: TensionReport, share_id: Any) -> Share:
    """A live (unrevoked) explicit share of a report the viewer may share (``permissions.require`` first):
    404 for any other share (one following from an event, one already revoked, one of another report)."""
    permissions.require(viewer, Capability.SHARE_TENSION, report)
    share = (
        _shares(report)
        .filter(pk=id_or_not_found(share_id), basis=ShareBasis.EXPLICIT, revoked_at__isnull=True)
        .select_related("agency", "granted_by")
        .first()
    )
    if share is None:
        raise NotFound("Not found.")
    return share


def open_event(*, viewer: User, event_id: Any) -> TensionEvent:
    """An event of a report the viewer may read (404 otherwise, the same for a missing event): one query,
    the report as ``access_report`` reads it (unaudited) with the event joined."""
    pk = id_or_not_found(event_id)
    reports = _readable_reports(viewer).annotate(opened_event=FilteredRelation("events", condition=Q(events__pk=pk)))
    report = reports.filter(opened_event__pk=pk).select_related("opened_event").first()  # type: ignore[misc]
    if report is None:
        raise NotFound("Not found.")
    event: TensionEvent = report.opened_event
    event.report = report
    return event


def open_response_action(*, viewer: User, action_id: Any) -> ResponseAction:
    action = ResponseAction.objects.filter(pk=id_or_not_found(action_id)).select_related("event").first()
    if action is None:
        raise NotFound("Not found.")
    action.event.report = access_report(viewer=viewer, report_id=action.event.report_id, audit=False)
    return action


# --- Trends per area ---------------------------------------------------------------------------------


def _month_starts(today: dt.date, months: int) -> list[dt.date]:
    first = today.replace(day=1)
    starts = []
    for _ in range(months):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(starts))


@dataclass
class MonthPoint:
    month: dt.date
    count: int | None  # None: suppressed (1 to 4 reports, or given away by the others)
    average_level: float | None  # shown only beside a count that is shown


@dataclass
class AreaTrend:
    area: Area
    table: Table
    points: list[MonthPoint]


def area_trends(*, viewer: User, months: int = TREND_MONTHS) -> list[AreaTrend]:
    """Reports per area per month over the last ``months`` months, counted over the reports the viewer may
    read and suppressed by ``reports.disclosure`` (a count of 1 to 4 never shows, nor the level beside it).
    One query for the counts, one for the areas; audited as a disclosure."""
    starts = _month_starts(timezone.localdate(), months)
    readable = policy.visible(viewer, TensionReport.objects.filter(occurred_on__gte=starts[0]))
    rows = (
        readable.annotate(month=TruncMonth("occurred_on"))
        .values("area_id", "month")
        .annotate(n=Count("pk"), level=Avg("level"))
        .order_by()
    )
    found: dict[tuple[int, dt.date], tuple[int, float]] = {}
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        found[(row["area_id"], month)] = (row["n"], row["level"])
    trends = []
    for area in Area.objects.filter(pk__in={a for a, _ in found}).order_by("name"):
        counts = [(f"{m:%B %Y}", found.get((area.pk, m), (0, 0.0))[0]) for m in starts]
        table = suppress(area.name, counts)
        points = [
            MonthPoint(
                month=m,
                count=cell.count,
                average_level=round(found[(area.pk, m)][1], 1) if cell.count else None,
            )
            for m, cell in zip(starts, table.rows, strict=True)
        ]
        trends.append(AreaTrend(area=area, table=table, points=points))
    record_event(
        actor=viewer, verb=AuditVerb.EXPORTED, object_type="intelligence.tension_trends", details={"months": months}
    )
    return trends


# --- The self-assessment ------------------------------------------------------------------------------


def dimensions() -> list[AssessmentDimension]:
    """The framework's dimensions in order, without their descriptors (one query): what a page that only
    names them needs."""
    return list(AssessmentDimension.objects.all())


def assessments_for(*, viewer: User) -> list[SelfAssessment]:
    permissions.require_read_self_assessment(viewer)
    return list(SelfAssessment.objects.annotate(scored=Count("scores")).order_by("-year"))


@dataclass
class AssessmentRecord:
    assessment: SelfAssessment
    scores: dict[int, DimensionScore]  # by dimension id
    actions: list[AssessmentAction]


def access_assessment(*, viewer: User, assessment_id: Any) -> AssessmentRecord:
    """One year's assessment for a member of the partnership (404 for anyone else): three queries."""
    permissions.require_read_self_assessment(viewer)
    assessment = SelfAssessment.objects.filter(pk=id_or_not_found(assessment_id)).first()
    if assessment is None:
        raise NotFound("Not found.")
    scores = {s.dimension_id: s for s in assessment.scores.select_related("dimension")}
    actions = list(assessment.actions.select_related("owner", "dimension"))
    return AssessmentRecord(assessment=assessment, scores=scores, actions=actions)


def _noted_year(viewer: User, assessment_id: Any) -> SelfAssessment | None:
    """The year, with the year before it (``year_before``) and whether the viewer chairs a panel noted."""
    before = SelfAssessment.objects.filter(year__lt=OuterRef("year")).order_by("-year").values("year")[:1]
    years = permissions.noting_chair(viewer, SelfAssessment.objects.annotate(year_before=Subquery(before)))
    return years.filter(pk=id_or_not_found(assessment_id)).first()


def year_for(*, viewer: User, assessment_id: Any) -> SelfAssessment:
    """One year for a member of the partnership (404 for anyone else), with the year before it
    (``year_before``, None for the first year) and the viewer's edit right noted: one query."""
    permissions.require_read_self_assessment(viewer)
    assessment = _noted_year(viewer, assessment_id)
    if assessment is None:
        raise NotFound("Not found.")
    return assessment


def editable_year(*, viewer: User, assessment_id: Any) -> SelfAssessment:
    """``year_for`` for someone who may change the self-assessment (refused for the other members): one
    query, two for a year that does not exist."""
    permissions.require_read_self_assessment(viewer)
    assessment = _noted_year(viewer, assessment_id)
    permissions.require_edit_self_assessment(viewer, noted_on=assessment)
    if assessment is None:
        raise NotFound("Not found.")
    return assessment


def _year_scores(assessment: SelfAssessment, fields: tuple[str, ...]) -> dict[str, Subquery]:
    """For a query of dimensions: ``fields`` of the year's score of each (``year_score`` ...; None unscored)."""
    score = DimensionScore.objects.filter(assessment_id=assessment.pk, dimension_id=OuterRef("pk")).order_by()
    return {f"year_{field}": Subquery(score.values(field)[:1]) for field in fields}


def scored_dimensions(*, assessment: SelfAssessment) -> list[AssessmentDimension]:
    """The framework's dimensions in order, each with the year's ``year_score``, ``year_descriptor`` and
    ``year_evidence`` (None where it is not scored yet): one query."""
    scored = _year_scores(assessment, ("score", "descriptor", "evidence"))
    return list(AssessmentDimension.objects.annotate(**scored))


def actions_of(*, assessment: SelfAssessment) -> list[AssessmentAction]:
    """The year's action plan, with each action's owner and dimension (one query)."""
    return list(assessment.actions.select_related("owner", "dimension"))


def dimension_to_score(*, assessment: SelfAssessment, dimension_id: Any) -> AssessmentDimension:
    """A dimension with its descriptors, and the year's ``year_score`` and ``year_evidence`` of it (None
    unscored): two queries. 404 when there is no such dimension."""
    dimensions = AssessmentDimension.objects.annotate(**_year_scores(assessment, ("score", "evidence")))
    dimension = dimensions.prefetch_related("descriptors").filter(pk=id_or_not_found(dimension_id)).first()
    if dimension is None:
        raise NotFound("Not found.")
    return dimension


def dimension_to_adapt(*, viewer: User, dimension_id: Any) -> AssessmentDimension:
    """A dimension with its descriptors, for someone who may adapt the framework's wording (refused for
    the other members, 404 for anyone else and for a dimension that does not exist): two queries."""
    permissions.require_read_self_assessment(viewer)
    dimensions = permissions.noting_chair(viewer, AssessmentDimension.objects.prefetch_related("descriptors"))
    dimension = dimensions.filter(pk=id_or_not_found(dimension_id)).first()
    permissions.require_edit_self_assessment(viewer, noted_on=dimension)
    if dimension is None:
        raise NotFound("Not found.")
    return dimension


@dataclass
class ComparisonRow:
    dimension: AssessmentDimension
    scores: list[DimensionScore | None]  # one per year compared, in the years' order


def compare_years(*, viewer: User, years: list[int]) -> tuple[list[SelfAssessment], list[ComparisonRow]]:
    """Years side by side, one row per dimension (three queries): the years asked for, or every year when
    none is asked for."""
    permissions.require_read_self_assessment(viewer)
    chosen = SelfAssessment.objects.filter(year__in=years) if years else SelfAssessment.objects.all()
    assessments = list(chosen.order_by("year"))
    scores = {(s.assessment_id, s.dimension_id): s for s in DimensionScore.objects.filter(assessment__in=assessments)}
    rows = [
        ComparisonRow(dimension=d, scores=[scores.get((a.pk, d.pk)) for a in assessments])
        for d in AssessmentDimension.objects.all()
    ]
    return assessments, rows


def assessment_action_owners() -> QuerySet[User]:
    """Who may own an action of the plan: the partnership's active members."""
    return User.objects.filter(permissions.self_assessment_readers_q()).order_by("username")
