"""Date hints give an example that is never a day already past: worked out when the page is drawn."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.forms import ExtendRequestForm, RequestInformationForm
from core.forms import date_hint

LONDON = ZoneInfo("Europe/London")


def test_the_example_is_worked_out_on_the_day_the_page_is_drawn() -> None:
    hint = date_hint("It must be in the future.")
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), tick=False):
        assert str(hint) == "It must be in the future. For example, 31 12 2026."
    with time_machine.travel(dt.datetime(2027, 2, 10, 9, 0, tzinfo=LONDON), tick=False):
        assert str(hint) == "It must be in the future. For example, 12 3 2027."


@pytest.mark.django_db
def test_the_request_forms_show_a_date_to_come() -> None:
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), tick=False):
        extend = ExtendRequestForm()
        ask = RequestInformationForm(default_due=dt.date(2026, 12, 8))
        assert str(extend.fields["due_date"].help_text).endswith("For example, 30 1 2027.")
        assert str(ask.fields["due_date"].help_text).endswith("For example, 31 12 2026.")
