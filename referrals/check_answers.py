"""A referral's answers laid out as GOV.UK summary lists: "check your answers" and the referral page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateformat import format as date_format

from referrals.forms import ATTACHMENTS_STEP, needs_guardian
from referrals.models import (
    Attachment,
    Awareness,
    IdentifierType,
    Ideology,
    Indicator,
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
    person = referral.subject
    missing = missing or {}

    def row(key: str, value: str, step: str, *fields: str) -> SummaryRow:
        message = next((missing[f][0] for f in fields if missing.get(f)), "")
        href = change_url(step, fields[0] if fields else "") if change_url else ""
        return SummaryRow(key=key, value=value or empty_text, step=step, fields=fields, href=href, missing=message)

    if person.date_of_birth:
        dob = date_format(person.date_of_birth, "j F Y")
    elif person.approximate_age is not None:
        dob = f"Not known (about {person.approximate_age} years old)"
    else:
        dob = ""
    about = SummarySection(
        "About the person",
        [
            row("Name", person.full_name, "person", "given_name", "family_name"),
            row("Other names", person.other_names, "person", "other_names"),
            row("Date of birth", dob, "date-of-birth", "date_of_birth", "approximate_age"),
            row("Sex", _choice_label(Sex.choices, person.sex), "about", "sex"),
            row("Gender", person.gender, "about", "gender"),
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

    risk = _yes_no(referral.immediate_risk)
    if referral.immediate_risk and referral.immediate_risk_details:
        risk = f"Yes: {referral.immediate_risk_details}"
    concerns = SummarySection(
        "Concerns",
        [
            row("Concerns", referral.concerns, "concerns", "concerns"),
            row("Type of concern", _choice_label(Ideology.choices, referral.ideology), "ideology", "ideology"),
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
    consent = SummarySection(
        "Consent and awareness",
        [
            row(
                "The person knows about the referral",
                _choice_label(Awareness.choices, referral.person_aware),
                "consent",
                "person_aware",
            ),
        ],
    )
    if needs_guardian(person) or referral.guardian_aware:
        consent.rows.append(
            row(
                "Their parent or guardian knows",
                _choice_label(Awareness.choices, referral.guardian_aware),
                "consent",
                "guardian_aware",
            )
        )
    consent.rows += [
        row(
            "Consent to share was sought",
            _choice_label(Awareness.choices, referral.consent_sought),
            "consent",
            "consent_sought",
        ),
        row("Notes about consent", referral.consent_notes, "consent", "consent_notes"),
    ]
    referrer = SummarySection(
        "Referrer",
        [
            row("Name", referral.referrer_name, "referrer", "referrer_name"),
            row("Job title or role", referral.referrer_role, "referrer", "referrer_role"),
            row("Phone number", referral.referrer_phone, "referrer", "referrer_phone"),
            row("Email address", referral.referrer_email, "referrer", "referrer_email"),
        ],
    )
    access = SummarySection(
        "Who may read it",
        [
            row(
                "Clearance needed",
                levels.get(referral.classification, str(referral.classification)),
                "classification",
                "classification",
            ),
            row(
                "Kept inside the referring agency",
                _yes_no(referral.originator_only),
                "classification",
                "originator_only",
            ),
        ],
    )
    files = SummarySection(
        "Documents",
        [
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
        or [row("Documents", "None attached" if change_url else "", ATTACHMENTS_STEP, "file")],
    )
    return [about, concerns, consent, referrer, access, files]
