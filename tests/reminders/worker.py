"""A real ``celery -A config worker`` in a subprocess, against the machine's Redis and the
test database, with the email it sends counted from its mail files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import redis
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CONVENE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
SWEEP = "core.tasks.send_due_reminders"
REMINDER_HEADER = re.compile(rb"^X-Convene-Reminder: (\d+)\r?$", re.M)
MESSAGE_ID_HEADER = re.compile(rb"^Message-ID: (<[^>]+>)\r?$", re.M | re.I)
MESSAGE_SEPARATOR = b"-" * 79  # Django's file backend writes this line after every message


def database_url() -> str:
    """The test database pytest created, as a URL the worker process can use."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    host = s["HOST"] or "localhost"
    if host.startswith("/"):
        # A Unix socket directory (the embedded server of `make test`): django-environ reads it from
        # the URL's path, percent-encoded, not from its host (as config/embedded.py writes it).
        return f"postgres://{auth}@{port}/{quote(host, safe='')}/{s['NAME']}"
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def stop_group(process: subprocess.Popen[bytes] | None, *, grace: float = 15) -> None:
    """Stop a process started in a session of its own, and all its children: SIGTERM, then SIGKILL after ``grace``."""
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class Worker:
    def __init__(self, mail_dir: Path, *, concurrency: int = 3) -> None:
        self.queue = f"convene-test-{uuid.uuid4().hex[:12]}"
        self.mail_dir = mail_dir
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self.log = mail_dir.parent / f"{self.queue}.log"
        self.publisher = Celery("convene-test-publisher", broker=REDIS_URL)
        self.publisher.conf.broker_transport_options = {
            "visibility_timeout": 3600,
            "global_keyprefix": self.queue + ":",
        }
        self.publisher.conf.task_default_queue = self.queue
        self.redis = redis.Redis.from_url(REDIS_URL)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.reminders.worker_settings",
            DATABASE_URL=database_url(),
            CONVENE_TEST_BROKER_URL=REDIS_URL,
            REDIS_URL=REDIS_URL,
            CONVENE_TEST_QUEUE=self.queue,
            CONVENE_TEST_MAIL_DIR=str(self.mail_dir),
            PYTHONPATH=str(ROOT),
        )
        return env

    def start(self) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        log = self.log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def publish(self, *, count: int = 1, task_id: str | None = None, **kwargs: object) -> None:
        for _ in range(count):
            self.publisher.send_task(SWEEP, kwargs=kwargs, queue=self.queue, task_id=task_id)

    def kill(self) -> None:
        """kill -9, the whole process group: no clean shutdown, no acks, open transactions cut."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.process)
        self.process = None

    def queued(self) -> int:
        """Messages waiting, or delivered but not yet acknowledged, in this worker's queue."""
        prefix = self.queue + ":"
        return int(self.redis.llen(prefix + self.queue)) + int(self.redis.hlen(prefix + "unacked"))

    def emailed(self) -> Counter[int]:
        """How many times each reminder was emailed, read from every mail file the worker wrote."""
        sent: Counter[int] = Counter()
        for path in self.mail_dir.glob("*"):
            sent.update(int(n) for n in REMINDER_HEADER.findall(path.read_bytes()))
        return sent

    def message_ids_per_reminder(self) -> Counter[int]:
        """How many distinct Message-IDs each reminder's emails carried (a repeat reuses its first one)."""
        ids: dict[int, set[bytes]] = {}
        for path in self.mail_dir.glob("*"):
            for message in path.read_bytes().split(MESSAGE_SEPARATOR):
                reminder = REMINDER_HEADER.search(message)
                message_id = MESSAGE_ID_HEADER.search(message)
                if reminder and message_id:
                    ids.setdefault(int(reminder.group(1)), set()).add(message_id.group(1))
        return Counter({pk: len(found) for pk, found in ids.items()})

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def cleanup(self) -> None:
        self.stop()
        keys = list(self.redis.scan_iter(match=self.queue + ":*"))
        if keys:
            self.redis.delete(*keys)
        self.publisher.close()


# How long a wait may last before the test calls it a hang. A guard, never a speed target: on a
# loaded machine (CI beside other jobs) a real worker can take minutes over a thousand emails.
HANG = 600.0


def wait_for(condition, *, timeout: float = HANG, interval: float = 0.02, what: str = "") -> float:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
    return time.monotonic() - began
