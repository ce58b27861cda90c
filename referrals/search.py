"""Finding a referral or case: by reference, by name (fuzzy), by date of birth or by postcode.

Every search runs inside ``sharing.policy.visible``: what the viewer may not read is not searched at
all, so the results, their count and the "no results" page are the same whether a hidden record exists
or not (DESIGN.md rule 7). Searches are audited with the ids shown, never the words typed.

Names are fuzzy two ways. Where the server has PostgreSQL's ``pg_trgm`` (the migration
``0005_trigram_name_search`` enables it when it can), trigram word similarity on the folded name
(``Person.name_key``, accents and case removed) and on aliases (``other_names``) catches typing slips
and ranks the results. Everywhere, each word typed must sound like (metaphone, ``Person.phonetic_key``)
or equal a given or family name, or be part of an alias: Smyth finds Smith. The embedded PostgreSQL of
``make run`` has no ``pg_trgm``; there the phonetic match alone answers (docs/adr/0019).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_
from typing import Any

import jellyfish
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Greatest

from core.audit import record_event
from core.errors import ValidationError
from core.models import AuditVerb
from partnership.models import User
from referrals.matching import _fold as fold
from referrals.matching import postcode_key
from referrals.models import Referral
from sharing import policy

REFERRAL_LABEL = "referrals.referral"
MIN_LENGTH = 2
LIMIT = 50

REFERENCE = re.compile(r"^(REF|CASE)[\s-]*(\d{4})[\s-]*(\d{1,6})$", re.IGNORECASE)
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.IGNORECASE)
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# 14/3/2008, 14-03-2008, 14.3.2008, 14 3 2008, 14 March 2008, 14th Mar 2008, 2008-03-14.
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH = r"(\d{1,2}|[a-z]{3,9})"
DAY_MONTH_YEAR = re.compile(rf"(?<![\w-]){_DAY}[\s/.-]+{_MONTH}[\s/.,-]+(\d{{4}})(?![\w-])", re.IGNORECASE)
ISO_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w-])")


@dataclass(frozen=True)
class Terms:
    """What a search asks for, read from the words typed."""

    reference: str = ""  # REF-2026-000123 or CASE-2026-000045, normalised
    date_of_birth: dt.date | None = None
    words: tuple[str, ...] = ()  # name words, as typed
    postcode: str = ""  # the whole query when it looks like a postcode


@dataclass
class Outcome:
    """The referrals found (newest change or best match first) and whether there were more than shown."""

    terms: Terms
    results: list[Referral] = field(default_factory=list)
    more: bool = False


def _date(day: str, month: str, year: str) -> dt.date | None:
    number = int(month) if month.isdigit() else MONTHS.get(month.lower())
    if number is None:
        return None
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:
        return None


def _date_in(text: str) -> tuple[dt.date | None, str]:
    """The first date written in one of the ways people type one, and the text without it."""
    for pattern, order in ((ISO_DATE, (2, 1, 0)), (DAY_MONTH_YEAR, (0, 1, 2))):
        found = pattern.search(text)
        if found:
            parts = found.groups()
            value = _date(*(parts[i] for i in order))
            if value is not None:
                return value, (text[: found.start()] + " " + text[found.end() :]).strip()
    return None, text


def parse(query: str) -> Terms:
    """Read a query: a reference alone, else an optional date of birth and name words (or a postcode)."""
    text = " ".join(query.split())
    if len(text) < MIN_LENGTH:
        raise ValidationError({"query": ["Enter at least 2 characters"]})
    reference = REFERENCE.match(text)
    if reference:
        kind, year, number = reference.groups()
        return Terms(reference=f"{kind.upper()}-{year}-{int(number):06d}")
    if POSTCODE.match(text):
        return Terms(postcode=postcode_key(text))
    date_of_birth, rest = _date_in(text)
    words = tuple(word for word in re.split(r"[\s,]+", rest) if fold(word))
    return Terms(date_of_birth=date_of_birth, words=words)


def trigram_search_available() -> bool:
    """Whether this database has ``pg_trgm`` (asked once per connection, then remembered on it)."""
    known = getattr(connection, "convene_has_pg_trgm", None)
    if known is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
            known = bool(cursor.fetchone()[0])
        connection.convene_has_pg_trgm = known  # type: ignore[attr-defined]
    return bool(known)


def may_search(user: Any) -> bool:
    """Who is offered search: case workers (rule 8). Anyone else may post to the page and finds nothing."""
    return policy.is_case_worker(user)


def _sounds_like(word: str) -> Q:
    """One name word: a given or family name that sounds like it or is it, or part of an alias."""
    folded = fold(word)
    sound = jellyfish.metaphone(folded)
    return (
        Q(subject__phonetic_key__startswith=f"{sound}|")
        | Q(subject__phonetic_key__endswith=f"|{sound}")
        | Q(subject__given_name__iexact=word)
        | Q(subject__family_name__iexact=word)
        | Q(subject__other_names__icontains=word)
    )


def _name_condition(words: tuple[str, ...], trigrams: bool) -> Q:
    every_word = reduce(and_, (_sounds_like(word) for word in words))
    if not trigrams:
        return every_word
    folded = " ".join(fold(word) for word in words)
    return (
        every_word
        | Q(subject__name_key__trigram_word_similar=folded)
        | Q(subject__other_names__trigram_word_similar=" ".join(words))
    )


def _candidates(terms: Terms, trigrams: bool) -> QuerySet[Referral]:
    referrals = Referral.objects.all()
    if terms.reference:
        return referrals.filter(Q(reference=terms.reference) | Q(case__reference=terms.reference)).order_by(
            "-change_seq"
        )
    condition = Q()
    if terms.postcode:
        condition = Q(subject__postcode_key=terms.postcode)
    elif terms.words:
        condition = _name_condition(terms.words, trigrams)
    if terms.date_of_birth is not None:
        condition &= Q(subject__date_of_birth=terms.date_of_birth)
    if not condition:
        return referrals.none()
    referrals = referrals.filter(condition)
    if trigrams and terms.words:
        folded = " ".join(fold(word) for word in terms.words)
        likeness = Greatest(
            TrigramWordSimilarity(folded, "subject__name_key"),
            TrigramWordSimilarity(" ".join(terms.words), "subject__other_names"),
        )
        return referrals.annotate(likeness=likeness).order_by(F("likeness").desc(), "-change_seq")
    return referrals.order_by("-change_seq")


def search(*, viewer: User, query: str, limit: int = LIMIT) -> Outcome:
    """Referrals (and so cases) the viewer may read that match ``query``; audited with what was shown.

    Two queries with one more the first time on a connection: the search itself, inside the policy, and
    the audit event.
    """
    terms = parse(query)
    found = (
        policy.visible(viewer, _candidates(terms, trigram_search_available() if terms.words else False))
        .select_related("subject", "owning_agency", "case")
        .defer("subject__address", "subject__guardian_contact")
    )
    rows = list(found[: limit + 1])
    outcome = Outcome(terms=terms, results=rows[:limit], more=len(rows) > limit)
    record_event(
        actor=viewer,
        verb=AuditVerb.SEARCHED,
        object_type=REFERRAL_LABEL,
        details={"ids": [r.pk for r in outcome.results]},
    )
    return outcome
