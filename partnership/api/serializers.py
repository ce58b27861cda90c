from __future__ import annotations

from typing import Any

from rest_framework import serializers

from partnership.models import Agency, ClearanceLevel, User


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
