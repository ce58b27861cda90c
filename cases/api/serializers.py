from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cases.models import CaseStatus
from referrals.api.serializers import subject_summary
from referrals.models import ScreeningDecision, SignpostService


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    referral = serializers.IntegerField(source="referral_id")
    referral_reference = serializers.CharField(source="referral.reference")
    status = serializers.CharField()
    owner = serializers.CharField(source="owner.username")
    panel = serializers.IntegerField(source="panel_id")
    classification = serializers.IntegerField(source="referral.classification")
    subject = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    version = serializers.IntegerField()

    def get_subject(self, obj: Any) -> dict[str, Any]:
        return subject_summary(obj.referral.subject)


class ChronologyEntrySerializer(serializers.Serializer):
    """An entry as the reader may see it: the full text, or only the releasable summary."""

    id = serializers.IntegerField(source="entry.pk")
    occurred_at = serializers.DateTimeField(source="entry.occurred_at")
    entry_type = serializers.CharField(source="entry.entry_type")
    title = serializers.CharField(source="entry.title")
    text = serializers.CharField()
    summary_only = serializers.SerializerMethodField()
    classification = serializers.IntegerField(source="entry.classification")
    agency = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    significant = serializers.BooleanField(source="entry.significant")

    def get_summary_only(self, obj: Any) -> bool:
        return not obj.full

    def get_agency(self, obj: Any) -> dict[str, Any]:
        return {"id": obj.entry.owning_agency_id, "name": obj.entry.owning_agency.name}

    def get_author(self, obj: Any) -> str | None:
        author = obj.entry.created_by
        return author.get_full_name() or author.username if author else None


class ChronologySerializer(serializers.Serializer):
    entries = ChronologyEntrySerializer(many=True, source="items")
    withheld = serializers.IntegerField()


class ScreeningDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ScreeningDecision.choices)
    rationale = serializers.CharField(max_length=20000)
    signposted_to = serializers.ChoiceField(choices=SignpostService.choices, required=False, allow_blank=True)
    panel = serializers.IntegerField(required=False, allow_null=True)
    case_owner = serializers.CharField(required=False, allow_blank=True, help_text="Username of the case owner.")


class InformationRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    case = serializers.IntegerField(source="case_id")
    agency = serializers.IntegerField(source="agency_id")
    question = serializers.CharField()
    due_date = serializers.DateField()
    status = serializers.CharField()
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True, default=None)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, obj: Any) -> bool:
        from cases.selectors import is_overdue

        return is_overdue(obj)


class InformationRequestCreateSerializer(serializers.Serializer):
    agencies = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=50)
    question = serializers.CharField(max_length=20000)
    due_date = serializers.DateField(required=False, allow_null=True)


class ContributionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=50000)
    classification = serializers.IntegerField(min_value=1, max_value=32767)
    releasable_summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CaseTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    reason = serializers.CharField(max_length=5000)
