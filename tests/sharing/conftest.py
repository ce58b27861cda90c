"""Fixtures of the audit-chain tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def checkpoint_file(settings: Any, tmp_path: Path) -> Path:
    """The checkpoint file outside the database, this test's own (never the one other runs share)."""
    path = tmp_path / "outside-the-database" / "audit-checkpoints.jsonl"
    settings.CONVENE_AUDIT_CHECKPOINT_FILE = path
    return path
