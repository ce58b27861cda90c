"""Find personal data in emails: the names and dates of birth of the people referred, and
any case text, as held in the database at the time of the check."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.core.mail import EmailMessage

MIN_TEXT = 8  # case text shorter than this ("No", "Q") proves nothing either way


def date_formats(day: dt.date) -> set[str]:
    return {
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day}/{day.month}/{day.year}",
        day.strftime("%d.%m.%Y"),
        day.strftime("%d-%m-%Y"),
        day.strftime("%Y%m%d"),
        day.strftime("%Y/%m/%d"),
        f"{day.day} {day:%B %Y}",
        f"{day.day} {day:%b %Y}",
        day.strftime("%d %B %Y"),
        f"{day:%B} {day.day}, {day.year}",
    }


def personal_data() -> tuple[set[str], set[str]]:
    """(names, texts): what must never reach an email."""
    from cases.models import InformationRequest
    from panels.models import Action, Discussion
    from referrals.models import ChronologyEntry, Person, Referral
    from sharing.models import BreakGlass, Share

    names: set[str] = set()
    texts: set[str] = set()
    for person in Person.objects.all():
        names.update(n for n in (person.given_name, person.family_name, person.guardian_name) if n.strip())
        names.update(n.strip() for n in person.other_names.split(",") if n.strip())
        texts.update(t for t in (person.address, person.school_or_employer, person.guardian_contact) if t)
        if person.date_of_birth:
            texts.update(date_formats(person.date_of_birth))
    for row in Referral.objects.values_list(
        "concerns", "immediate_risk_details", "consent_notes", "screening_rationale"
    ):
        texts.update(row)
    texts.update(ChronologyEntry.objects.values_list("body", flat=True))
    texts.update(ChronologyEntry.objects.values_list("releasable_summary", flat=True))
    texts.update(Discussion.objects.values_list("notes", flat=True))
    texts.update(Discussion.objects.values_list("dissent", flat=True))
    texts.update(Action.objects.values_list("description", flat=True))
    texts.update(InformationRequest.objects.values_list("question", flat=True))
    texts.update(BreakGlass.objects.values_list("reason", flat=True))
    texts.update(Share.objects.values_list("reason", flat=True))
    return names, {t.strip() for t in texts if t and len(t.strip()) >= MIN_TEXT}


def _email_text(message: EmailMessage) -> str:
    parts = [message.subject, message.body, *(str(v) for v in message.extra_headers.values())]
    parts += [content for content, _ in getattr(message, "alternatives", [])]
    return "\n".join(str(p) for p in parts)


def staff_names() -> set[str]:
    from partnership.models import User

    return {n for pair in User.objects.values_list("first_name", "last_name") for n in pair if n.strip()}


def leaks(messages: Iterable[EmailMessage], *, ignore_staff_names: bool = False) -> list[str]:
    """Each piece of personal data found in ``messages``, with the email's subject.

    ``ignore_staff_names`` leaves out of the name check any name a user of
    Convene also has (a password-reset email may greet "Jordan" the teacher,
    who is not "Jordan" the person referred); dates of birth and case text are
    always checked."""
    names, texts = personal_data()
    if ignore_staff_names:
        names -= staff_names()
    name_pattern = (
        re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b", re.I)
        if names
        else None
    )
    found = []
    for message in messages:
        text = _email_text(message)
        if name_pattern is not None:
            found += [f"name {m.group(0)!r} in {message.subject!r}" for m in name_pattern.finditer(text)]
        lowered = text.lower()
        found += [f"text {t[:40]!r} in {message.subject!r}" for t in texts if t.lower() in lowered]
    return found
