"""Panels API shapes. Serializers check input shape; panels.services decides."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from panels.lifecycle import ACTION_OUTCOMES
from panels.models import (
    Action,
    ActionStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ConsentStatus,
    Decision,
    Discussion,
    ExitReason,
    Intervention,
    Meeting,
    SupportPlan,
)
from partnership.api.serializers import AgencyRefSerializer
from partnership.models import Panel, User


def _active_user_named(username: str) -> User | None:
    """The active user ``username`` names; None for a blank one (a field that names nobody)."""
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise serializers.ValidationError("There is no active user with that username.")
    return user


class PersonRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class PanelSerializer(serializers.ModelSerializer):
    chair = PersonRefSerializer(read_only=True)
    member_agencies = serializers.SerializerMethodField()

    class Meta:
        model = Panel
        fields = ["id", "name", "chair", "cadence_weeks", "member_agencies"]

    def get_member_agencies(self, obj: Panel) -> list[dict[str, Any]]:
        agencies = sorted((m.agency for m in obj.memberships.all()), key=lambda a: a.name)
        return AgencyRefSerializer(agencies, many=True).data  # type: ignore[return-value]


class MeetingSerializer(serializers.ModelSerializer):
    panel = serializers.IntegerField(source="panel_id", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "panel",
            "scheduled_at",
            "status",
            "venue",
            "call_link",
            "moved_reason",
            "cancelled_reason",
            "started_at",
            "signed_at",
        ]
        read_only_fields = fields


class AttendanceRowSerializer(serializers.Serializer):
    agency = AgencyRefSerializer()
    present = serializers.BooleanField(allow_null=True)
    attendee = PersonRefSerializer(allow_null=True)


class QuorumSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    overridden = serializers.BooleanField(help_text="The chair recorded a quorum override: the meeting may decide.")
    override_reason = serializers.CharField(allow_blank=True)


class MeetingDetailSerializer(MeetingSerializer):
    panel_name = serializers.CharField(source="panel.name", read_only=True)
    minutes = serializers.SerializerMethodField()
    signed_by = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "panel_name", "minutes", "signed_by"]
        read_only_fields = fields

    def get_minutes(self, obj: Meeting) -> str:
        return obj.minutes if obj.is_sealed else ""


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Discussion
        fields = [
            "id",
            "decision",
            "notes",
            "dissent",
            "next_review_date",
            "exit_reason",
            "signposted_to",
            "classification",
            "decided_at",
        ]
        read_only_fields = fields


class AgendaItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.pk")
    position = serializers.IntegerField(source="item.position")
    kind = serializers.CharField(source="item.kind")
    case = CaseRefSerializer()
    deferred = serializers.BooleanField(source="item.deferred")
    deferred_reason = serializers.CharField(source="item.deferred_reason")
    outstanding_requests = serializers.IntegerField(source="row.outstanding_requests")
    decision = DecisionSerializer(source="discussion", allow_null=True)
    decision_withheld = serializers.BooleanField(
        allow_null=True, help_text="A decision is recorded above the caller's clearance (null: not for the caller)."
    )


class AgendaSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    items = AgendaItemSerializer(many=True)
    withheld = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Items on cases the caller may not read: counted, never shown. Null for callers who are not "
            "the panel's chair or members."
        ),
    )


class MeetingCreateSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField()
    venue = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300, help_text="Blank: the panel's usual venue."
    )
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text="Why the meeting is added.")


class AgendaAddSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, help_text="A case of this panel that the chair may read.")
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text="Why the case is added.")


class AttendanceCreateSerializer(serializers.Serializer):
    agency = serializers.IntegerField(min_value=1, help_text="Any active agency, member of the panel or not.")
    present = serializers.BooleanField()
    attendee = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Username of who attended for that agency."
    )

    def validate_attendee(self, value: str) -> User | None:
        """The attendee's username, as the active user it names (blank: nobody named)."""
        return _active_user_named(value)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000)


class DecisionCreateSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    dissent = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    next_review_date = serializers.DateField(required=False, allow_null=True, default=None)
    exit_reason = serializers.ChoiceField(choices=ExitReason.choices, required=False, allow_blank=True, default="")
    signposted_to = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    classification = serializers.IntegerField(required=False, default=1, min_value=1, max_value=32767)


class ActionSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    meeting = serializers.IntegerField(source="meeting_id", read_only=True, allow_null=True)
    owner_agency = AgencyRefSerializer(read_only=True)
    owner = PersonRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Action
        fields = [
            "id",
            "case",
            "meeting",
            "description",
            "owner_agency",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "outcome_reason",
            "created_at",
        ]
        read_only_fields = fields


class ActionCreateSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=5000)
    owner_agency = serializers.IntegerField(min_value=1)
    owner = serializers.CharField(required=False, allow_blank=True, default="", help_text="Username of the owner.")
    due_date = serializers.DateField()
    meeting = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    def validate_owner(self, value: str) -> User | None:
        """The owner's username, as the active user it names (blank: no named owner)."""
        return _active_user_named(value)


class ActionCloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[(value, ActionStatus(value).label) for value in ACTION_OUTCOMES],
        help_text="done, not_done or not_possible (could not be done).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5000,
        help_text="Why it was not done or could not be done (needed for those two); a note when done.",
    )


class InterventionSerializer(serializers.ModelSerializer):
    provider = AgencyRefSerializer(read_only=True)

    class Meta:
        model = Intervention
        fields = ["id", "provider", "kind", "description", "starts_on", "ends_on", "status", "progress_notes"]
        read_only_fields = fields


class SupportPlanSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    status = serializers.CharField(allow_null=True, help_text="Null when no plan has been started.")
    objectives = serializers.CharField(allow_blank=True)
    activated_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    consent = serializers.ChoiceField(choices=ConsentStatus.choices, help_text="Current consent to Channel support.")
    interventions = InterventionSerializer(many=True)

    @staticmethod
    def build(
        case_id: int, plan: SupportPlan | None, interventions: list[Intervention], consent: str
    ) -> dict[str, Any]:
        return {
            "case": case_id,
            "status": plan.status if plan else None,
            "objectives": plan.objectives if plan else "",
            "activated_at": plan.activated_at if plan else None,
            "ended_at": plan.ended_at if plan else None,
            "consent": consent,
            "interventions": interventions,
        }


class ConsentSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    recorded_by = PersonRefSerializer(read_only=True)

    class Meta:
        model = ConsentRecord
        fields = [
            "id",
            "case",
            "purpose",
            "status",
            "given_by",
            "given_by_name",
            "method",
            "capacity_notes",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class ConsentCreateSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    status = serializers.ChoiceField(choices=ConsentStatus.choices)
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices, required=False, allow_blank=True, default="")
    given_by_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    method = serializers.ChoiceField(choices=ConsentMethod.choices, required=False, allow_blank=True, default="")
    capacity_notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
