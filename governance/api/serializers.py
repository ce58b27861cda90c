from __future__ import annotations

from rest_framework import serializers


class AuditEventSerializer(serializers.Serializer):
    """One event of the trail as the contract states it (the record's reference resolved in the query)."""

    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_username", help_text="Username; blank for the system.")
    agency = serializers.CharField(source="agency_name", help_text="The actor's agency at the time.")
    verb = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    reference = serializers.CharField(help_text="The human reference of the record; blank when none.")
    reason = serializers.CharField()
    break_glass = serializers.BooleanField()
    details = serializers.JSONField()
