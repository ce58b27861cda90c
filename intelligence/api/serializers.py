"""Tension reports and self-assessments as partner systems see them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from intelligence.models import (
    AssessmentAction,
    DimensionScore,
    ResponseAction,
    SelfAssessment,
    TensionCategory,
    TensionEvent,
    TensionLevel,
    TensionReport,
    Trend,
)


class TensionReportSerializer(serializers.ModelSerializer):
    """A report as it is listed: what, where, how bad, from whom, and at what classification."""

    area = serializers.SerializerMethodField()
    source_agency = serializers.IntegerField(source="owning_agency_id", read_only=True)
    reviewed = serializers.SerializerMethodField()

    class Meta:
        model = TensionReport
        fields = [
            "id",
            "reference",
            "occurred_on",
            "area",
            "category",
            "level",
            "trend",
            "summary",
            "source_agency",
            "classification",
            "originator_only",
            "reviewed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_area(self, obj: TensionReport) -> dict[str, Any]:
        return {"id": obj.area_id, "name": obj.area.name}

    def get_reviewed(self, obj: TensionReport) -> bool:
        return obj.reviewed_at is not None


class ResponseActionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, done or cancelled")
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)

    class Meta:
        model = ResponseAction
        fields = ["id", "description", "owner_agency", "owner", "due_date", "status"]
        read_only_fields = fields


class TensionEventSerializer(serializers.ModelSerializer):
    actions = ResponseActionSerializer(many=True, read_only=True)

    class Meta:
        model = TensionEvent
        fields = ["id", "title", "starts_at", "location", "lead_agency", "response_plan", "actions"]
        read_only_fields = fields


class TensionReportDetailSerializer(TensionReportSerializer):
    """One report in full: its details, the weekly review's word and the events it is linked to."""

    events = TensionEventSerializer(many=True, read_only=True, source="linked_events")

    class Meta(TensionReportSerializer.Meta):
        fields = [*TensionReportSerializer.Meta.fields, "details", "reviewed_at", "review_note", "events"]
        read_only_fields = fields


class TensionReportCreateSerializer(serializers.Serializer):
    occurred_on = serializers.DateField()
    area = serializers.IntegerField(min_value=1)
    category = serializers.ChoiceField(choices=TensionCategory.choices)
    level = serializers.ChoiceField(choices=TensionLevel.choices)
    trend = serializers.ChoiceField(choices=Trend.choices)
    summary = serializers.CharField(max_length=200)
    details = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    classification = serializers.IntegerField(min_value=1, max_value=32767)
    originator_only = serializers.BooleanField(required=False, default=False)


class DimensionScoreSerializer(serializers.ModelSerializer):
    dimension = serializers.CharField(source="dimension.code")

    class Meta:
        model = DimensionScore
        fields = ["dimension", "score", "descriptor", "evidence"]
        read_only_fields = fields


class AssessmentActionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, done or cancelled")
    owner = serializers.CharField(source="owner.username")
    dimension = serializers.CharField(source="dimension.code", allow_null=True, default=None)

    class Meta:
        model = AssessmentAction
        fields = ["id", "description", "dimension", "owner", "due_date", "status"]
        read_only_fields = fields


class SelfAssessmentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft (in progress) or completed")

    class Meta:
        model = SelfAssessment
        fields = ["id", "year", "status", "completed_at"]
        read_only_fields = fields


class SelfAssessmentDetailSerializer(SelfAssessmentSerializer):
    scores = DimensionScoreSerializer(many=True, read_only=True, source="score_rows")
    actions = AssessmentActionSerializer(many=True, read_only=True, source="action_rows")

    class Meta(SelfAssessmentSerializer.Meta):
        fields = [*SelfAssessmentSerializer.Meta.fields, "scores", "actions"]
        read_only_fields = fields


class SelfAssessmentCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
