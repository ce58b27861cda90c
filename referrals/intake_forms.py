"""Forms of the intake journey: GOV.UK "one thing per page", then attachments and "check your answers".

One ``StepForm`` per page, each knowing which model fields it asks for, how to read them
from a draft (``initial_from``) and what to hand to ``referrals.services.update_draft``
(``changes``). They check the shape of answers; the services decide.
``referrals.check_answers`` lays the answers out for "check your answers" and the referral page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.forms import (
    MAX_AGE,
    YES_NO,
    GovukCheckboxSelectMultiple,
    TelInput,
    date_field,
    long_text_field,
    radios,
    text_field,
)
from partnership.models import User
from referrals.forms import national_choices, national_rows, offer_clearances
from referrals.models import (
    ALLOWED_ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    Awareness,
    IdentifierType,
    Indicator,
    Person,
    PersonIdentifier,
    Referral,
    Sex,
    StatisticsCategory,
    Urgency,
)
from referrals.national import Dimension

ADULT_AGE = 18
MAX_IDENTIFIER_ROWS = 10


def age_of(person: Person, today: dt.date | None = None) -> int | None:
    today = today or timezone.localdate()
    if person.date_of_birth:
        dob = person.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    return person.approximate_age


def needs_guardian(person: Person) -> bool:
    """Ask about a parent or guardian for under-18s, and when the age is not known."""
    age = age_of(person)
    return age is None or age < ADULT_AGE


# --- The intake journey ----------------------------------------------------------------------------


class StepForm(forms.Form):
    """One page of the referral journey. ``version`` is the draft's version when the page was shown."""

    slug: ClassVar[str]
    title: ClassVar[str]
    person_fields: ClassVar[tuple[str, ...]] = ()
    referral_fields: ClassVar[tuple[str, ...]] = ()
    national_fields: ClassVar[dict[str, str]] = {}
    """Fields answered on a national statistics list (``referrals.national``), by dimension: offered
    from the list's current version by code, saved as its row."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, files: Any = None, *, referral: Referral, user: User, **kwargs: Any) -> None:
        self.referral = referral
        self.user = user
        self.national: dict[str, dict[str, StatisticsCategory]] = {
            name: national_rows(dimension) for name, dimension in self.national_fields.items()
        }
        initial = {"version": referral.version, **self.initial_from(referral)}
        super().__init__(data, files, initial=initial, **kwargs)
        for name, rows in self.national.items():
            field: forms.ChoiceField = self.fields[name]  # type: ignore[assignment]  # every national field
            first = list(field.choices)[:1]  # type: ignore[arg-type]  # a list: the select's "Not answered"
            field.choices = [*first, *national_choices(rows)]

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        person = referral.subject
        values = {name: getattr(person, name) for name in self.person_fields}
        values.update({name: getattr(referral, name) for name in self.referral_fields})
        for name in self.national_fields:
            values[name] = values[name].code if values[name] else ""
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["version"] = int(str(cleaned.get("version", "")))
        except ValueError:
            raise ValidationError("This page is out of date. Go back to your referrals and open it again.") from None
        return cleaned

    def changes(self) -> dict[str, Any]:
        """What to save: the cleaned answers, by model field name."""
        values = {name: self.cleaned_data[name] for name in (*self.person_fields, *self.referral_fields)}
        for name, rows in self.national.items():
            values[name] = rows.get(values[name] or "")
        return values

    def show_conflict(self, message: str, current_version: int) -> None:
        """Keep what was typed, offer the current version, and say why it was not saved."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict when bound
        data["version"] = str(current_version)
        self.data = data
        self.add_error(None, message)


def _blank_to_empty(value: Any) -> str:
    return value or ""


