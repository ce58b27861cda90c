from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from partnership import services
from partnership.management.operator import refusals_as_command_errors, user_named


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (shown once; only its hash is stored; audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (default from settings; 0 = never expires)."
        )
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["username"])
        days = options["days"]
        lifetime = None if days is None else timedelta(days=days)
        with refusals_as_command_errors():
            # An operator at the shell: the audit trail records the system, via this command.
            issued = services.issue_api_token(
                user=user, name=options["name"], lifetime=lifetime, via="manage.py issue_api_token"
            )
        self.stdout.write(issued.key)
