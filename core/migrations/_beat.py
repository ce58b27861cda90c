"""Registering django-celery-beat schedules from data migrations (not a migration itself: the loader
skips modules whose names start with an underscore). Every app's schedule migrations use it, so each
one says only what runs, when and why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

Step = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Scheduled:
    """One periodic task: every ``every`` ``period``, or at a ``crontab`` time (UK time, every day)."""

    name: str
    task: str
    description: str
    every: int = 0
    period: str = ""
    crontab: dict[str, str] = field(default_factory=dict)
    # A run left queued while workers were down is pointless once the next one is due.
    expire_seconds: int | None = None


def schedules(*tasks: Scheduled) -> tuple[Step, Step]:
    """The forward and backward steps of a RunPython that registers ``tasks`` (idempotent)."""

    def schedule(apps: Any, schema_editor: Any) -> None:
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for task in tasks:
            defaults: dict[str, Any] = {"task": task.task, "enabled": True, "description": task.description}
            defaults.update(_when(apps, task))
            if task.expire_seconds is not None:
                defaults["expire_seconds"] = task.expire_seconds
            PeriodicTask.objects.update_or_create(name=task.name, defaults=defaults)
        _changed(apps)

    def unschedule(apps: Any, schema_editor: Any) -> None:
        names = [task.name for task in tasks]
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()
        _changed(apps)

    return schedule, unschedule


def _when(apps: Any, task: Scheduled) -> dict[str, Any]:
    if task.crontab:
        # Europe/London, so the nightly jobs run at night here whatever the season.
        cron, _ = apps.get_model("django_celery_beat", "CrontabSchedule").objects.get_or_create(
            day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London", **task.crontab
        )
        return {"crontab": cron, "interval": None}
    interval, _ = apps.get_model("django_celery_beat", "IntervalSchedule").objects.get_or_create(
        every=task.every, period=task.period
    )
    return {"interval": interval, "crontab": None}


def _changed(apps: Any) -> None:
    # Historical models skip PeriodicTask.save(): tell a running beat the schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