class PersonForm(StepForm):
    slug = "person"
    title = "What is the person's name?"
    person_fields = ("given_name", "family_name", "other_names")

    given_name = text_field(
        "First name",
        100,
        required="Enter the person's first name",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    family_name = text_field(
        "Last name", 100, required="Enter the person's last name", widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    other_names = text_field(
        "Other names (optional)",
        300,
        help_text="Aliases, previous names or other spellings.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class DateOfBirthForm(StepForm):
    slug = "date-of-birth"
    title = "What is the person's date of birth?"
    person_fields = ("date_of_birth", "approximate_age")

    date_of_birth = date_field(
        "What is the person's date of birth?",
        "Date of birth",
        past_only=True,
        required=False,
        help_text="For example, 27 3 2008",
    )
    approximate_age = forms.IntegerField(
        label="If you do not know their date of birth, what is their approximate age? (optional)",
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text="In years.",
        error_messages={
            "invalid": "Approximate age must be a number, like 15",
            "min_value": "Approximate age must be 0 or more",
            "max_value": f"Approximate age must be {MAX_AGE} or less",
        },
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            "date_of_birth" not in self.errors
            and "approximate_age" not in self.errors
            and cleaned.get("date_of_birth") is None
            and cleaned.get("approximate_age") is None
        ):
            self.add_error("date_of_birth", "Enter the person's date of birth or an approximate age")
        return cleaned


class AboutForm(StepForm):
    slug = "about"
    title = "About the person"
    person_fields = ("sex", "gender_category", "gender", "ethnicity", "language", "interpreter_needed")
    national_fields: ClassVar[dict[str, str]] = {"gender_category": Dimension.GENDER, "ethnicity": Dimension.ETHNICITY}

    sex = radios("Sex (optional)", Sex.choices)
    gender_category = radios("Gender (optional)", [], help_text="Only if you know it. Do not guess.")
    gender = text_field(
        "How they describe their gender (optional)",
        100,
        help_text="In their own words, if they describe it in another way.",
    )
    ethnicity = forms.ChoiceField(
        label="Ethnic group (optional)",
        required=False,
        choices=[("", "Not answered")],
        help_text="How the person describes their ethnic group, if you know it.",
        error_messages={"invalid_choice": "Select an ethnic group from the list"},
    )
    language = text_field(
        "Main language (optional)", 100, help_text="For example, English, Polish or British Sign Language."
    )
    interpreter_needed = forms.BooleanField(
        label="They need an interpreter",
        required=False,
        help_text="Tick if they will need one to take part in meetings.",
    )

    def changes(self) -> dict[str, Any]:
        values = super().changes()
        values["sex"] = _blank_to_empty(values["sex"])
        return values


class AddressForm(StepForm):
    slug = "address"
    title = "Where does the person live?"
    person_fields = ("address", "postcode", "school_or_employer")

    address = long_text_field("Address (optional)", max_length=1000, help_text="Include the town or city.")
    postcode = text_field("Postcode (optional)", 10, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    school_or_employer = text_field("School, college or employer (optional)", 200)

    def clean_postcode(self) -> str:
        return " ".join(self.cleaned_data["postcode"].upper().split())


class GuardianForm(StepForm):
    slug = "guardian"
    title = "Parent or guardian"
    person_fields = ("guardian_name", "guardian_contact")

    guardian_name = text_field("Name of parent or guardian (optional)", 200)
    guardian_contact = long_text_field(
        "How to contact them (optional)", max_length=300, help_text="A phone number, email address or postal address."
    )


class IdentifiersForm(StepForm):
    """Rows of identifier type and value. A blank row is ignored; a half-filled one is an error."""

    slug = "identifiers"
    title = "Does the person have any reference numbers?"

    def __init__(self, data: Any = None, files: Any = None, *, referral: Referral, user: User, **kwargs: Any) -> None:
        self.existing = list(PersonIdentifier.objects.filter(person_id=referral.subject_id).order_by("pk"))
        if data is not None:
            rows = sum(1 for i in range(1, MAX_IDENTIFIER_ROWS + 1) if f"kind_{i}" in data or f"value_{i}" in data)
        else:
            rows = len(self.existing) + 1
        self.row_count = max(1, min(rows, MAX_IDENTIFIER_ROWS))
        super().__init__(data, files, referral=referral, user=user, **kwargs)
        for i in range(1, self.row_count + 1):
            self.fields[f"kind_{i}"] = forms.ChoiceField(
                label=f"Type of reference {i}",
                required=False,
                choices=[("", "Choose a type"), *IdentifierType.choices],
                error_messages={"invalid_choice": "Select the type of reference"},
            )
            self.fields[f"value_{i}"] = text_field(
                f"Reference {i}", 100, widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
            )

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for i, identifier in enumerate(self.existing, start=1):
            values[f"kind_{i}"] = identifier.kind
            values[f"value_{i}"] = identifier.value
        return values

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"kind_{i}"], self[f"value_{i}"]) for i in range(1, self.row_count + 1)]

    @property
    def can_add_row(self) -> bool:
        return self.row_count < MAX_IDENTIFIER_ROWS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for i in range(1, self.row_count + 1):
            kind, value = cleaned.get(f"kind_{i}"), (cleaned.get(f"value_{i}") or "").strip()
            if value and not kind and f"kind_{i}" not in self.errors:
                self.add_error(f"kind_{i}", f"Select the type of reference {i}")
            if kind and not value and f"value_{i}" not in self.errors:
                self.add_error(f"value_{i}", f"Enter reference {i}, or choose no type")
        return cleaned

    def changes(self) -> dict[str, Any]:
        rows = []
        for i in range(1, self.row_count + 1):
            kind, value = self.cleaned_data.get(f"kind_{i}"), (self.cleaned_data.get(f"value_{i}") or "").strip()
            if kind and value:
                rows.append({"kind": kind, "value": value})
        return {"identifiers": rows}


class ConcernsForm(StepForm):
    slug = "concerns"
    title = "What are your concerns?"
    referral_fields = ("concerns",)

    concerns = long_text_field(
        "What are your concerns?",
        required="Describe your concerns",
        help_text="Say what you have seen or heard, when it happened, and who else knows about it.",
    )


class ConcernTypeForm(StepForm):
    slug = "type-of-concern"
    title = "What type of concern is this?"
    referral_fields = ("concern_type",)
    national_fields: ClassVar[dict[str, str]] = {"concern_type": Dimension.CONCERN_TYPE}

    concern_type = radios(
        "What type of concern is this?",
        [],
        required="Select the type of concern",
        help_text="Choose the closest, or 'Not known'. The screening team can change it.",
    )


class IndicatorsForm(StepForm):
    slug = "indicators"
    title = "What have you noticed?"
    referral_fields = ("indicators",)

    indicators = forms.MultipleChoiceField(
        label="What have you noticed? (optional)",
        required=False,
        choices=Indicator.choices,
        widget=GovukCheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Select only the options shown"},
    )


class UrgencyRiskForm(StepForm):
    slug = "urgency-and-risk"
    title = "Urgency and risk"
    referral_fields = ("urgency", "immediate_risk", "immediate_risk_details")

    urgency = radios("How urgent is this referral?", Urgency.choices, required="Select how urgent this is")
    immediate_risk = radios(
        "Is anyone at immediate risk of harm?",
        YES_NO,
        required="Select yes if anyone is at immediate risk of harm",
    )
    # Asked under the yes/no question, not in a conditional reveal (see templates/includes/_radios.html).
    immediate_risk_details = long_text_field(
        "If yes, describe the risk",
        max_length=5000,
        help_text="Who is at risk, from what, and when. Leave this blank if you answered no.",
    )

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        values = super().initial_from(referral)
        values["immediate_risk"] = (
            None if referral.immediate_risk is None else ("yes" if referral.immediate_risk else "no")
        )
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("immediate_risk") == "yes" and not (cleaned.get("immediate_risk_details") or "").strip():
            self.add_error("immediate_risk_details", "Describe the risk")
        return cleaned

    def changes(self) -> dict[str, Any]:
        risk = self.cleaned_data["immediate_risk"] == "yes"
        return {
            "urgency": self.cleaned_data["urgency"],
            "immediate_risk": risk,
            "immediate_risk_details": self.cleaned_data["immediate_risk_details"] if risk else "",
        }


class ConsentForm(StepForm):
    slug = "consent"
    title = "Consent and awareness"
    referral_fields = ("person_aware", "guardian_aware", "consent_sought", "consent_notes")

    person_aware = radios(
        "Does the person know you are referring them?",
        Awareness.choices,
        required="Select whether the person knows about this referral",
    )
    guardian_aware = radios(
        "Does their parent or guardian know?",
        Awareness.choices,
        required="Select whether their parent or guardian knows about this referral",
    )
    consent_sought = radios(
        "Have you asked for consent to share information about them?",
        Awareness.choices,
        required="Select whether you have asked for consent",
    )
    consent_notes = long_text_field(
        "Notes about consent (optional)",
        max_length=5000,
        help_text="For example, who you spoke to, what they said, or why you did not ask.",
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        if not needs_guardian(referral.subject):
            del self.fields["guardian_aware"]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.referral_fields if name in self.fields}


class ReferrerForm(StepForm):
    slug = "referrer"
    title = "Your details"
    referral_fields = ("referrer_name", "referrer_role", "referrer_phone", "referrer_email", "source_sector")
    national_fields: ClassVar[dict[str, str]] = {"source_sector": Dimension.SOURCE_SECTOR}

    referrer_name = text_field(
        "Your name", 200, required="Enter your name", widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    referrer_role = text_field(
        "Your job title or role (optional)", 200, widget=forms.TextInput(attrs={"autocomplete": "organization-title"})
    )
    referrer_phone = text_field("Phone number (optional)", 50, widget=TelInput(attrs={"autocomplete": "tel"}))
    referrer_email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
    source_sector = radios(
        "Which sector is this referral from?",
        [],
        required="Select the sector this referral is from",
        help_text="We have chosen your agency's sector. Change it if, for example, a member of the public raised the concern with you.",
    )


class ClassificationForm(StepForm):
    slug = "classification"
    title = "Who may read this referral?"
    referral_fields = ("classification", "originator_only")

    classification = radios(
        "What clearance does someone need to read this referral?",
        [],
        required="Select the clearance needed to read this referral",
        help_text="You cannot choose a level above your own clearance. Choose the lowest level that protects the information.",
    )
    originator_only = forms.BooleanField(label="Keep this referral inside my agency", required=False)

    def __init__(self, *args: Any, referral: Referral, user: User, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, user=user, **kwargs)
        offer_clearances(
            self,
            user,
            originator_help=(
                "Only people in {agency} will be able to read it, whatever is shared later. "
                "The screening team and panel agencies will not see it."
            ),
        )

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        return {"classification": str(referral.classification), "originator_only": referral.originator_only}

    def changes(self) -> dict[str, Any]:
        return {
            "classification": int(self.cleaned_data["classification"]),
            "originator_only": self.cleaned_data["originator_only"],
        }


STEP_FORMS: dict[str, type[StepForm]] = {
    form.slug: form
    for form in (
        PersonForm,
        DateOfBirthForm,
        AboutForm,
        AddressForm,
        GuardianForm,
        IdentifiersForm,
        ConcernsForm,
        ConcernTypeForm,
        IndicatorsForm,
        UrgencyRiskForm,
        ConsentForm,
        ReferrerForm,
        ClassificationForm,
    )
}
ATTACHMENTS_STEP = "attachments"
CHECK_STEP = "check-your-answers"
ALL_STEPS = (*STEP_FORMS, ATTACHMENTS_STEP, CHECK_STEP)
STEP_TITLES = {
    **{slug: form.title for slug, form in STEP_FORMS.items()},
    ATTACHMENTS_STEP: "Attach documents",
    CHECK_STEP: "Check your answers",
}

# Where each answer is asked, and the id of the input to land on.
FIELD_STEPS: dict[str, str] = {
    name: slug for slug, form in STEP_FORMS.items() for name in (*form.person_fields, *form.referral_fields)
}
FIELD_STEPS.update({"identifiers": "identifiers", "file": ATTACHMENTS_STEP})
FIELD_ANCHORS = {
    "date_of_birth": "id_date_of_birth_day",
    "sex": "id_sex_0",
    "concern_type": "id_concern_type_0",
    "gender_category": "id_gender_category_0",
    "source_sector": "id_source_sector_0",
    "indicators": "id_indicators_0",
    "urgency": "id_urgency_0",
    "immediate_risk": "id_immediate_risk_0",
    "person_aware": "id_person_aware_0",
    "guardian_aware": "id_guardian_aware_0",
    "consent_sought": "id_consent_sought_0",
    "classification": "id_classification_0",
    "identifiers": "id_kind_1",
}


def field_anchor(name: str) -> str:
    return FIELD_ANCHORS.get(name, f"id_{name}")


def steps_for(referral: Referral) -> list[str]:
    """The pages this draft goes through, in order (the guardian page only for under-18s or unknown age)."""
    return [s for s in ALL_STEPS if s != "guardian" or needs_guardian(referral.subject)]


def next_step(referral: Referral, current: str) -> str:
    steps = steps_for(referral)
    if current not in steps:
        return steps[0]
    return steps[min(steps.index(current) + 1, len(steps) - 1)]


def previous_step(referral: Referral, current: str) -> str | None:
    steps = steps_for(referral)
    if current not in steps or steps.index(current) == 0:
        return None
    return steps[steps.index(current) - 1]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"PDF, Word document, PNG, JPG or text file, smaller than {MAX_ATTACHMENT_BYTES // (1024 * 1024)}MB."
        ),
        error_messages={"required": "Select a file", "empty": "The selected file is empty"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(sorted({*ALLOWED_ATTACHMENT_TYPES.values(), ".jpeg"}))}
        ),
    )
    description = text_field(
        "Describe the file (optional)", 300, help_text="For example, screenshot of a post shared on 3 March."
    )
    classification = radios(
        "What clearance does someone need to read this file?",
        [],
        required="Select the clearance needed to read this file",
    )

    def __init__(self, data: Any = None, files: Any = None, *, user: User, default_rank: int, **kwargs: Any) -> None:
        super().__init__(data, files, initial={"classification": str(default_rank)}, **kwargs)
        offer_clearances(self, user)
