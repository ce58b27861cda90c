"""Forms for the referral pages around a submitted referral (sharing, break-glass, search) and
screening, and the clearance fields other apps' forms share. They check the shape of answers;
the services decide. The intake journey's forms are in ``referrals.intake_forms``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import (
    GovukCheckboxSelectMultiple,
    VersionedForm,
    date_field,
    long_text_field,
    radios,
    text_field,
)
from partnership.forms import active_agencies, agency_field
from partnership.models import ClearanceLevel, Panel, User
from referrals import permissions
from referrals.models import (
    Rag,
    Referral,
    ReferralStatus,
    ScreeningDecision,
    SignpostService,
    StatisticsCategory,
    Urgency,
)
from referrals.national import Dimension

# --- Answers on the national statistics lists (referrals.national) -----------------------------------


def national_rows(dimension: str) -> dict[str, StatisticsCategory]:
    """The current version of a national list, by code, in its order."""
    return {row.code: row for row in StatisticsCategory.objects.current(dimension).select_related("parent")}


def national_label(row: StatisticsCategory | None) -> str:
    """A national list's answer; an ethnicity under its ONS group ("White: Irish"), so one list still
    reads by group."""
    if row is None:
        return ""
    return f"{row.parent.label}: {row.label}" if row.parent_id and row.parent else row.label


def national_choices(rows: dict[str, StatisticsCategory]) -> list[tuple[str, str]]:
    return [(code, national_label(row)) for code, row in rows.items()]


# --- Clearance levels, as other apps' forms offer them too ------------------------------------------


def clearance_choices(max_rank: int, levels: dict[int, str] | None = None) -> list[tuple[str, str]]:
    """Clearance levels a user may classify at: their own rank and below. From ``levels``
    (``clearance_names``, read once for a page that shows them too) when given, else one query."""
    if levels is not None:
        return [(str(rank), name) for rank, name in sorted(levels.items()) if rank <= max_rank]
    return [
        (str(rank), name)
        for rank, name in ClearanceLevel.objects.filter(rank__lte=max_rank).order_by("rank").values_list("rank", "name")
    ]


def offer_clearances(
    form: forms.Form, user: User, *, originator_help: str = "", levels: dict[int, str] | None = None
) -> None:
    """Offer the form's ``classification`` field the levels ``user`` may classify at (from ``levels``
    when the page has read them already). With ``originator_help``, its ``originator_only`` box says
    who alone will read the record (``{agency}`` stands for the user's agency)."""
    cast(forms.ChoiceField, form.fields["classification"]).choices = clearance_choices(user.clearance_rank, levels)
    if originator_help:
        agency = user.agency.name if user.agency_id and user.agency else "your agency"
        form.fields["originator_only"].help_text = originator_help.format(agency=agency)


def clearance_names() -> dict[int, str]:
    return dict(ClearanceLevel.objects.values_list("rank", "name"))


# --- Around a submitted referral -------------------------------------------------------------------


class ShareForm(forms.Form):
    agency = agency_field(
        "Agency to share with",
        empty_label="Choose an agency",
        required="Select an agency",
        invalid="Select an agency from the list",
    )
    reason = long_text_field(
        "Why are you sharing this referral?",
        max_length=2000,
        required="Enter why you are sharing this referral",
        help_text="This is recorded in the audit trail and shown to people who manage access.",
    )
    expires_at = date_field(
        "When should their access end? (optional)",
        "The end date",
        future_only=True,
        required=False,
        help_text="Access ends at the end of that day. Leave blank to share until you revoke it.",
    )

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if user.agency_id is not None:  # not with their own agency
            cast(forms.ModelChoiceField, self.fields["agency"]).queryset = active_agencies().exclude(pk=user.agency_id)

    def expiry(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


class BreakGlassForm(forms.Form):
    reference = text_field(
        "Referral reference",
        20,
        required="Enter the referral reference",
        help_text="For example, REF-2026-000123.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = long_text_field(
        "Why do you need to open this referral now?",
        max_length=2000,
        required="Explain why you need to open this referral",
        help_text="Your agency's single point of contact and the auditors will see this.",
    )

    def clean_reference(self) -> str:
        return "".join(self.cleaned_data["reference"].split()).upper()

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise ValidationError("Explain why you need to open this referral (at least 10 characters)")
        return reason


class SearchForm(forms.Form):
    query = text_field(
        "Reference, name or postcode",
        200,
        required="Enter a reference, name or postcode",
        help_text="For example, CASE-2026-000045, Jordan Smith, or a date of birth such as 14 3 2008.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        if len(query) < 2:
            raise ValidationError("Enter at least 2 characters")
        return query


# --- Screening, cases, information requests and the chronology (issue 4) ----------------------------


def classification_field(label: str, required: str, help_text: str = "") -> forms.ChoiceField:
    return radios(label, [], required=required, help_text=help_text)


def _any(label: str, choices: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "Any"), *choices],
        error_messages={"invalid_choice": f"Choose one of the {label.lower()} options shown"},
    )


class ScreeningQueueFilterForm(forms.Form):
    """The screening queue's filters and order, by GET (codes only: nothing personal in the URL)."""

    status = _any("Status", [(ReferralStatus.SUBMITTED, "Not started"), (ReferralStatus.SCREENING, "Screening")])
    urgency = _any("Urgency", Urgency.choices)
    rag = _any("RAG rating", [*Rag.choices, ("none", "Not rated")])
    due = _any("Screening due", [("overdue", "Overdue"), ("week", "Within 7 days")])
    screener = _any("Screener", [("me", "Me")])
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[("urgency", "Most urgent first"), ("due", "Soonest due first"), ("received", "Newest first")],
        error_messages={"invalid_choice": "Select an order from the list"},
    )

    def filters(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {name: data.get(name) or "" for name in self.fields}


class ScreeningNoteForm(forms.Form):
    """A screening note, or (``deconfliction=True``) a deconfliction check.

    A deconfliction check defaults to originator-only and Security Check when the officer holds it.
    """

    text = long_text_field("Note", required="Enter the note")
    classification = classification_field(
        "What clearance does someone need to read this?", "Select the clearance needed to read this"
    )
    originator_only = forms.BooleanField(label="Keep this inside my agency", required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        user: User,
        deconfliction: bool = False,
        levels: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        rank = 2 if deconfliction and user.clearance_rank >= 2 else 1
        initial = {"classification": str(rank), "originator_only": deconfliction}
        super().__init__(data, initial=initial, prefix="deconfliction" if deconfliction else "note", **kwargs)
        self.deconfliction = deconfliction
        offer_clearances(
            self,
            user,
            originator_help="Only people in {agency} will be able to read it. Other agencies will not know it exists.",
            levels=levels,
        )
        if deconfliction:
            self.fields["text"].label = "What did the deconfliction checks find?"
            self.fields["text"].help_text = "Which systems you checked and what they hold about the person."
        else:
            self.fields["text"].label = "Screening note"
            self.fields["text"].help_text = "What you found out and who you spoke to."


class RagReviewForm(forms.Form):
    rag = radios("What is the RAG rating now?", Rag.choices, required="Select red, amber or green")
    rationale = long_text_field(
        "Why this rating?", max_length=5000, required="Explain the rating", help_text="What has changed, if anything."
    )

    def __init__(self, data: Any = None, *, current: str = "", **kwargs: Any) -> None:
        super().__init__(data, initial={"rag": current or None}, prefix="rag", **kwargs)


class NeedsAndConsentForm(forms.Form):
    """The person's recorded mental-health and neurodiversity needs and their consent, in screening."""

    needs = forms.MultipleChoiceField(
        label="What mental-health or neurodiversity needs are recorded?",
        choices=[],
        widget=GovukCheckboxSelectMultiple,
        help_text="Select all that apply, or 'None identified', or 'Not known'. Only what a professional has recorded.",
        error_messages={
            "required": "Select the needs recorded, 'None identified' or 'Not known'",
            "invalid_choice": "Select only the needs shown",
        },
    )
    consent_status = radios(
        "Has the person (or, for a child, their parent or guardian) given consent?",
        [],
        required="Select whether the person has given consent, or 'Not known'",
    )

    def __init__(self, data: Any = None, *, referral: Referral, **kwargs: Any) -> None:
        self.rows = {"needs": national_rows(Dimension.NEED), "consent_status": national_rows(Dimension.CONSENT)}
        consent = referral.consent_status
        initial = {
            "needs": [n.code for n in referral.recorded_needs.all()],
            "consent_status": consent.code if consent else None,
        }
        super().__init__(data, initial=initial, prefix="needs", **kwargs)
        for name, rows in self.rows.items():
            cast(forms.ChoiceField, self.fields[name]).choices = national_choices(rows)

    def answers(self) -> dict[str, Any]:
        needs, consent = self.rows["needs"], self.rows["consent_status"]
        return {
            "needs": [needs[code] for code in self.cleaned_data["needs"]],
            "consent": consent.get(self.cleaned_data["consent_status"]),
        }


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class PersonAndAgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        agency = obj.agency.name if obj.agency_id and obj.agency else "no agency"
        return f"{obj.get_full_name() or obj.username} ({agency})"


class ScreeningDecisionForm(VersionedForm):
    decision = radios("What is your decision?", ScreeningDecision.choices, required="Select a decision")
    signposted_to = forms.ChoiceField(
        label="If you are signposting, to which service?",
        required=False,
        choices=[("", "Choose a service"), *SignpostService.choices],
        error_messages={"invalid_choice": "Select a service from the list"},
    )
    panel = forms.ModelChoiceField(
        label="If you are referring to the panel, which panel?",
        queryset=Panel.objects.none(),
        required=False,
        empty_label="Choose a panel",
        error_messages={"invalid_choice": "Select a panel from the list"},
    )
    case_owner = PersonAndAgencyChoiceField(
        label="Who will own the case?",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose a case owner",
        help_text="A panel chair or practitioner in the local authority. Needed when you refer to the panel.",
        error_messages={"invalid_choice": "Select a case owner from the list"},
    )
    rationale = long_text_field(
        "Rationale for the decision",
        max_length=10000,
        required="Give the rationale for the decision",
        help_text="The panel and the referrer will read this.",
    )

    def __init__(self, data: Any = None, *, referral: Referral, **kwargs: Any) -> None:
        super().__init__(data, initial={"version": referral.version}, prefix="decision", **kwargs)
        cast(forms.ModelChoiceField, self.fields["panel"]).queryset = Panel.objects.filter(is_active=True).order_by(
            "name"
        )
        cast(forms.ModelChoiceField, self.fields["case_owner"]).queryset = (
            permissions.case_owner_candidates()  # the rule the service checks again
            .select_related("agency")
            .order_by("last_name", "first_name", "username")
        )
