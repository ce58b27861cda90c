"""Forms for the case pages. They check the shape of answers; the services decide."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django import forms

from cases import services
from cases.models import Case, CaseStatus
from core.forms import (
    GovukCheckboxSelectMultiple,
    MultipleFileField,
    MultipleFileInput,
    VersionedForm,
    date_field,
    date_hint,
    long_text_field,
    radios,
    text_field,
)
from partnership.forms import active_agencies
from partnership.models import CASE_WORKING_ROLES, Agency, User
from referrals import forms as referral_forms
from referrals.forms import PersonChoiceField, classification_field, offer_clearances
from referrals.models import ALLOWED_ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, EntryType, Referral, ScreeningDecision


class CaseTransitionForm(VersionedForm):
    to_status = radios("What should the case become?", [], required="Select what the case should become")
    reason = long_text_field(
        "Why?", max_length=5000, required="Give a reason for the change", help_text="This is kept with the case."
    )

    def __init__(self, data: Any = None, *, case: Case, allowed: Iterable[str], **kwargs: Any) -> None:
        super().__init__(data, initial={"version": case.version}, prefix="transition", **kwargs)
        cast(forms.ChoiceField, self.fields["to_status"]).choices = [
            (status, CaseStatus(status).label) for status in CaseStatus.values if status in set(allowed)
        ]


class RequestInformationForm(forms.Form):
    agencies = forms.MultipleChoiceField(
        label="Which agencies are you asking?",
        choices=[],
        widget=GovukCheckboxSelectMultiple,
        error_messages={
            "required": "Select one or more agencies",
            "invalid_choice": "Select only the agencies shown",
        },
    )
    question = long_text_field(
        "What do you need to know?",
        max_length=5000,
        required="Enter what you are asking for",
        help_text="Each agency sees the same question.",
    )
    due_date = date_field(
        "When do you need the answers by?",
        "The due date",
        future_only=True,
        required=False,
        help_text=date_hint("Filled in with the partnership's usual time to answer."),
    )

    def __init__(self, data: Any = None, *, default_due: dt.date, about: str = "case", **kwargs: Any) -> None:
        """``about``: what the requested agencies gain access to, the case or (in screening) the referral."""
        super().__init__(data, initial={"due_date": default_due}, prefix="request", **kwargs)
        self.fields["agencies"].help_text = f"Select all that apply. Each agency gets access to the {about} to answer."
        cast(forms.MultipleChoiceField, self.fields["agencies"]).choices = [
            (str(pk), name) for pk, name in active_agencies().values_list("pk", "name")
        ]

    def agency_ids(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["agencies"]]

    def request(self) -> dict[str, Any]:
        """The checked answers as ``services.request_information`` takes them."""
        return {
            "agency_ids": self.agency_ids(),
            "question": self.cleaned_data["question"],
            "due_date": self.cleaned_data["due_date"],
        }


class CaseNoteForm(forms.Form):
    text = long_text_field("Note", required="Enter the note")
    classification = classification_field(
        "What clearance does someone need to read this note?", "Select the clearance needed to read this note"
    )
    originator_only = forms.BooleanField(label="Keep this note inside my agency", required=False)

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, initial={"classification": "1"}, prefix="note", **kwargs)
        offer_clearances(self, user, originator_help="Only people in {agency} will be able to read it.")


class ExtendRequestForm(forms.Form):
    due_date = date_field(
        "What is the new due date?",
        "The new due date",
        future_only=True,
        help_text=date_hint("It must be later than the current due date.", days_ahead=60),
    )
    reason = text_field("Reason (optional)", 2000)


class AssignRequestForm(forms.Form):
    assignee = PersonChoiceField(
        label="Who in your agency will answer?",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Select a person", "invalid_choice": "Select a person from the list"},
    )

    def __init__(self, data: Any = None, *, agency_id: int, **kwargs: Any) -> None:
        super().__init__(data, prefix="assign", **kwargs)
        field_ = cast(forms.ModelChoiceField, self.fields["assignee"])
        field_.queryset = User.objects.filter(
            agency_id=agency_id, is_active=True, roles__overlap=list(CASE_WORKING_ROLES)
        ).order_by("last_name", "first_name", "username")


class ContributionForm(forms.Form):
    text = long_text_field(
        "What does your agency know?",
        max_length=50000,
        required="Enter what your agency knows",
        help_text="Include dates, who was involved and how you know.",
    )
    classification = classification_field(
        "What clearance does someone need to read this?", "Select the clearance needed to read this contribution"
    )
    releasable_summary = long_text_field(
        "Summary for readers with Baseline clearance",
        max_length=5000,
        help_text=(
            "Needed if you choose a clearance above Baseline. Readers below that clearance see only this summary, "
            "so leave out anything they must not read."
        ),
    )
    documents = MultipleFileField(
        label="Upload documents (optional)",
        required=False,
        help_text=(
            "PDF, Word document, PNG, JPG or text file, each smaller than "
            f"{MAX_ATTACHMENT_BYTES // (1024 * 1024)}MB. They can be read by people who can read the contribution "
            "in full."
        ),
        widget=MultipleFileInput(attrs={"accept": ",".join(sorted({*ALLOWED_ATTACHMENT_TYPES.values(), ".jpeg"}))}),
    )

    def __init__(self, data: Any = None, files: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, files, initial={"classification": "1"}, prefix="contribution", **kwargs)
        offer_clearances(self, user)


class ChronologyFilterForm(forms.Form):
    """Filters for the chronology, by GET: an agency and an entry type (no personal data in the URL)."""

    agency = forms.ChoiceField(
        label="Agency",
        required=False,
        choices=[],
        error_messages={"invalid_choice": "Select an agency from the list"},
    )
    entry_type = forms.ChoiceField(
        label="Type of entry",
        required=False,
        choices=[("", "All types"), *EntryType.choices],
        error_messages={"invalid_choice": "Select a type of entry from the list"},
    )
    significant = forms.BooleanField(label="Only significant events", required=False)

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            ("", "All agencies"),
            *((str(pk), name) for pk, name in Agency.objects.order_by("name").values_list("pk", "name")),
        ]

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "agency_id": data.get("agency") or None,
            "entry_type": data.get("entry_type") or None,
            "significant_only": bool(data.get("significant")),
        }

    def query_string(self) -> str:
        """The filters as a query string, for the export links (ids and codes only)."""
        from urllib.parse import urlencode

        values = self.filters()
        pairs = [
            ("agency", values["agency_id"] or ""),
            ("entry_type", values["entry_type"] or ""),
            ("significant", "on" if values["significant_only"] else ""),
        ]
        return urlencode([(k, v) for k, v in pairs if v])


class ScreeningDecisionForm(referral_forms.ScreeningDecisionForm):
    """The screening decision, checked in one pass: the shape of each answer, then everything
    ``services.screen_referral`` would refuse (a panel and an owner for the panel, a service to
    signpost to), so every error shows at once and nothing is written before "check your answers"."""

    def __init__(self, data: Any = None, *, referral: Referral, **kwargs: Any) -> None:
        super().__init__(data, referral=referral, **kwargs)
        self.referral = referral

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        errors = services.screening_decision_errors(
            decision=data.get("decision") or "",
            rationale=data.get("rationale") or "",
            signposted_to=data.get("signposted_to") or "",
            panel=data.get("panel"),
            case_owner=data.get("case_owner"),
        )
        for name, messages in errors.items():
            if name in self.fields and name not in self.errors and name in data:
                self.add_error(name, messages)
        return data

    def answers(self) -> dict[str, Any]:
        """The checked answers as ``services.screen_referral`` takes them."""
        data = self.cleaned_data
        keep = {
            "signposted_to": data["decision"] == ScreeningDecision.SIGNPOST,
            "panel": data["decision"] == ScreeningDecision.REFER_TO_PANEL,
            "case_owner": data["decision"] == ScreeningDecision.REFER_TO_PANEL,
        }
        empty = {"signposted_to": "", "panel": None, "case_owner": None}
        return {
            "decision": data["decision"],
            "rationale": data["rationale"],
            **{name: data[name] if keep[name] else empty[name] for name in keep},
            "expected_version": data["version"],
        }
