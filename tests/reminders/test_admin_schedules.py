"""Beat's schedules are database rows, registered by a migration. How often the sweep and the nightly
jobs run is the operators' business: superusers see and change them in the admin (audited), nobody
else gets in (ADR 0022). The reminder timings a partnership sets (a meeting's notice and papers, the
days to answer an information request) are on its own configuration pages."""

from __future__ import annotations

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from partnership.models import Role, User
from tests.conftest import sign_in_verified
from tests.partnership.factories import AdminUserFactory, AuditorUserFactory, UserFactory
from tests.world import new_panel

pytestmark = pytest.mark.django_db

SWEEP = "Send due reminders"


def _inline_management_data(page) -> dict[str, object]:
    """The read-only "tasks using this schedule" inline's management form, unchanged."""
    data: dict[str, object] = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            data[f"{form.prefix}-id"] = form.instance.pk
            data[f"{form.prefix}-{formset.fk.name}"] = form.instance.interval_id
    return data


def test_the_migrations_schedule_the_sweep_every_minute_and_the_nightly_jobs():
    sweep = PeriodicTask.objects.get(name=SWEEP)
    assert (sweep.task, sweep.enabled, sweep.interval.every, sweep.interval.period) == (
        "core.tasks.send_due_reminders",
        True,
        1,
        "minutes",
    )
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "sharing.tasks.tidy_expired_shares",
        "panels.tasks.generate_upcoming_meetings",
        "referrals.tasks.sync_open_reminders",
        "cases.tasks.sync_open_requests",
    } <= tasks


def _superuser() -> User:
    return UserFactory(agency=None, roles=[], is_superuser=True)


def test_a_superuser_sees_and_changes_the_schedules(client):
    sign_in_verified(client, _superuser())
    listing = client.get("/admin/django_celery_beat/periodictask/")
    assert listing.status_code == 200
    assert SWEEP in listing.content.decode()
    assert client.get("/admin/").content.decode().count("Periodic tasks") >= 1
    every = IntervalSchedule.objects.get(every=1, period="minutes")
    url = f"/admin/django_celery_beat/intervalschedule/{every.pk}/change/"
    data = {"every": 2, "period": "minutes", **_inline_management_data(client.get(url))}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PeriodicTask.objects.get(name=SWEEP).interval.every == 2
    sweep = PeriodicTask.objects.get(name=SWEEP)
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [sweep.pk]},
    )
    assert response.status_code == 302
    assert PeriodicTask.objects.get(name=SWEEP).enabled is False


@pytest.mark.parametrize("factory", [AdminUserFactory, AuditorUserFactory], ids=["partnership admin", "auditor"])
def test_partnership_admins_and_auditors_do_not_reach_the_schedules(client, factory):
    sign_in_verified(client, factory())
    sweep = PeriodicTask.objects.get(name=SWEEP)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 404
    assert client.get(f"/admin/django_celery_beat/periodictask/{sweep.pk}/change/").status_code == 404
    response = client.post(f"/admin/django_celery_beat/periodictask/{sweep.pk}/change/", {"name": "Renamed"})
    assert response.status_code == 404
    response = client.post(
        "/admin/django_celery_beat/periodictask/", {"action": "disable_tasks", "_selected_action": [sweep.pk]}
    )
    assert response.status_code == 404
    sweep.refresh_from_db()
    assert (sweep.name, sweep.enabled) == (SWEEP, True)


def test_a_partnership_admin_sets_the_reminder_timings_on_the_configuration_pages(client):
    panel = new_panel(UserFactory(roles=[Role.PANEL_CHAIR]))
    sign_in_verified(client, AdminUserFactory())
    panel_page = client.get(f"/manage/panels/{panel.pk}/").content.decode()
    for field in ("notice_days_before", "papers_days_before"):
        assert f'name="{field}"' in panel_page
    assert 'name="information_request_working_days"' in client.get("/manage/settings/").content.decode()


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.PANEL_CHAIR, Role.SPOC])
def test_case_workers_do_not_reach_the_schedules(client, role):
    sign_in_verified(client, UserFactory(roles=[role]))
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 404


def test_the_outbox_is_readable_but_not_writable_in_the_admin(client):
    sign_in_verified(client, _superuser())
    assert client.get("/admin/core/reminder/").status_code == 200
    assert client.get("/admin/core/reminder/add/").status_code == 403
