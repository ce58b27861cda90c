"""``GET /api/v1/notifications/``: the caller's in-app notifications, newest first, cursor-paginated.

Thin: the page comes from ``core.notifications.inbox``; token and session authentication as
every endpoint (the project's DRF defaults), anonymous callers refused."""

from __future__ import annotations

from django.urls import path
from rest_framework import serializers

from core.api_views import CursorListView
from core.models import Notification
from core.notifications.inbox import notification_page_for


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(source="title", read_only=True)
    link = serializers.CharField(read_only=True, help_text="A path inside Convene (empty when there is none).")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "link", "created_at", "read"]
        read_only_fields = fields

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationListView(CursorListView):
    item = NotificationSerializer
    page_for = notification_page_for
    operation_id = "v1_notifications_list"
    summary = "The caller's in-app notifications, newest first"


urlpatterns = [
    path("notifications/", NotificationListView.as_view(), name="notification-list"),
]
