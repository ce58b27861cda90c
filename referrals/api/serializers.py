from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from partnership.models import Agency
from referrals.models import Awareness, Ideology, Indicator, Person, Referral, Urgency
from sharing.models import Share


def subject_summary(person: Person) -> dict[str, Any]:
    """Who a referral (and its case) is about, as the API's answers name them: names and date of birth only."""
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
    }


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
        return subject_summary(obj.subject)

    @cached_property
    def _output_timezone(self) -> tzinfo:
        """The time zone datetimes are given in, looked up once for a whole page (one serializer renders every row)."""
        return timezone.get_current_timezone()

    def to_representation(self, instance: Referral) -> dict[str, Any]:
        """The fields declared above, as DRF's fields would render them, built directly.

        The declared fields still describe the schema; rendering them through DRF's generic per-field machinery
        cost most of a page's serialization (about 40 us a row, against 5 us here). Choices are their values,
        datetimes ISO 8601 in the current time zone with ``Z`` for UTC, as ``DateTimeField`` gives them.
        """
        tz = self._output_timezone
        return {
            "id": instance.pk,
            "reference": instance.reference,
            "status": str(instance.status),
            "referring_agency": instance.owning_agency_id,
            "classification": instance.classification,
            "originator_only": instance.originator_only,
            "subject": self.get_subject(instance),
            "concerns": instance.concerns,
            "ideology": str(instance.ideology),
            "indicators": [str(indicator) for indicator in instance.indicators],
            "urgency": str(instance.urgency),
            "immediate_risk": instance.immediate_risk,
            "created_at": _iso_datetime(instance.created_at, tz),
            "updated_at": _iso_datetime(instance.updated_at, tz),
            "submitted_at": _iso_datetime(instance.submitted_at, tz),
        }


def _iso_datetime(value: datetime | None, tz: tzinfo) -> str | None:
    """``value`` as DRF's ``DateTimeField`` renders it (ISO 8601 in ``tz``, ``Z`` for UTC), None for None."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """``agency`` as the agency it names. Checked once every field is well formed, so a body with a bad
        field answers only that field's message."""
        agency = Agency.objects.filter(pk=attrs["agency"]).first()
        if agency is None:
            raise serializers.ValidationError({"agency": ["There is no agency with that id."]})
        return {**attrs, "agency": agency}
