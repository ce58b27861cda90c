"""Django form widgets and fields that render as GOV.UK Frontend components, and the one way a
service's ValidationError lands on a form. Forms check shape; services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy

YES_NO = [("yes", "Yes"), ("no", "No")]
MAX_AGE = 120


class GovukRadioSelect(forms.RadioSelect):
    """Radios whose label id is the first option's, so error summary links land on an input."""

    def id_for_label(self, id_: str, index: str | None = "0") -> str:
        return f"{id_}_{index}" if id_ else ""


class GovukCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    def id_for_label(self, id_: str, index: str | None = "0") -> str:
        return f"{id_}_{index}" if id_ else ""


class TelInput(forms.TextInput):
    input_type = "tel"


DATE_PARTS = ("day", "month", "year")


class DateInputWidget(forms.MultiWidget):
    """GOV.UK date input: boxes named ``<name>_day``, ``<name>_month`` and ``<name>_year``.

    ``error_parts`` names the boxes to highlight; the error summary links to the first of them.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({part: forms.TextInput() for part in DATE_PARTS}, attrs)
        self.error_parts: tuple[str, ...] = DATE_PARTS

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_{self.error_parts[0]}" if id_ else ""

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class GovukDateField(forms.Field):
    """A calendar date typed into three boxes. Impossible dates are a form error, never an exception."""

    widget = DateInputWidget

    def __init__(
        self, *, name_in_errors: str, past_only: bool = False, future_only: bool = False, **kwargs: Any
    ) -> None:
        self.name_in_errors = name_in_errors
        self.past_only = past_only
        self.future_only = future_only
        kwargs.setdefault("error_messages", {"required": f"Enter the {name_in_errors.lower()}"})
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        if value is None:
            return ["", "", ""]
        return value

    def _fail(self, message: str, parts: Iterable[str] = DATE_PARTS) -> ValidationError:
        self.widget.error_parts = tuple(parts)
        return ValidationError(message, code="invalid")

    def clean(self, value: Any) -> dt.date | None:
        raw = list(value) if isinstance(value, list | tuple) else ["", "", ""]
        day, month, year = [str(v or "").strip() for v in [*raw, "", "", ""][:3]]
        if not (day or month or year):
            if self.required:
                raise self._fail(str(self.error_messages["required"]))
            return None
        missing = [part for part, text in zip(DATE_PARTS, (day, month, year), strict=True) if not text]
        if missing:
            raise self._fail(f"{self.name_in_errors} must include a {' and a '.join(missing)}", missing)
        bad = [part for part, text in zip(DATE_PARTS, (day, month, year), strict=True) if not text.isdigit()]
        if bad:
            raise self._fail(f"{self.name_in_errors} must be a real date", bad)
        if len(year) != 4:
            raise self._fail("Year must include 4 numbers", ["year"])
        try:
            value = dt.date(int(year), int(month), int(day))
        except ValueError:
            parts = [p for p, ok in (("day", 1 <= int(day) <= 31), ("month", 1 <= int(month) <= 12)) if not ok]
            raise self._fail(f"{self.name_in_errors} must be a real date", parts or DATE_PARTS) from None
        today = timezone.localdate()
        if self.past_only and value >= today:
            raise self._fail(f"{self.name_in_errors} must be in the past")
        if self.past_only and value.year < today.year - MAX_AGE:
            raise self._fail(f"{self.name_in_errors} must be after {today.year - MAX_AGE}", ["year"])
        if self.future_only and value < today:
            raise self._fail(f"{self.name_in_errors} must be today or in the future")
        return value


def date_field(label: str, name_in_errors: str, *, required: bool = True, **kwargs: Any) -> GovukDateField:
    """A date answer; its error messages start with ``name_in_errors`` ("The due date must ...")."""
    return GovukDateField(label=label, name_in_errors=name_in_errors, required=required, **kwargs)


def _example_date(days_ahead: int) -> str:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return f"{day.day} {day.month} {day.year}"


def date_hint(text: str = "", *, days_ahead: int = 30) -> Any:
    """A date field's hint ending "For example, 31 12 2026" with a date ``days_ahead`` from today,
    worked out when the page is drawn, so the example is never a day already past."""
    return lazy(lambda: f"{text} For example, {_example_date(days_ahead)}.".strip(), str)()


def text_field(label: str, max_length: int, *, required: str = "", **kwargs: Any) -> forms.CharField:
    """A text answer with GOV.UK error messages."""
    messages = {"max_length": f"{label.split(' (')[0]} must be {max_length} characters or fewer"}
    if required:
        messages["required"] = required
    return forms.CharField(
        label=label, max_length=max_length, required=bool(required), error_messages=messages, **kwargs
    )


def long_text_field(label: str, *, max_length: int = 20000, required: str = "", **kwargs: Any) -> forms.CharField:
    return text_field(label, max_length, required=required, widget=forms.Textarea, **kwargs)


class OptionalReasonForm(forms.Form):
    """The reason a button may carry (revoking a share, closing a request)."""

    reason = text_field("Reason (optional)", 2000)


def posted_reason(data: Any) -> str:
    """The reason posted with a button; empty when none (or one too long) was given."""
    form = OptionalReasonForm(data)
    return str(form.cleaned_data["reason"]) if form.is_valid() else ""


def radios(label: str, choices: Any, *, required: str = "", **kwargs: Any) -> forms.ChoiceField:
    messages = {"invalid_choice": required or "Select one of the options"}
    if required:
        messages["required"] = required
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=bool(required),
        widget=GovukRadioSelect,
        error_messages=messages,
        **kwargs,
    )


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the matching field, else at the top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class VersionedForm(forms.Form):
    """A form for an edit that must not overwrite someone else's: ``version`` is the record's when shown."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def show_conflict(self, message: str, current_version: int) -> None:
        """Keep what was typed, offer the current version, and say why it was not saved."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
        data[self.add_prefix("version")] = str(current_version)
        self.data = data
        self.add_error(None, message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks each one's type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []
