"""A referral's answers laid out as GOV.UK summary lists: "check your answers" and the referral page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateformat import format as date_format

from referrals.forms import national_label
from referrals.intake_forms import ATTACHMENTS_STEP, needs_guardian
from referrals.models import (
    Attachment,
    Awareness,
    IdentifierType,
    Indicator,
    Person,
    PersonIdentifier,
    Referral,
    Sex,
    Urgency,
)


@dataclass
class SummaryRow:
    key: str
    value: str
    step: str = ""
    fields: tuple[str, ...] = ()
    href: str = ""
    missing: str = ""


@dataclass
class SummarySection:
    title: str
    rows: list[SummaryRow] = field(default_factory=list)


def _choice_label(choices: Any, value: str) -> str:
    return dict(choices).get(value, value) if value else ""


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No"}.get(value, "") if value is not None else ""


@dataclass(frozen=True)
class _Rows:
    """Makes summary rows: the answer (or ``empty_text``), its change link and any missing-answer message."""

    missing: dict[str, list[str]]
    change_url: Callable[[str, str], str] | None
    empty_text: str

    def __call__(self, key: str, value: str, step: str, *fields: str) -> SummaryRow:
        message = next((self.missing[f][0] for f in fields if self.missing.get(f)), "")
        href = self.change_url(step, fields[0] if fields else "") if self.change_url else ""
        return SummaryRow(key=key, value=value or self.empty_text, step=step, fields=fields, href=href, missing=message)


def answer_sections(
    referral: Referral,
    *,
    identifiers: Iterable[PersonIdentifier],
    attachments: Iterable[Attachment],
    levels: dict[int, str],
    missing: dict[str, list[str]] | None = None,
    change_url: Callable[[str, str], str] | None = None,
    empty_text: str = "Not answered",
) -> list[SummarySection]:
    """The answers of a referral grouped for summary lists.

    With ``change_url(step, field)`` each row links back to its page; ``missing`` maps fields to
    messages shown (as links) in place of the answer.
    """
    row = _Rows(missing or {}, change_url, empty_text)
    return [
        _about_section(referral, identifiers, row),
        _concerns_section(referral, row),
        _consent_section(referral, row),
        _referrer_section(referral, row),
        _access_section(referral, levels, row),
        _files_section(attachments, levels, row, in_journey=change_url is not None),
    ]


def _date_of_birth(person: Person) -> str:
    if person.date_of_birth:
        return date_format(person.date_of_birth, "j F Y")
    if person.approximate_age is not None:
        return f"Not known (about {person.approximate_age} years old)"
    return ""


def _about_section(referral: Referral, identifiers: Iterable[PersonIdentifier], row: _Rows) -> SummarySection:
    person = referral.subject
    about = SummarySection(
        "About the person",
        [
            row("Name", person.full_name, "person", "given_name", "family_name"),
            row("Other names", person.other_names, "person", "other_names"),
            row("Date of birth", _date_of_birth(person), "date-of-birth", "date_of_birth", "approximate_age"),
            row("Sex", _choice_label(Sex.choices, person.sex), "about", "sex"),
            row("Gender", national_label(person.gender_category), "about", "gender_category"),
            row("How they describe their gender", person.gender, "about", "gender"),
            row("Ethnic group", national_label(person.ethnicity), "about", "ethnicity"),
            row("Main language", person.language, "about", "language"),
            row("Needs an interpreter", _yes_no(person.interpreter_needed), "about", "interpreter_needed"),
            row("Address", person.address, "address", "address"),
            row("Postcode", person.postcode, "address", "postcode"),
            row("School, college or employer", person.school_or_employer, "address", "school_or_employer"),
        ],
    )
    if needs_guardian(person) or person.guardian_name or person.guardian_contact:
        about.rows.append(row("Parent or guardian", person.guardian_name, "guardian", "guardian_name"))
        about.rows.append(
            row("Parent or guardian's contact details", person.guardian_contact, "guardian", "guardian_contact")
        )
    about.rows.append(
        row(
            "Reference numbers",
            "\n".join(f"{_choice_label(IdentifierType.choices, i.kind)}: {i.value}" for i in identifiers),
            "identifiers",
            "identifiers",
        )
    )
    return about


def _concerns_section(referral: Referral, row: _Rows) -> SummarySection:
    risk = _yes_no(referral.immediate_risk)
    if referral.immediate_risk and referral.immediate_risk_details:
        risk = f"Yes: {referral.immediate_risk_details}"
    return SummarySection(
        "Concerns",
        [
            row("Concerns", referral.concerns, "concerns", "concerns"),
            row("Type of concern", national_label(referral.concern_type), "type-of-concern", "concern_type"),
            row(
                "What has been noticed",
                "\n".join(_choice_label(Indicator.choices, i) for i in referral.indicators),
                "indicators",
                "indicators",
            ),
            row("Urgency", _choice_label(Urgency.choices, referral.urgency), "urgency-and-risk", "urgency"),
            row("Immediate risk of harm", risk, "urgency-and-risk", "immediate_risk", "immediate_risk_details"),
        ],
    )


def _consent_section(referral: Referral, row: _Rows) -> SummarySection:
    def awareness(key: str, name: str) -> SummaryRow:
        return row(key, _choice_label(Awareness.choices, getattr(referral, name)), "consent", name)

    rows = [awareness("The person knows about the referral", "person_aware")]
    if needs_guardian(referral.subject) or referral.guardian_aware:
        rows.append(awareness("Their parent or guardian knows", "guardian_aware"))
    rows += [
        awareness("Consent to share was sought", "consent_sought"),
        row("Notes about consent", referral.consent_notes, "consent", "consent_notes"),
    ]
    return SummarySection("Consent and awareness", rows)


def _referrer_section(referral: Referral, row: _Rows) -> SummarySection:
    return SummarySection(
        "Referrer",
        [
            row("Name", referral.referrer_name, "referrer", "referrer_name"),
            row("Job title or role", referral.referrer_role, "referrer", "referrer_role"),
            row("Phone number", referral.referrer_phone, "referrer", "referrer_phone"),
            row("Email address", referral.referrer_email, "referrer", "referrer_email"),
            row("Sector the referral is from", national_label(referral.source_sector), "referrer", "source_sector"),
        ],
    )


def _access_section(referral: Referral, levels: dict[int, str], row: _Rows) -> SummarySection:
    level = levels.get(referral.classification, str(referral.classification))
    return SummarySection(
        "Who may read it",
        [
            row("Clearance needed", level, "classification", "classification"),
            row(
                "Kept inside the referring agency",
                _yes_no(referral.originator_only),
                "classification",
                "originator_only",
            ),
        ],
    )


def _files_section(
    attachments: Iterable[Attachment], levels: dict[int, str], row: _Rows, *, in_journey: bool
) -> SummarySection:
    rows = [
        row(
            a.original_name,
            "\n".join(
                filter(None, [f"Clearance needed: {levels.get(a.classification, a.classification)}", a.description])
            ),
            ATTACHMENTS_STEP,
            "file",
        )
        for a in attachments
    ]
    return SummarySection(
        "Documents", rows or [row("Documents", "None attached" if in_journey else "", ATTACHMENTS_STEP, "file")]
    )
