"""Production settings: `check --deploy` passes, and nothing starts without its secrets.

Each case runs Django in a fresh interpreter with only the environment a
deployment would give it, so nothing from the developer's shell or the test
settings leaks in.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

REQUIRED = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "convene.example.gov.uk",
    # Never connected to: `check --deploy` does not open the database, and an
    # address that refuses at once makes any stray connection fail loudly.
    "DATABASE_URL": "postgres://convene:not-a-password@127.0.0.1:9/convene",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "DJANGO_DEFAULT_FROM_EMAIL": "convene@example.gov.uk",
    "CONVENE_AUDIT_CHECKPOINT_KEY": secrets.token_urlsafe(48),
}


def run_with_production_settings(args: list[str], **overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TMPDIR") if name in os.environ}
    env.update(REQUIRED)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    env["PYTHONWARNINGS"] = "ignore"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_production_settings() -> None:
    result = run_with_production_settings(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_settings_refuse_to_load_without(missing: str) -> None:
    result = run_with_production_settings(["-c", "import django; django.setup()"], **{missing: None})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_production_settings_refuse_demo_mode() -> None:
    result = run_with_production_settings(["-c", "import django; django.setup()"], CONVENE_DEMO_MODE="true")

    assert result.returncode != 0
    assert "Demo mode" in result.stderr
