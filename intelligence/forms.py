"""Forms for the tension and self-assessment pages. They check the shape of answers; the services decide."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.utils import timezone

from core.forms import date_field, date_hint, long_text_field, radios, text_field
from intelligence.models import (
    ActionStatus,
    Area,
    AssessmentDimension,
    TensionCategory,
    TensionLevel,
    Trend,
)
from partnership.forms import agency_field
from partnership.models import User
from referrals.forms import BreakGlassForm as ReferralBreakGlassForm
from referrals.forms import PersonAndAgencyChoiceField, classification_field, offer_clearances

TIME = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)$")


class TensionReportForm(forms.Form):
    occurred_on = date_field(
        "When was the tension seen?", "The date", past_only=False, help_text=date_hint(days_ahead=-1)
    )
    area = forms.ModelChoiceField(
        label="Ward or neighbourhood",
        queryset=Area.objects.filter(is_active=True),
        empty_label="Choose an area",
        error_messages={
            "required": "Select the ward or neighbourhood",
            "invalid_choice": "Select an area from the list",
        },
    )
    category = radios("What kind of tension is it?", TensionCategory.choices, required="Select the kind of tension")
    level = radios("What is the level of tension?", TensionLevel.choices, required="Select the level of tension")
    trend = radios(
        "Is tension rising, stable or falling?",
        Trend.choices,
        required="Select whether tension is rising, stable or falling",
    )
    summary = text_field("Summary", 200, required="Enter a summary of the tension")
    details = long_text_field("What is happening?", required="", help_text="What was seen or heard, and by whom.")
    classification = classification_field(
        "What clearance does someone need to read this report?", "Select the clearance needed to read this report"
    )
    originator_only = forms.BooleanField(label="Keep this report inside my agency", required=False)

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, initial={"occurred_on": timezone.localdate(), "classification": "1"}, **kwargs)
        offer_clearances(self, user, originator_help="Only {agency} will read it, whatever else is shared.")

    def clean_level(self) -> int:
        return int(self.cleaned_data["level"])


class BreakGlassForm(ReferralBreakGlassForm):
    """The referrals' break-glass form (same fields and checks), worded for a tension report."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reference, reason = self.fields["reference"], self.fields["reason"]
        reference.label, reference.help_text = "Tension report reference", "For example, TEN-2026-000012."
        reference.error_messages["required"] = "Enter the tension report reference"
        reason.label = "Why do you need to open this tension report now?"
        reason.error_messages["required"] = "Explain why you need to open this tension report"

    def clean_reason(self) -> str:
        try:
            return super().clean_reason()
        except forms.ValidationError:
            raise forms.ValidationError(
                "Explain why you need to open this tension report (at least 10 characters)"
            ) from None


class ReviewForm(forms.Form):
    note = long_text_field("What did the review agree?", required="Enter what the review agreed")


class ShareForm(forms.Form):
    agency = agency_field("Agency to share with", empty_label="Choose an agency", required="Select an agency")
    reason = text_field("Why are you sharing it?", 2000, required="Give a reason for sharing")


class RevokeShareForm(forms.Form):
    reason = text_field("Why are you revoking it?", 2000, required="Give a reason for revoking the access")


def _time_field(label: str) -> forms.CharField:
    return text_field(label, 5, required="Enter the time, like 14:30", help_text="Use the 24-hour clock, like 14:30.")


class EventForm(forms.Form):
    title = text_field("Name of the event", 200, required="Enter the name of the event")
    day = date_field("What day is it?", "The day of the event", future_only=True, help_text=date_hint(days_ahead=7))
    time = _time_field("What time does it start?")
    location = text_field("Where is it?", 200, required="Enter where the event is")
    lead_agency = agency_field(
        "Which agency leads the response?", empty_label="Choose an agency", required="Select the lead agency"
    )
    response_plan = long_text_field(
        "Multi-agency response plan",
        required="Enter the response plan",
        help_text="Who does what, before and on the day.",
    )

    def clean_time(self) -> dt.time:
        match = TIME.match(self.cleaned_data["time"].strip())
        if match is None:
            raise forms.ValidationError("Enter the time, like 14:30")
        return dt.time(int(match["hour"]), int(match["minute"]))

    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"]))


class OwnedActionForm(forms.Form):
    description = text_field("What needs doing?", 500, required="Enter the action")
    due_date = date_field("When is it due?", "The due date", future_only=True, help_text=date_hint(days_ahead=14))


class ResponseActionForm(OwnedActionForm):
    owner_agency = agency_field("Which agency owns it?", empty_label="Choose an agency", required="Select the agency")
    owner = PersonAndAgencyChoiceField(
        label="Who owns it? (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="The agency's SPOCs",
        help_text="Leave it to the agency's SPOCs, or name one person of that agency.",
        error_messages={"invalid_choice": "Select a person from the list"},
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        people = User.objects.filter(is_active=True, agency__isnull=False).select_related("agency")
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = people.order_by("agency__name", "username")


class AssessmentActionForm(OwnedActionForm):
    owner = PersonAndAgencyChoiceField(
        label="Who owns it?",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Select who owns the action", "invalid_choice": "Select a person from the list"},
    )
    dimension = forms.ModelChoiceField(
        label="Which dimension does it improve? (optional)",
        queryset=AssessmentDimension.objects.all(),
        required=False,
        empty_label="All of them",
    )

    def __init__(self, data: Any = None, *, owners: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners.select_related("agency")


class CloseActionForm(forms.Form):
    status = forms.ChoiceField(choices=[(ActionStatus.DONE, "Done"), (ActionStatus.CANCELLED, "Cancelled")])


class StartAssessmentForm(forms.Form):
    year = forms.IntegerField(
        label="Which year are you assessing?",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "Enter the year",
            "invalid": "Enter the year as 4 numbers, like 2026",
            "min_value": "Enter a year from 2000",
            "max_value": "Enter a year up to 2100",
        },
    )


class ScoreForm(forms.Form):
    score = radios("Score", [], required="Select a score from 1 to 5")
    evidence = long_text_field("Evidence", required="Enter the evidence for the score", help_text="What shows it.")

    def __init__(self, data: Any = None, *, dimension: AssessmentDimension, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["score"]).choices = [
            (str(d.score), f"{d.score}: {d.text}") for d in dimension.descriptors.all()
        ]
        self.fields["score"].label = dimension.title

    def clean_score(self) -> int:
        return int(self.cleaned_data["score"])


class DimensionWordingForm(forms.Form):
    title = text_field("Dimension", 300, required="Enter the dimension's title")
    level_1 = long_text_field("What a score of 1 means", required="Enter what a score of 1 means")
    level_2 = long_text_field("What a score of 2 means", required="Enter what a score of 2 means")
    level_3 = long_text_field("What a score of 3 means", required="Enter what a score of 3 means")
    level_4 = long_text_field("What a score of 4 means", required="Enter what a score of 4 means")
    level_5 = long_text_field("What a score of 5 means", required="Enter what a score of 5 means")

    def descriptors(self) -> list[str]:
        return [self.cleaned_data[f"level_{score}"] for score in range(1, 6)]
