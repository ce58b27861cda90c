from __future__ import annotations

from typing import Any

from rest_framework import serializers

from partnership.models import Agency, ClearanceLevel, Role, User


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name"]


class ClearanceLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClearanceLevel
        fields = ["rank", "name"]


class AgencySerializer(serializers.ModelSerializer):
    screening = serializers.BooleanField(source="screens_referrals", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "kind", "screening"]


class MeSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(allow_null=True, read_only=True)
    clearance = ClearanceLevelSerializer(allow_null=True, read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["username", "agency", "clearance", "roles"]

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["roles"] = sorted(instance.roles)
        return data


class UserSerializer(serializers.ModelSerializer):
    """A person as partnership admins configure them (GET, POST /api/v1/users/, GET, PATCH /api/v1/users/{id}/)."""

    full_name = serializers.CharField(max_length=301, required=False, allow_blank=True, source="get_full_name")
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Agency.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": "No agency has id {pk_value}."},
    )
    clearance_rank = serializers.SlugRelatedField(
        slug_field="rank",
        source="clearance",
        queryset=ClearanceLevel.objects.all(),
        allow_null=True,
        required=False,
        error_messages={"does_not_exist": "No clearance level has rank {value}."},
    )
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False)
    is_active = serializers.BooleanField(required=False)

    class Meta:
        model = User
        fields = ["id", "username", "email", "full_name", "agency", "clearance_rank", "roles", "is_active"]
        read_only_fields = ["id"]

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["roles"] = sorted(instance.roles)
        return data

    def changes(self) -> dict[str, Any]:
        """The validated input as ``partnership.services.update_user`` changes."""
        data = dict(self.validated_data)
        full_name = data.pop("get_full_name", None)
        if full_name is not None and (self.instance is None or full_name != self.instance.get_full_name()):
            first, _, last = full_name.strip().partition(" ")
            data["first_name"], data["last_name"] = first, last.strip()
        return data


class PendingChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    before = serializers.DictField()
    after = serializers.DictField()


class UserPendingSerializer(UserSerializer):
    """A user whose change (in part) waits for a second partnership admin: 202."""

    pending_approval = PendingChangeSerializer(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "pending_approval"]
