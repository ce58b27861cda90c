"""Running the audit trail's management commands as an operator would, for the audit-chain tests."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.core.management.base import CommandError


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """The command's exit code, what it printed and what it reported (the error's message included)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()
