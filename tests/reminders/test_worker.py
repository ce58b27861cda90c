"""With a real Celery worker process and the machine's Redis: a worker killed with SIGKILL
in the middle of a batch loses no reminder and repeats none; a hundred duplicate deliveries
of the sweep send nothing twice; and with the broker unreachable the web keeps working and
every due reminder goes out once when it is back.

Emails go to Django's file backend in a temporary directory and are counted from the files."""

from __future__ import annotations

import time
import uuid
from collections import Counter

import kombu
import pytest
from celery import Celery
from django.utils import timezone

from config.celery import app as celery_app
from core.models import DeliveryAttempt, Notification, Reminder, ReminderStatus
from partnership.models import Role
from referrals.events import REFERRAL_TO_SCREEN
from referrals.reminders import SCREENING_AT_RISK
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import AgencyFactory, AuditorUserFactory, PoliceAgencyFactory, UserFactory, clearance
from tests.reminders.helpers import make_due_reminders
from tests.reminders.worker import HANG, SWEEP, Worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def _pending() -> int:
    return Reminder.objects.filter(status=ReminderStatus.PENDING).count()


@pytest.fixture
def worker(tmp_path):
    w = Worker(tmp_path / "mail")
    yield w
    w.cleanup()


def _wait_until_all_sent(worker: Worker, timeout: float = HANG, beat_every: float | None = None) -> float:
    """Wait until nothing is pending, publishing a sweep every ``beat_every`` seconds as beat would."""
    last_tick = time.monotonic()

    def done() -> bool:
        nonlocal last_tick
        if worker.process is not None and worker.process.poll() is not None:
            raise AssertionError("the worker died:\n" + worker.output())
        if beat_every is not None and time.monotonic() - last_tick > beat_every:
            worker.publish(batch_size=50)
            last_tick = time.monotonic()
        return _pending() == 0 and worker.redis.llen(worker.queue + ":" + worker.queue) == 0

    return wait_for(done, timeout=timeout, what="every reminder to be sent")


def test_a_worker_killed_mid_batch_then_restarted_sends_each_of_1000_reminders_exactly_once(worker, capsys):
    users = [AuditorUserFactory() for _ in range(10)]  # auditors hear of every break-glass opening
    ids = make_due_reminders(1000, users, due=timezone.now(), opener=UserFactory())
    began = time.monotonic()
    worker.start()
    worker.publish(count=3, batch_size=50)  # beat's ticks piling up: three sweeps share the work
    wait_for(lambda: sum(worker.emailed().values()) >= 300, what="a few hundred emails")
    worker.kill()
    before_restart = worker.emailed()
    left = _pending()
    assert 0 < left < 1000, "killed in the middle of the run"
    assert sum(before_restart.values()) < 1000
    # What the dead worker's database says was sent reached the mail files; the transactions it was in
    # the middle of rolled back. The one window sweep._send_one documents: a kill between an email leaving
    # and its COMMIT, at most one per worker process, sent again later under the same Message-ID.
    sent_ids = set(Reminder.objects.filter(status=ReminderStatus.SENT).values_list("pk", flat=True))
    in_flight = set(before_restart) - sent_ids
    assert sent_ids <= set(before_restart)
    assert len(in_flight) <= worker.concurrency, in_flight
    assert max(before_restart.values()) == 1

    # Restarted; beat keeps ticking (every second here). The dead sweeps' claims lapse after
    # CONVENE_REMINDER_CLAIM_SECONDS (3 s in the test worker) and their batches are sent then.
    worker.start()
    worker.publish(batch_size=50)
    _wait_until_all_sent(worker, beat_every=1.0)
    took = time.monotonic() - began

    emailed = worker.emailed()
    assert set(emailed) == set(ids), "every reminder emailed"
    assert {pk: n for pk, n in emailed.items() if n != 1} == dict.fromkeys(in_flight, 2), "each once, but the window"
    assert worker.message_ids_per_reminder() == Counter(dict.fromkeys(ids, 1)), "one Message-ID per reminder"
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 1000
    assert Notification.objects.count() == 1000
    assert DeliveryAttempt.objects.count() == 1000
    with capsys.disabled():
        print(
            f"\n  kill -9 test: {sum(before_restart.values())} sent before the kill, {left} left; all 1000 once in {took:.1f}s"
        )


