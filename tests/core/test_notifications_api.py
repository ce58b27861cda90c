"""``core.notifications`` is a package; the names other apps import from it stay importable there,
and the notification centre's views, URLs and header count are wired from it."""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.urls import resolve, reverse

# What referrals/, panels/, sharing/, core/ and bench/ import from core.notifications today.
PUBLIC = [
    "DEFAULT_BATCH_SIZE",
    "Due",
    "ReminderKind",
    "SweepReport",
    "alert_now",
    "at_london",
    "cancel_reminders",
    "email_preferences",
    "london_date",
    "mandatory_kinds",
    "mark_all_read",
    "mark_read",
    "next_working_day",
    "notify",
    "register_kind",
    "reminder_kinds",
    "send_due_reminders",
    "set_email_preferences",
    "sync_reminders",
    "timing",
    "unread_count",
    "working_days_before",
]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names_are_importable_from_the_package(name):
    assert hasattr(importlib.import_module("core.notifications"), name)


def test_calendar_helpers_are_the_working_days_ones():
    notifications = importlib.import_module("core.notifications")
    working_days = importlib.import_module("core.working_days")
    for name in ("at_london", "london_date", "next_working_day", "working_days_before"):
        assert getattr(notifications, name) is getattr(working_days, name)


@pytest.mark.parametrize("module", ["core.notification_views", "core.notification_urls", "core.notification_context"])
def test_the_old_flat_modules_are_gone(module):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module)


def test_the_notification_centre_is_routed_to_the_package_views():
    assert reverse("notifications:list") == "/notifications/"
    assert resolve("/notifications/preferences/").func.__module__ == "core.notifications.views"


def test_the_header_count_comes_from_the_package():
    processors = [p for t in settings.TEMPLATES for p in t["OPTIONS"].get("context_processors", [])]
    assert "core.notifications.context.unread_notifications" in processors


@pytest.mark.parametrize(
    "migration", ["0001_notifications", "0002_reminders_outbox_preferences", "0003_schedule_reminder_tasks"]
)
def test_core_migrations_still_import(migration):
    assert importlib.import_module(f"core.migrations.{migration}").Migration
