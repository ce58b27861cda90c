"""Forms for the statistics pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from core.forms import GovukDateField


class OutcomeReportForm(forms.Form):
    start = GovukDateField(label="From", name_in_errors="The start of the period")
    end = GovukDateField(label="To", name_in_errors="The end of the period")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", "The end of the period must be the same as or after its start")
        return cleaned


def last_twelve_months(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The default report period: the 12 months up to and including today."""
    today = today or timezone.localdate()
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + dt.timedelta(days=1), today
