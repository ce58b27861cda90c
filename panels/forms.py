"""Forms for the panel pages. They check the shape of answers; panels.services decides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case
from core.forms import apply_service_errors, date_field, date_hint, long_text_field, radios, text_field
from panels.lifecycle import ACTION_OUTCOMES
from panels.models import (
    ActionStatus,
    AssessmentFactor,
    AttendeeStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ConsentStatus,
    Decision,
    Dimension,
    ExitReason,
    InterventionStatus,
    InterventionType,
    Rating,
)
from partnership.forms import agency_field
from partnership.models import User
from referrals.forms import offer_clearances

__all__ = ["apply_service_errors"]

TIME_HINT = "Use the 24-hour clock, for example 14:30."


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _person_label(user: User) -> str:
    return user.get_full_name() or user.username


def _person_with_agency(user: User) -> str:
    return f"{_person_label(user)} ({user.agency.name if user.agency else 'no agency'})"


class ChoosesPerson(forms.Form):
    """A form with an optional field that names one of the people it was given (empty: not named)."""

    _people: dict[str, User]

    def offer_people(self, name: str, people: Iterable[User], label: Any = _person_label) -> None:
        self._people = {str(p.pk): p for p in people}
        _choice_field(self, name).choices = [("", "Not named")] + [(pk, label(p)) for pk, p in self._people.items()]

    def chosen_person(self, name: str) -> User | None:
        return self._people.get(self.cleaned_data.get(name) or "")


class TimeField(forms.CharField):
    """A time of day typed as HH:MM."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 5)
        kwargs.setdefault("help_text", TIME_HINT)
        kwargs.setdefault("error_messages", {"required": "Enter the time of the meeting"})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> dt.time:
        raw = super().clean(value).strip().replace(".", ":")
        try:
            hours, minutes = (int(part) for part in raw.split(":"))
            return dt.time(hours, minutes)
        except (ValueError, TypeError):
            raise ValidationError("Enter the time as hours and minutes, for example 14:30") from None


class WhenForm(forms.Form):
    """A meeting's date and time (and the reason for the change)."""

    date = date_field("Date", "The date", future_only=True)
    time = TimeField(label="Time")
    reason = long_text_field("Reason", max_length=2000, required="Enter the reason")

    def scheduled_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"]))


class ReasonForm(forms.Form):
    reason = long_text_field("Reason", max_length=2000, required="Enter the reason")


class QuorumOverrideForm(forms.Form):
    reason = long_text_field(
        "Why is the meeting deciding without a quorum?",
        max_length=2000,
        required="Enter why the meeting goes ahead without a quorum",
        help_text="The override, its reason and who recorded it are kept with the meeting and in the audit trail.",
    )


class MoveItemForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class AgendaAddForm(forms.Form):
    case = forms.ChoiceField(
        label="Case",
        error_messages={"required": "Choose a case", "invalid_choice": "Choose a case from the list"},
    )
    reason = long_text_field("Why is this case being added?", max_length=2000, required="Enter why the case is added")

    def __init__(self, data: Any = None, *, cases: Iterable[Case] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        _choice_field(self, "case").choices = [("", "Choose a case")] + [
            (str(c.pk), f"{c.reference}: {c.referral.subject.full_name}") for c in cases
        ]


class AttendanceForm(ChoosesPerson):
    attendee = forms.ChoiceField(label="Attending", required=False)
    present = forms.ChoiceField(choices=[("yes", "Present"), ("no", "Absent")])

    def __init__(self, data: Any = None, *, people: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.offer_people("attendee", people)


class InviteForm(ChoosesPerson):
    """Invite one person: to the whole meeting, or (on an item's page) for that item alone."""

    person = forms.ChoiceField(
        label="Who to invite",
        error_messages={"required": "Choose who to invite", "invalid_choice": "Choose someone from the list"},
    )

    def __init__(self, data: Any = None, *, people: Iterable[User] = (), label: str = "", **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.offer_people("person", people, label=_person_with_agency)
        field = _choice_field(self, "person")
        field.choices = [("", "Choose a person")] + [(pk, _person_with_agency(p)) for pk, p in self._people.items()]
        if label:
            field.label = label


class AttendeeForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (AttendeeStatus.PRESENT, AttendeeStatus.APOLOGIES, AttendeeStatus.ABSENT)],
        error_messages={"required": "Choose present, apologies or absent"},
    )


class DeclarationForm(forms.Form):
    text = long_text_field(
        "Declaration of interest",
        max_length=2000,
        required="Describe the interest",
        help_text="For example, a family connection to a person being discussed.",
    )
    case = forms.ChoiceField(label="Which case is it about? (optional)", required=False)

    def __init__(self, data: Any = None, *, cases: Iterable[Case] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        _choice_field(self, "case").choices = [("", "No particular case")] + [(str(c.pk), c.reference) for c in cases]


class DecisionForm(forms.Form):
    decision = radios("Decision", Decision.choices, required="Choose the panel's decision")
    notes = long_text_field("Discussion notes", max_length=20000)
    dissent = long_text_field(
        "Dissent (optional)", max_length=5000, help_text="Record any agency that disagreed, and why."
    )
    next_review_date = date_field(
        "Next review date",
        "The next review date",
        future_only=True,
        required=False,
        help_text=date_hint("Needed when the case is adopted or support continues.", days_ahead=90),
    )
    exit_reason = forms.ChoiceField(
        label="Reason for exit",
        required=False,
        choices=[("", "Not exiting"), *ExitReason.choices],
        help_text="Needed when the decision is to exit.",
    )
    signposted_to = text_field(
        "Signposted to", 200, help_text="Needed when the case is not adopted: the service the person is referred to."
    )
    classification = forms.TypedChoiceField(label="Classification of this record", coerce=int)

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        offer_clearances(self, user)
        self.fields["classification"].initial = "1"


class ActionForm(ChoosesPerson):
    description = long_text_field("Action", max_length=5000, required="Describe the action")
    owner_agency = agency_field(
        "Owning agency",
        empty_label="Choose an agency",
        required="Choose the agency that owns the action",
        invalid="Choose an agency",
    )
    owner = forms.ChoiceField(label="Owner (optional)", required=False)
    due_date = date_field("Due date", "The due date", future_only=True)

    def __init__(self, data: Any = None, *, people: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.offer_people("owner", people, label=_person_with_agency)

    def action(self) -> dict[str, Any]:
        """The action as ``panels.services.add_action`` takes it."""
        return {
            "description": self.cleaned_data["description"],
            "owner_agency_id": self.cleaned_data["owner_agency"].pk,
            "owner": self.chosen_person("owner"),
            "due_date": self.cleaned_data["due_date"],
        }


class ActionOutcomeForm(forms.Form):
    outcome = radios(
        "How did the action close?",
        [(value, ActionStatus(value).label) for value in ACTION_OUTCOMES],
        required="Choose whether the action was done, not done, or could not be done",
    )
    reason = long_text_field(
        "Reason",
        max_length=5000,
        help_text="Needed when the action was not done or could not be done: the minutes and the next pack show it.",
    )


class SignMinutesForm(forms.Form):
    minutes = long_text_field(
        "General minutes (optional)",
        max_length=50000,
        help_text="Decisions on each case are already recorded. Add anything else the minutes should say.",
    )
    confirm = forms.BooleanField(
        label="I confirm these minutes are a true record of the meeting",
        error_messages={"required": "Confirm the minutes are a true record"},
    )


class AddendumForm(forms.Form):
    text = long_text_field("Addendum", max_length=20000, required="Enter the addendum")


class ConsentForm(forms.Form):
    purpose = radios("What is the consent for?", ConsentPurpose.choices, required="Choose what the consent is for")
    status = radios("Consent", ConsentStatus.choices, required="Choose the consent status")
    given_by = radios(
        "Who gave, refused or withdrew consent?",
        ConsentGiver.choices,
        help_text="For under-18s, consent comes from a parent or guardian.",
    )
    given_by_name = text_field("Their name (optional)", 200)
    method = radios("How was it recorded?", ConsentMethod.choices)
    capacity_notes = long_text_field(
        "Capacity notes (optional)", max_length=5000, help_text="Anything about the person's capacity to consent."
    )


class AssessmentForm(forms.Form):
    """One rating and its evidence per active factor, grouped by the three Channel dimensions."""

    conclusion = long_text_field("Summary conclusion", max_length=20000, required="Write the summary conclusion")
    management_plan = long_text_field("Management plan (optional)", max_length=20000)
    classification = forms.TypedChoiceField(label="Classification of this assessment", coerce=int)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        factors: Iterable[AssessmentFactor],
        initial_ratings: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.factors = list(factors)
        previous = initial_ratings or {}
        offer_clearances(self, user)
        self.fields["classification"].initial = "1"
        for factor in self.factors:
            self.fields[f"rating_{factor.pk}"] = radios(
                factor.name,
                [(str(value), label) for value, label in Rating.choices],
                required=f"Rate “{factor.name}”",
                help_text=factor.description,
            )
            self.fields[f"evidence_{factor.pk}"] = long_text_field(f"Evidence for “{factor.name}”", max_length=5000)
            if factor.pk in previous:
                rating, evidence = previous[factor.pk]
                self.fields[f"rating_{factor.pk}"].initial = str(rating)
                self.fields[f"evidence_{factor.pk}"].initial = evidence

    def dimensions(self) -> list[tuple[str, list[tuple[Any, Any]]]]:
        """[(dimension label, [(rating field, evidence field), ...])] for the template."""
        out = []
        for value, label in Dimension.choices:
            rows = [(self[f"rating_{f.pk}"], self[f"evidence_{f.pk}"]) for f in self.factors if f.dimension == value]
            if rows:
                out.append((str(label), rows))
        return out

    def ratings(self) -> dict[int, tuple[int, str]]:
        return {
            f.pk: (int(self.cleaned_data[f"rating_{f.pk}"]), self.cleaned_data[f"evidence_{f.pk}"])
            for f in self.factors
        }


class PlanActivateForm(forms.Form):
    objectives = long_text_field(
        "Objectives of the support plan", max_length=20000, required="Set out the plan's objectives"
    )


class InterventionForm(forms.Form):
    provider = agency_field("Provider", empty_label="Choose the provider", required="Choose the provider")
    kind = radios("Type of intervention", InterventionType.choices, required="Choose the type of intervention")
    description = long_text_field("Description (optional)", max_length=5000)
    starts_on = date_field("Start date (optional)", "The start date", required=False)
    ends_on = date_field("End date (optional)", "The end date", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        return data


class InterventionUpdateForm(forms.Form):
    status = radios("Status", InterventionStatus.choices, required="Choose the intervention's status")
    progress_notes = long_text_field("Progress notes", max_length=20000)
