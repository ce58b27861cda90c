from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ValidationError
from partnership import services
from partnership.models import User


class Command(BaseCommand):
    help = "Issue an API token for USERNAME and print it (shown once; only its hash is stored; audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--days", type=int, default=None, help="Lifetime in days (default from settings; 0 = never expires)."
        )
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user called {options['username']!r}.") from exc
        days = options["days"]
        lifetime = None if days is None else timedelta(days=days)
        try:
            # An operator at the shell: the audit trail records the system, via this command.
            issued = services.issue_api_token(
                user=user, name=options["name"], lifetime=lifetime, via="manage.py issue_api_token"
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(issued.key)
