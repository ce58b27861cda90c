"""Plain ``pytest`` with no ``DATABASE_URL``: start (or reuse) the embedded PostgreSQL.

The test settings only compute the embedded server's address (importing settings starts
nothing); this plugin starts the server once, in the main pytest process before any test
database is made, and exports ``DATABASE_URL`` so xdist workers and the processes tests
start use it too. ``make test`` has already started it (``python -m config.embedded --``),
and with ``DATABASE_URL`` set nothing is embedded.
"""

from __future__ import annotations

import os

import environ
import pytest

from config import embedded


def point_settings_at(url: str) -> None:
    """Correct the already-loaded settings should the server listen elsewhere than they computed."""
    from django.conf import settings

    if not settings.configured:
        return
    actual = environ.Env.db_url_config(url)
    default = settings.DATABASES.get("default")
    if default is None:
        return
    # In place: Django's connection handler holds this same dictionary.
    for key in ("HOST", "PORT", "NAME", "USER", "PASSWORD"):
        default[key] = actual[key]


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("DATABASE_URL") or config.option.help or config.option.collectonly:
        return
    point_settings_at(embedded.ensure_database_url())