def test_a_hundred_duplicate_deliveries_of_the_sweep_send_nothing_twice(worker, capsys):
    users = [AuditorUserFactory() for _ in range(6)]  # auditors hear of every break-glass opening
    ids = make_due_reminders(300, users, due=timezone.now(), opener=UserFactory())
    worker.concurrency = 4
    began = time.monotonic()
    worker.start()
    # The same task message delivered a hundred times (one id), as a redelivering broker would.
    worker.publish(count=100, task_id=str(uuid.uuid4()), batch_size=20)
    _wait_until_all_sent(worker)
    wait_for(lambda: worker.queued() == 0, what="all hundred deliveries to run and be acknowledged")
    took = time.monotonic() - began
    assert worker.emailed() == Counter(dict.fromkeys(ids, 1))
    assert DeliveryAttempt.objects.count() == 300
    assert Notification.objects.count() == 300
    with capsys.disabled():
        print(f"\n  100 duplicate deliveries: 300 reminders, each once, in {took:.1f}s")


def test_with_the_broker_unreachable_submissions_are_prompt_and_reminders_follow_once_it_is_back(
    worker, client, settings, monkeypatch, capsys
):
    # The screening clock warns at once (six working days before a five-day clock), so catch-up is visible.
    settings.CONVENE_REMINDER_TIMINGS = {"screening_at_risk_working_days": 6}
    police = PoliceAgencyFactory()
    officers = [UserFactory(agency=police, clearance=clearance(2), roles=[Role.SCREENING_OFFICER]) for _ in range(2)]
    teacher = UserFactory(agency=AgencyFactory(), clearance=clearance(2))
    headers = token_headers(teacher)

    # The broker is down: the web app's Celery points at a closed port, and a publish there fails.
    monkeypatch.setattr(celery_app.conf, "broker_url", CLOSED_PORT_BROKER)
    down = Celery("down", broker=CLOSED_PORT_BROKER)
    with pytest.raises(Exception):  # noqa: B017, PT011 - kombu's OperationalError
        down.send_task(SWEEP, retry=False)
    published: list[object] = []
    monkeypatch.setattr(celery_app, "send_task", lambda *a, **k: published.append(a))
    # "Prompt" without a stopwatch: the request path never even tries to reach the broker.
    connecting: list[object] = []
    monkeypatch.setattr(kombu.Connection, "ensure_connection", lambda self, *a, **k: connecting.append(self))
    monkeypatch.setattr(kombu.Connection, "connect", lambda self, *a, **k: connecting.append(self))

    timings = []
    for n in range(50):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/referrals/",
            {
                "subject": {"given_name": f"Given{n}", "family_name": "Outage", "date_of_birth": "2009-01-02"},
                "concerns": "Worrying posts during the outage",
                "classification": 1,
            },
            content_type="application/json",
            **headers,
        )
        timings.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content
    assert published == [], "nothing on the request path publishes to the broker"
    assert connecting == [], "nothing on the request path connects to the broker"
    # Each submission's screening clock warning, and its news to the officers that it waits for them.
    kinds = [SCREENING_AT_RISK, REFERRAL_TO_SCREEN]
    due = list(Reminder.objects.filter(kind__in=kinds, due_at__lte=timezone.now()).values_list("pk", flat=True))
    assert len(due) == 2 * 50 * len(officers)

    # Redis is back: two ticks of beat's every-minute sweep.
    monkeypatch.undo()
    began = time.monotonic()
    worker.start()
    worker.publish(batch_size=40)
    worker.publish(batch_size=40)
    _wait_until_all_sent(worker)
    wait_for(lambda: worker.queued() == 0, what="both sweeps to finish")
    took = time.monotonic() - began
    assert worker.emailed() == Counter(dict.fromkeys(due, 1))
    assert Counter(Notification.objects.values_list("recipient_id", flat=True)) == Counter(
        {o.pk: 2 * 50 for o in officers}
    )
    with capsys.disabled():
        print(
            f"\n  broker down: 50 submissions, slowest {max(timings) * 1000:.0f} ms, "
            f"median {sorted(timings)[25] * 1000:.0f} ms; {len(due)} reminders out once in {took:.1f}s after"
        )
