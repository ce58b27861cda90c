"""Real web nodes and workers for the two-node test: gunicorn serving ``config.wsgi`` on a socket this
process bound (so no port is ever raced for), and ``celery -A config worker`` (tests/reminders/worker.py),
all on ``tests.nodes.node_settings`` against the test database, the machine's Redis and the test's bucket.

Every wait is a hang guard, never a speed target: on a loaded two-core machine a Django process can take
a minute to start."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from tests.reminders.worker import HANG, ROOT, Worker, stop_group, wait_for

SETTINGS = "tests.nodes.node_settings"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NodeWorker(Worker):
    """A real Celery worker on the nodes' settings, with the deployment's storage variables."""

    def __init__(self, mail_dir: Path, *, storage_env: dict[str, str], cache_prefix: str) -> None:
        super().__init__(mail_dir, concurrency=2)
        self.storage_env = storage_env
        self.cache_prefix = cache_prefix

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(self.storage_env, DJANGO_SETTINGS_MODULE=SETTINGS, CONVENE_TEST_CACHE_PREFIX=self.cache_prefix)
        return env


class WebNode:
    """One gunicorn web node. ``env`` is a worker's environment: its queue gets the tasks this node queues."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.env = env
        self.log = log_dir / f"web-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.set_inheritable(True)
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        fd = listener.fileno()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"fd://{fd}",
                    "--workers",
                    "1",
                    "--threads",
                    "2",
                    "--timeout",
                    str(int(HANG)),
                    "--graceful-timeout",
                    "10",
                    "--log-level",
                    "warning",
                    "--error-logfile",
                    "-",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
            )
        listener.close()  # gunicorn holds its own copy; connections wait in the backlog until it accepts

    def url(self, path: str) -> str:
        return self.base_url + path

    def wait_until_ready(self) -> None:
        def ready() -> bool:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"web node {self.name} died:\n{self.output()}")
            try:
                return requests.get(self.url("/healthz/ready"), timeout=HANG).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(ready, interval=0.5, what=f"web node {self.name} to be ready")

    def stop(self) -> None:
        stop_group(self.process, grace=30)
        self.process = None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class Browser:
    """A person's browser: one cookie jar, whichever node a request reaches (cookies are per host, not port)."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def get(self, node: WebNode, path: str) -> requests.Response:
        return self.session.get(node.url(path), allow_redirects=False, timeout=HANG)

    def post(
        self, node: WebNode, path: str, data: dict[str, str], *, form_on: str | None = None, **extra: Any
    ) -> requests.Response:
        """Submit a form to ``path`` on ``node`` with the CSRF token of the page it is on (``form_on``, else
        ``path`` itself), as served by that node."""
        page = self.get(node, form_on or path)
        assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
        token = CSRF_FIELD.search(page.text)
        assert token is not None, page.text[:2000]
        form = {"csrfmiddlewaretoken": token.group(1), **data}
        return self.session.post(node.url(path), data=form, allow_redirects=False, timeout=HANG, **extra)
