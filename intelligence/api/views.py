"""Tension reports and self-assessments API: thin views over intelligence.services and intelligence.selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.api_views import CursorListView, listed
from intelligence import selectors, services
from intelligence.api.serializers import (
    SelfAssessmentCreateSerializer,
    SelfAssessmentDetailSerializer,
    SelfAssessmentSerializer,
    TensionReportCreateSerializer,
    TensionReportDetailSerializer,
    TensionReportSerializer,
)
from intelligence.models import Area, TensionReport
from partnership.api.authentication import AuthenticatedRequest
from referrals.api.views import ShareCreateView
from sharing.models import Share


def _report_detail(request: AuthenticatedRequest, report_id: int, *, audit: bool, code: int = 200) -> Response:
    report: Any = selectors.access_report(viewer=request.user, report_id=report_id, audit=audit)
    report.linked_events = selectors.events_of(report=report)
    return Response(TensionReportDetailSerializer(report).data, status=code)


class TensionReportListView(CursorListView):
    item = TensionReportSerializer
    page_for = selectors.report_page_visible_to
    operation_id = "v1_tension_reports_list"
    summary = "Tension reports the caller may see, newest change first"

    @extend_schema(
        request=TensionReportCreateSerializer,
        responses={201: TensionReportDetailSerializer},
        summary="Record a tension report for the caller's agency",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = dict(validated(TensionReportCreateSerializer, request))
        data["area"] = Area.objects.filter(pk=data["area"]).first()
        report = services.record_tension_report(actor=request.user, **data)
        return _report_detail(request, report.pk, audit=False, code=status.HTTP_201_CREATED)


class TensionReportDetailView(APIView):
    @extend_schema(
        responses=TensionReportDetailSerializer,
        summary="One tension report with its events and response (404 when the caller may not see it)",
    )
    def get(self, request: AuthenticatedRequest, report_id: int) -> Response:
        return _report_detail(request, report_id, audit=True)


class TensionReportShareListView(ShareCreateView):
    summary = "Share a tension report with an agency"

    def opened(self, request: AuthenticatedRequest) -> TensionReport:
        return selectors.access_report(viewer=request.user, report_id=self.kwargs["report_id"], audit=False)

    def act(self, request: AuthenticatedRequest, report: TensionReport, data: dict[str, Any]) -> Share:
        return services.share_tension_report(actor=request.user, report_id=report.pk, **data)


def _assessment_detail(request: AuthenticatedRequest, assessment_id: int, code: int = 200) -> Response:
    record = selectors.access_assessment(viewer=request.user, assessment_id=assessment_id)
    assessment: Any = record.assessment
    assessment.score_rows = list(record.scores.values())
    assessment.action_rows = record.actions
    return Response(SelfAssessmentDetailSerializer(assessment).data, status=code)


class SelfAssessmentListView(APIView):
    @extend_schema(
        operation_id="v1_self_assessments_list",
        responses=SelfAssessmentSerializer(many=True),
        summary="The partnership's self-assessments, newest year first (members of the partnership)",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return listed(SelfAssessmentSerializer, selectors.assessments_for(viewer=request.user))

    @extend_schema(
        request=SelfAssessmentCreateSerializer,
        responses={201: SelfAssessmentDetailSerializer},
        summary="Start a year's self-assessment (partnership admins and panel chairs)",
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = validated(SelfAssessmentCreateSerializer, request)
        assessment = services.start_self_assessment(actor=request.user, year=data["year"])
        return _assessment_detail(request, assessment.pk, status.HTTP_201_CREATED)


class SelfAssessmentDetailView(APIView):
    @extend_schema(
        responses=SelfAssessmentDetailSerializer,
        summary="One year's self-assessment: scores against their descriptors, evidence and the action plan",
    )
    def get(self, request: AuthenticatedRequest, assessment_id: int) -> Response:
        return _assessment_detail(request, assessment_id)
