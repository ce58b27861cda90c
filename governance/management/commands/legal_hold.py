"""``manage.py legal_hold``: place, lift and list legal holds at the shell, as the holds page does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from governance import retention, services
from governance.models import HoldScope
from partnership.management.operator import refusals_as_command_errors, user_named


class Command(BaseCommand):
    help = (
        "legal_hold list | place REFERENCE --scope case|person --reason TEXT --by USER | "
        "lift HOLD_ID --reason TEXT --by USER. USER is an information-governance officer; audited under them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("list", "place", "lift"))
        parser.add_argument("target", nargs="?", default="", help="A reference to place, a hold's id to lift.")
        parser.add_argument("--scope", choices=HoldScope.values, default=HoldScope.CASE)
        parser.add_argument("--reason", default="")
        parser.add_argument("--by", default="", help="The username of the IG officer.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for hold in retention.holds_page(viewer=None):
                state = "in place" if hold.is_live else f"lifted {hold.lifted_at:%Y-%m-%d}"
                reference = getattr(hold, "record_reference", "")  # annotated by the selector
                self.stdout.write(f"{hold.pk:>5}  {reference:<18}  {hold.scope:<6}  {state}")
            return
        user = user_named(options["by"], option="--by")
        with refusals_as_command_errors():
            if options["action"] == "place":
                hold = services.place_legal_hold(
                    actor=user, reference=options["target"], scope=options["scope"], reason=options["reason"]
                )
                self.stdout.write(f"Hold {hold.pk} placed.")
            else:
                hold = services.lift_legal_hold(actor=user, hold_id=options["target"], reason=options["reason"])
                self.stdout.write(f"Hold {hold.pk} lifted.")
