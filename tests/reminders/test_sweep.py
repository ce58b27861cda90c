"""The sweep: exactly once whoever runs it and however often, preferences and mandatory
kinds, failures, and emails that carry nothing personal."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from cases.reminders import REQUEST_DUE_SOON, REQUEST_OVERDUE
from core import notifications
from core.models import AttemptOutcome, DeliveryAttempt, Notification, NotificationPreference, Reminder, ReminderStatus
from core.tasks import send_due_reminders as sweep_task
from sharing.reminders import BREAK_GLASS
from tests.partnership.factories import AuditorUserFactory, UserFactory
from tests.reminders.helpers import T0, emailed, london, make_due_reminders, settle, sweep, travel

pytestmark = pytest.mark.django_db


def _request(world, due=dt.date(2026, 12, 29)):
    with travel(T0):
        case = world.case()
        [request] = world.ask(case, question="Q", due_date=due)
    settle()
    return request


def test_beat_down_for_days_one_sweep_catches_up_and_sends_each_once(world):
    _request(world)
    report = sweep(london(2027, 1, 4))  # nothing ran since before Christmas
    assert report.sent == 2
    assert emailed(REQUEST_DUE_SOON) == Counter({world.health_spoc.email: 1})
    assert emailed(REQUEST_OVERDUE) == Counter({world.health_spoc.email: 1})
    assert sweep(london(2027, 1, 4, 9, 1)).sent == 0
    assert len(mail.outbox) == 2


def test_each_send_records_its_attempt_and_links_its_notification(world):
    _request(world)
    sweep(london(2027, 1, 4))
    for reminder in Reminder.objects.filter(kind__in=[REQUEST_DUE_SOON, REQUEST_OVERDUE]):
        assert reminder.status == ReminderStatus.SENT
        assert reminder.finished_at == london(2027, 1, 4)
        [attempt] = reminder.attempts.all()
        assert (attempt.outcome, attempt.in_app, attempt.email) == (AttemptOutcome.SENT, True, True)
        assert reminder.notification.recipient_id == reminder.recipient_id


def test_in_app_only_preference_is_respected(world, client):
    notifications.set_email_preferences(user=world.health_spoc, choices={REQUEST_DUE_SOON: False})
    _request(world)
    sweep(london(2027, 1, 4))
    assert emailed(REQUEST_DUE_SOON) == {}
    assert emailed(REQUEST_OVERDUE) == Counter({world.health_spoc.email: 1})
    assert Notification.objects.filter(recipient=world.health_spoc, kind=REQUEST_DUE_SOON).count() == 1
    attempt = DeliveryAttempt.objects.get(reminder__kind=REQUEST_DUE_SOON)
    assert (attempt.in_app, attempt.email) == (True, False)


def test_mandatory_kinds_are_emailed_whatever_the_preference(world):
    NotificationPreference.objects.create(user=world.health_spoc, kind=REQUEST_DUE_SOON, email=False)
    _request(world)
    with override_settings(CONVENE_MANDATORY_REMINDER_KINDS=[REQUEST_DUE_SOON]):
        sweep(london(2027, 1, 4))
        # And a person cannot opt out of one.
        notifications.set_email_preferences(user=world.health_spoc, choices={REQUEST_DUE_SOON: False})
        assert notifications.email_preferences(world.health_spoc)[REQUEST_DUE_SOON] is True
    assert emailed(REQUEST_DUE_SOON) == Counter({world.health_spoc.email: 1})


def test_an_inactive_recipient_is_skipped(world):
    _request(world)
    type(world.health_spoc).objects.filter(pk=world.health_spoc.pk).update(is_active=False)
    report = sweep(london(2027, 1, 4))
    assert (report.sent, report.skipped) == (0, 2)
    assert mail.outbox == []


def test_a_failing_email_server_is_retried_later_and_nothing_is_half_sent(world):
    _request(world)
    with override_settings(EMAIL_BACKEND="tests.reminders.helpers.BrokenBackend"):
        assert sweep(london(2027, 1, 4, 9)).sent == 0
        reminder = Reminder.objects.get(kind=REQUEST_DUE_SOON)
        assert reminder.status == ReminderStatus.PENDING
        assert reminder.failures == 1
        assert reminder.retry_at == london(2027, 1, 4, 9, 2)
        # Rolled back with the failed send.
        assert not Notification.objects.filter(kind__in=[REQUEST_DUE_SOON, REQUEST_OVERDUE]).exists()
        assert sweep(london(2027, 1, 4, 9, 1)).sent == 0  # not before retry_at
        assert Reminder.objects.get(kind=REQUEST_DUE_SOON).failures == 1
    # The server is back: the next sweep after retry_at sends each once.
    assert sweep(london(2027, 1, 4, 9, 3)).sent == 2
    assert emailed(REQUEST_DUE_SOON) == Counter({world.health_spoc.email: 1})
    assert Notification.objects.filter(kind=REQUEST_DUE_SOON).count() == 1
    assert [a.outcome for a in Reminder.objects.get(kind=REQUEST_DUE_SOON).attempts.all()] == ["failed", "sent"]


def test_an_email_that_keeps_failing_is_given_up_on_after_five_tries(world):
    _request(world)
    with override_settings(EMAIL_BACKEND="tests.reminders.helpers.BrokenBackend"):
        for day in range(4, 11):
            sweep(london(2027, 1, day))
    failed = Reminder.objects.get(kind=REQUEST_DUE_SOON)
    assert failed.status == ReminderStatus.FAILED
    assert failed.failures == 5
    assert failed.attempts.filter(outcome=AttemptOutcome.FAILED).count() == 5
    assert sweep(london(2027, 1, 20)).sent == 0


def test_unknown_kinds_are_skipped_not_sent(world):
    [pk] = make_due_reminders(1, [world.chair], due=T0, kind="retired_kind")
    report = sweep(T0)
    assert report.skipped == 1
    assert Reminder.objects.get(pk=pk).status == ReminderStatus.SKIPPED


def test_the_email_says_what_is_due_and_links_in_with_nothing_personal(world, settings):
    settings.SITE_URL = "https://convene.example.gov.uk"
    request = _request(world)
    sweep(london(2027, 1, 4))
    message = next(m for m in mail.outbox if m.extra_headers["X-Convene-Kind"] == REQUEST_OVERDUE)
    case = request.case
    assert message.subject == (
        f"Convene: An information request about {case.reference} was due on Tuesday 29 December 2026 and is overdue"
    )
    # The link is the request's own page, which the SPOC may open.
    assert f"https://convene.example.gov.uk/referrals/requests/{request.pk}/" in message.body
    reminder = Reminder.objects.get(kind=REQUEST_OVERDUE)
    assert message.extra_headers["Message-ID"] == f"<reminder-{reminder.pk}@convene.example.gov.uk>"
    person = case.referral.subject
    text = message.subject + message.body
    for secret in (person.given_name, person.family_name, "2008", "14/03", case.referral.concerns):
        assert secret not in text


def test_batches_are_bounded_in_queries(world, django_assert_max_num_queries):
    # A health practitioner's opening: Health's SPOC and the auditors are told of it.
    second_auditor = AuditorUserFactory()
    make_due_reminders(150, [second_auditor, world.health_spoc, world.auditor], due=T0, opener=world.health_baseline)
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=u, kind=BREAK_GLASS, email=False) for u in (second_auditor, world.health_spoc)
    )
    # 100 in-app only settled together; 50 emailed, each in its own transaction
    # (6 statements a send: savepoint, lock, two inserts, update, release). Asking again who
    # may be told (DESIGN.md rule 12) costs two a kind a batch: the openings and the people.
    with (
        travel(T0),
        override_settings(CONVENE_MANDATORY_REMINDER_KINDS=[]),
        django_assert_max_num_queries(16 + 2 + 50 * 6),
    ):
        report = notifications.send_due_reminders(batch_size=200)
    assert (report.sent, report.emailed) == (150, 50)


def test_the_task_and_the_command_run_the_same_sweep(world, capsys):
    make_due_reminders(3, [world.auditor], due=T0, opener=world.chair)
    with travel(T0):
        assert sweep_task.run()["sent"] == 3
        make_due_reminders(2, [world.auditor], due=T0 - dt.timedelta(hours=1), opener=world.teacher)
        call_command("send_due_reminders", "--batch-size", "1")
    assert "Sent 2 (2 by email)" in capsys.readouterr().out
    assert len(mail.outbox) == 5
    assert sweep_task.acks_late
    assert sweep_task.reject_on_worker_lost


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_share_the_work_and_send_each_reminder_once():
    users = [AuditorUserFactory() for _ in range(5)]  # auditors hear of every break-glass opening
    ids = make_due_reminders(400, users, due=timezone.now(), opener=UserFactory())
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def run() -> None:
        try:
            start.wait()
            notifications.send_due_reminders(batch_size=25)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sent = Counter(int(m.extra_headers["X-Convene-Reminder"]) for m in mail.outbox)
    assert sent == Counter(ids)
    assert Notification.objects.count() == 400
    assert DeliveryAttempt.objects.count() == 400
    assert not Reminder.objects.exclude(status=ReminderStatus.SENT).exists()
