"""Duplicate detection keys: normalised names, a phonetic key and a postcode key.

Computed in Python (the embedded PostgreSQL has no pg_trgm or fuzzystrmatch),
stored on the person and matched by index."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import jellyfish
from django.db.models import Q

from referrals.models import Person, Referral, ReferralStatus


def _fold(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


def name_key(given: str, family: str) -> str:
    return f"{_fold(given)}|{_fold(family)}"


def phonetic_key(given: str, family: str) -> str:
    g, f = _fold(given), _fold(family)
    if not g and not f:
        return ""
    return f"{jellyfish.metaphone(f) if f else ''}|{jellyfish.metaphone(g) if g else ''}"


def postcode_key(postcode: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", postcode.upper())


def set_keys(person: Person) -> None:
    person.name_key = name_key(person.given_name, person.family_name)
    person.phonetic_key = phonetic_key(person.given_name, person.family_name)
    person.postcode_key = postcode_key(person.postcode)


@dataclass(frozen=True)
class Match:
    referral: Referral
    reasons: list[str]


def find_matches(person: Person, *, exclude_referral_id: int | None = None, limit: int = 20) -> list[Match]:
    """Submitted referrals whose subject is likely the same person, with the reasons."""
    conditions = Q(pk__in=[])
    if person.phonetic_key and person.date_of_birth:
        conditions |= Q(phonetic_key=person.phonetic_key, date_of_birth=person.date_of_birth)
    if person.phonetic_key and person.postcode_key:
        conditions |= Q(phonetic_key=person.phonetic_key, postcode_key=person.postcode_key)
    if person.date_of_birth and person.postcode_key:
        conditions |= Q(date_of_birth=person.date_of_birth, postcode_key=person.postcode_key)
    candidates = (
        Referral.objects.select_related("subject", "owning_agency")
        .filter(subject__in=Person.objects.filter(conditions))
        .exclude(status=ReferralStatus.DRAFT)
        .exclude(pk=exclude_referral_id or 0)
        .order_by("-submitted_at")[:limit]
    )
    matches = []
    for referral in candidates:
        other = referral.subject
        reasons = []
        if other.name_key == person.name_key:
            reasons.append("same name")
        elif other.phonetic_key == person.phonetic_key:
            reasons.append("name sounds alike")
        if person.date_of_birth and other.date_of_birth == person.date_of_birth:
            reasons.append("same date of birth")
        if person.postcode_key and other.postcode_key == person.postcode_key:
            reasons.append("same postcode")
        matches.append(Match(referral=referral, reasons=reasons))
    return matches
