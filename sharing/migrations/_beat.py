"""Registering an interval schedule with django-celery-beat from a data migration (not a migration itself:
the loader skips modules whose names start with an underscore)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

Step = Callable[[Any, Any], None]


def interval_task(
    *, name: str, task: str, every: int, period: str, expire_seconds: int, description: str
) -> tuple[Step, Step]:
    """The forward and backward steps of a RunPython that schedules ``task`` every ``every`` ``period``."""

    def schedule(apps: Any, schema_editor: Any) -> None:
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name,
            defaults={
                "task": task,
                "interval": interval,
                "enabled": True,
                "expire_seconds": expire_seconds,
                "description": description,
            },
        )
        _changed(apps)

    def unschedule(apps: Any, schema_editor: Any) -> None:
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name, task=task).delete()
        _changed(apps)

    return schedule, unschedule


def _changed(apps: Any) -> None:
    # Historical models skip PeriodicTask.save(): tell a running beat the schedule changed.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
