"""Seed the demo partnership. Lives in `governance`, the top of the dependency
chain, because the demo spans every app (each app's ``demo.py`` seeds its part)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases.demo import seed_referrals, seed_statistics_sample
from intelligence.demo import seed_tensions
from panels.demo import seed_meetings
from partnership.demo import DEMO_TOTP_SECRET, seed_panel, seed_partnership


class Command(BaseCommand):
    help = "Create (or top up) the demo partnership and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the logins as a JSON list.")

    def handle(self, *args: Any, **options: Any) -> None:
        logins = seed_partnership()
        seed_referrals()
        seed_meetings(panel=seed_panel())
        seed_statistics_sample()
        seed_tensions()
        if options["json"]:
            rows = [{**asdict(login), "totp_secret": DEMO_TOTP_SECRET} for login in logins]
            self.stdout.write(json.dumps(rows, indent=2))
            return
        headers = ("username", "password", "agency", "clearance", "roles")
        rows_text = [
            (login.username, login.password, login.agency or "-", str(login.clearance_rank), ", ".join(login.roles))
            for login in logins
        ]
        widths = [max(len(h), *(len(r[i]) for r in rows_text)) for i, h in enumerate(headers)]
        line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
        self.stdout.write(line)
        self.stdout.write("  ".join("-" * w for w in widths))
        for row in rows_text:
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        self.stdout.write("")
        self.stdout.write(
            "Two-factor: every demo user is enrolled with the TOTP secret "
            f"{DEMO_TOTP_SECRET}; in demo mode the sign-in page shows the current code."
        )
