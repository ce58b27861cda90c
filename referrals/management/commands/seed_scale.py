"""``manage.py seed_scale --referrals N``: bulk-load synthetic submitted referrals for benchmarks.

The loader is ``referrals.scale_seed`` (the spread, the demo world, the generator and COPY).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from referrals.scale_seed.load import seed_scale


class Command(BaseCommand):
    help = (
        "Add N synthetic submitted referrals (people, grants and shares spread over the demo agencies and "
        "clearance levels) for benchmarks. Needs `manage.py seed_demo` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--referrals", type=int, required=True, help="How many referrals to add.")
        parser.add_argument("--batch-size", type=int, default=50_000, help="Referrals per COPY transaction.")
        parser.add_argument("--seed", type=int, default=1, help="PRNG seed (same seed, same data).")
        parser.add_argument("--no-analyze", action="store_true", help="Skip VACUUM/ANALYZE at the end.")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options.get("verbosity", 1)
        log = self.stdout.write if verbosity >= 1 else None
        result = seed_scale(
            referrals=options["referrals"],
            batch_size=options["batch_size"],
            seed=options["seed"],
            log=log,
            analyze=not options["no_analyze"],
        )
        self.stdout.write(
            f"Added {result.referrals:,} referrals, {result.shares:,} share rows and {result.grants:,} grant rows "
            f"in {result.seconds:.1f} s."
        )
