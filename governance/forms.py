"""The auditors' forms, shape only: the trail search (the selector checks the reference and the
period) and a break-glass review (the service decides)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField, long_text_field, radios, text_field
from core.models import AuditVerb
from governance.models import HoldScope, ReviewDecision
from governance.selectors import TrailFilters, end_of_day, start_of_day
from partnership.models import Agency


class AuditSearchForm(forms.Form):
    given_name = text_field("Given name", 100, help_text="Of the person referred.")
    family_name = text_field("Family name", 100)
    reference = text_field(
        "Record reference", 20, help_text="For example, REF-2026-000123, CASE-2026-000045 or TEN-2026-000012."
    )
    actor = text_field("Username", 150, help_text="The person who did something, as they sign in.")
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.order_by("name"),
        required=False,
        empty_label="Any agency",
        error_messages={"invalid_choice": "Select an agency from the list"},
    )
    verb = forms.ChoiceField(
        label="What they did",
        choices=[("", "Anything"), *AuditVerb.choices],
        required=False,
        error_messages={"invalid_choice": "Select one of the options"},
    )
    since = GovukDateField(label="From", name_in_errors="The start date", required=False)
    until = GovukDateField(label="To", name_in_errors="The end date", required=False)
    break_glass = forms.BooleanField(
        label="Only break-glass access",
        required=False,
        help_text="Records opened outside the sharing rules, with the reason given.",
    )

    def names(self) -> tuple[str, str]:
        return self.cleaned_data["given_name"].strip(), self.cleaned_data["family_name"].strip()

    def filters(self, referral_ids: tuple[int, ...] | None) -> TrailFilters:
        data: dict[str, Any] = self.cleaned_data
        agency = data.get("agency")
        return TrailFilters(
            actor=data["actor"].strip(),
            reference=data["reference"].strip(),
            verb=data["verb"],
            agency_id=agency.pk if agency is not None else None,
            since=start_of_day(data["since"]) if data.get("since") else None,
            until=end_of_day(data["until"]) if data.get("until") else None,
            break_glass=True if data["break_glass"] else None,
            referral_ids=referral_ids,
        )


class BreakGlassReviewForm(forms.Form):
    """An auditor's decision on a break-glass opening: both answers are required."""

    decision = radios(
        "Was opening this record justified?",
        ReviewDecision.choices,
        required="Select whether the break-glass opening was justified",
    )
    note = long_text_field(
        "Note",
        max_length=5000,
        required="Enter a note saying why you decided this",
        help_text="Say what you checked and why you decided this. The note is kept in the audit trail.",
    )


class SubjectAccessForm(forms.Form):
    reference = text_field(
        "Record reference",
        20,
        required="Enter the reference of one of the person's records",
        help_text="The referral or case reference, for example REF-2026-000123 or CASE-2026-000045.",
    )


# --- Retention and disposal --------------------------------------------------------------------------


def _whole_number(label: str, required: str, invalid: str, **kwargs: Any) -> forms.IntegerField:
    """A whole number in a text input (GOV.UK: numeric keyboard, no spinner); the service checks its range."""
    return forms.IntegerField(
        label=label,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": False}),
        error_messages={"required": required, "invalid": invalid},
        **kwargs,
    )


class RetentionScheduleForm(forms.Form):
    case_years = _whole_number(
        "Cases: years kept after they leave the programme",
        "Enter how many years cases are kept",
        "Years must be a whole number, like 6",
        help_text="Counted from exit, a decision not to adopt, or closure, whichever came first.",
    )
    referral_years = _whole_number(
        "Referrals that never became cases: years kept after screening closed them",
        "Enter how many years referrals that never became cases are kept",
        "Years must be a whole number, like 6",
        help_text="The same as cases, or less.",
    )
    draft_days = _whole_number(
        "Unsubmitted drafts: days kept after their last change",
        "Enter how many days drafts are kept",
        "Days must be a whole number, like 90",
        help_text="Drafts are deleted automatically each night once this has passed.",
    )


class LegalHoldForm(forms.Form):
    reference = text_field(
        "Record reference",
        20,
        required="Enter the reference of the case or referral",
        help_text="For example, CASE-2026-000045 or REF-2026-000123.",
    )
    scope = radios("What does the hold cover?", HoldScope.choices, required="Select what the hold covers")
    reason = long_text_field(
        "Reason",
        max_length=5000,
        required="Enter why the records must be kept",
        help_text="For example, the legal proceedings or complaint. The reason is kept in the audit trail.",
    )


class LiftHoldForm(forms.Form):
    reason = long_text_field(
        "Why can the hold be lifted?",
        max_length=5000,
        required="Enter why the hold can be lifted",
        help_text="The records become due for disposal again under the schedule. The reason is kept in the audit trail.",
    )


class ApproveDisposalForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have checked this batch and approve the disposal of these records",
        error_messages={"required": "Confirm that you approve the disposal of these records"},
    )
