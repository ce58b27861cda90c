"""``manage.py dispose --batch N --approved-by USER``: an IG officer's approval, given at the shell."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from governance import services
from partnership.management.operator import refusals_as_command_errors, user_named


class Command(BaseCommand):
    help = (
        "Approve disposal batch N on behalf of USER (an information-governance officer: the auditor role) "
        "and dispose of every record in it still due, as the batch's page does. Audited under USER. "
        "Re-running it on a batch left part-way finishes it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, required=True, help="The batch's number.")
        parser.add_argument("--approved-by", required=True, help="The username of the approving IG officer.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_named(options["approved_by"])
        with refusals_as_command_errors():
            outcome = services.approve_disposal(actor=user, batch_id=options["batch"])
        self.stdout.write(f"Batch {outcome.batch.pk}: {outcome.disposed} disposed of, {outcome.kept} kept.")
