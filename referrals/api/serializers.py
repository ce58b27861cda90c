from __future__ import annotations

from typing import Any

from rest_framework import serializers

from referrals.models import (
    Awareness,
    CaseStatus,
    Ideology,
    Indicator,
    Referral,
    ScreeningDecision,
    SignpostService,
    Urgency,
)
from sharing.models import Share


class SubjectSerializer(serializers.Serializer):
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    other_names = serializers.CharField(max_length=300, required=False, allow_blank=True)
    approximate_age = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=120)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    school_or_employer = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as partner systems see it."""

    referring_agency = serializers.IntegerField(source="owning_agency_id", read_only=True)
    subject = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "status",
            "referring_agency",
            "classification",
            "originator_only",
            "subject",
            "concerns",
            "ideology",
            "indicators",
            "urgency",
            "immediate_risk",
            "created_at",
            "updated_at",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_subject(self, obj: Referral) -> dict[str, Any]:
        person = obj.subject
        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        }


class ReferralCreateSerializer(serializers.Serializer):
    """Only subject, concerns and classification are required; the structured fields are optional."""

    subject = SubjectSerializer()
    concerns = serializers.CharField(max_length=20000, trim_whitespace=True)
    classification = serializers.IntegerField(min_value=1, max_value=32767)
    originator_only = serializers.BooleanField(required=False, default=False)
    ideology = serializers.ChoiceField(choices=Ideology.choices, required=False)
    indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices), required=False, max_length=20
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    immediate_risk = serializers.BooleanField(required=False, allow_null=True)
    person_aware = serializers.ChoiceField(choices=Awareness.choices, required=False)
    consent_sought = serializers.ChoiceField(choices=Awareness.choices, required=False)


class ShareSerializer(serializers.ModelSerializer):
    class Meta:
        model = Share
        fields = ["id", "agency", "basis", "reason", "created_at", "expires_at", "revoked_at"]
        read_only_fields = fields


class ShareCreateSerializer(serializers.Serializer):
    agency = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=2000)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


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
        person = obj.referral.subject
        return {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        }


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
        from referrals.selectors import is_overdue

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
