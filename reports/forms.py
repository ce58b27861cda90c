"""Forms for the statistics pages."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

YEARS_BACK = 3


def period_choices(today: dt.date | None = None) -> list[tuple[str, str]]:
    """Calendar years and quarters that have begun, newest first, over the last few years."""
    today = today or timezone.localdate()
    choices: list[tuple[str, str]] = []
    for year in range(today.year, today.year - YEARS_BACK, -1):
        choices.append((str(year), f"{year} (the whole year)"))
        for quarter in range(4, 0, -1):
            if dt.date(year, 3 * quarter - 2, 1) <= today:
                months = ("January to March", "April to June", "July to September", "October to December")
                choices.append((f"{year}-Q{quarter}", f"{year} quarter {quarter}: {months[quarter - 1]}"))
    return choices


class StatisticsPeriodForm(forms.Form):
    period = forms.ChoiceField(
        label="Period",
        help_text="Statistics are given for whole calendar years and quarters only.",
        error_messages={"invalid_choice": "Choose a year or a quarter from the list", "required": "Choose a period"},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["period"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = period_choices()
