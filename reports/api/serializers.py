from __future__ import annotations

from typing import Any

from rest_framework import serializers


class StatisticsCellSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    count = serializers.IntegerField(allow_null=True, help_text="null when suppressed")
    suppressed = serializers.BooleanField()


class StatisticsTableSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    rows = StatisticsCellSerializer(many=True)
    total = serializers.IntegerField(allow_null=True, help_text="null when it would reveal a small number")


class StatisticsSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(source="period.label")
    tables = StatisticsTableSerializer(many=True)
