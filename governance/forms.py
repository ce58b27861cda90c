"""The auditors' forms, shape only: the trail search (the selector checks the reference and the
period) and a break-glass review (the service decides)."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import GovukDateField, long_text_field, radios, text_field
from core.models import AuditVerb
from governance.models import ReviewDecision
from governance.selectors import TrailFilters, end_of_day, start_of_day
from partnership.models import Agency


class AuditSearchForm(forms.Form):
    given_name = text_field("Given name", 100, help_text="Of the person referred.")
    family_name = text_field("Family name", 100)
    reference = text_field("Record reference", 20, help_text="For example, REF-2026-000123 or CASE-2026-000045.")
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
