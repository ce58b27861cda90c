from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _seed_national_lists(sender: AppConfig, apps: Any = None, **kwargs: Any) -> None:
    """The national statistics lists must always exist (like Django's permissions): after ``migrate``,
    and after a test flush empties every table, create what is missing (``referrals.national``)."""
    from referrals.national import seed_national_lists

    try:
        category = (apps or global_apps).get_model("referrals", "StatisticsCategory")
    except LookupError:  # migrated back to before the lists existed
        return
    seed_national_lists(category)


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self) -> None:
        post_migrate.connect(_seed_national_lists, sender=self, dispatch_uid="referrals_seed_national_lists")
