from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet

from core.forms import GovukCheckboxSelectMultiple, date_field, date_hint, text_field
from partnership.models import Agency, LawfulBasis


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is not active. Contact your partnership admin.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Security code",
        max_length=16,
        error_messages={"required": "Enter the security code from your authenticator app or a recovery code"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


def active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True).order_by("name")


def agency_field(label: str, *, empty_label: str, required: str, invalid: str = "") -> forms.ModelChoiceField[Agency]:
    """A choice of one active agency, by name; ``required`` and ``invalid`` are its error messages."""
    return forms.ModelChoiceField(
        label=label,
        queryset=active_agencies(),
        empty_label=empty_label,
        error_messages={"required": required, "invalid_choice": invalid or required},
    )


class AgreementForm(forms.Form):
    """An agency's data-sharing agreement, new or renewed."""

    reference = text_field("Reference", 100, required="Enter the agreement's reference")
    signed_on = date_field(
        "When was it signed?",
        "The date it was signed",
        required=False,
        help_text=date_hint("Leave it empty until every party has signed.", days_ahead=-7),
    )
    review_due = date_field(
        "When is it due for review?",
        "The review date",
        future_only=True,
        help_text=date_hint("The agency is sent nothing new after this date.", days_ahead=365),
    )
    lawful_bases = forms.MultipleChoiceField(
        label="Which lawful bases does it rest on?",
        choices=LawfulBasis.choices,
        widget=GovukCheckboxSelectMultiple,
        error_messages={"required": "Choose at least one lawful basis"},
    )
