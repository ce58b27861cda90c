"""Demo referrals and cases in every state, made through the services so grants,
chronology and audit are real. Idempotent: does nothing once the demo referrals exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cases import services
from partnership.demo import seed_panel
from partnership.models import Agency, Panel, User
from referrals import services as referral_services
from referrals.models import Referral, StatisticsCategory
from referrals.national import Dimension

DEMO_PEOPLE = (
    # given, family, date of birth, postcode, type of concern (referrals.national), urgency, concerns
    (
        "Callum",
        "Reid",
        dt.date(2009, 5, 17),
        "NS1 2AB",
        "extreme_right_wing",
        "priority",
        "Sharing racist memes in class and talking about a 'race war'.",
    ),
    (
        "Amira",
        "Haddad",
        dt.date(2008, 11, 2),
        "NS2 7CD",
        "islamist",
        "urgent",
        "Has told friends she wants to travel abroad to join a group.",
    ),
    (
        "Tyler",
        "Mason",
        dt.date(2007, 1, 29),
        "NS3 1EF",
        "school_massacre",
        "urgent",
        "Searches about school shootings; writes admiringly of attackers.",
    ),
    (
        "Jade",
        "Kowalski",
        dt.date(1998, 8, 8),
        "NS4 9GH",
        "conflicted",
        "routine",
        "Mixed and unclear ideology; increasingly isolated and angry online.",
    ),
    (
        "Ryan",
        "Booth",
        dt.date(2006, 3, 3),
        "NS1 5JK",
        "left_wing_anarchist_single_issue",
        "routine",
        "Talk of sabotaging local infrastructure as protest.",
    ),
    (
        "Sami",
        "Nasser",
        dt.date(2010, 6, 21),
        "NS5 3LM",
        "conflicted",
        "priority",
        "Conflicting statements; distressed after family bereavement.",
    ),
    (
        "Leah",
        "Turner",
        dt.date(2009, 9, 9),
        "NS2 4NP",
        "extreme_right_wing",
        "priority",
        "Recruiting classmates to an online group chat with extremist content.",
    ),
)


def _user(username: str) -> User:
    return User.objects.select_related("agency", "clearance").get(username=username)


@transaction.atomic
def seed_referrals() -> int:
    if Referral.objects.filter(created_by__username__in=["school.sc", "health.sc", "council.bl"]).exists():
        return 0
    chair = _user("chair")
    officer = _user("police.dv")
    panel = seed_panel()
    referrers = ["school.sc", "health.sc", "council.bl", "school.sc", "health.sc", "school.sc", "council.bl"]
    made = [_submitted(_user(username), person) for person, username in zip(DEMO_PEOPLE, referrers, strict=True)]
    _leave_a_draft(_user("school.bl"))
    cases = _screen(made, officer=officer, panel=panel, chair=chair)
    _work_on_cases(cases, chair=chair)
    return len(made)


def _national(dimension: str, code: str) -> StatisticsCategory:
    return StatisticsCategory.objects.current(dimension).get(code=code)


def _submitted(author: User, person: tuple[str, str, dt.date, str, str, str, str], **answers: str) -> Referral:
    """A referral submitted by ``author``; ``answers`` are further national answers by field and code."""
    given, family, dob, postcode, concern, urgency, concerns = person
    national = {name: _national(NATIONAL_FIELDS[name], code) for name, code in answers.items()}
    changes = {
        "given_name": given,
        "family_name": family,
        "date_of_birth": dob,
        "postcode": postcode,
        "concern_type": _national(Dimension.CONCERN_TYPE, concern),
        "urgency": urgency,
        "concerns": concerns,
        "classification": min(2, author.clearance_rank),
        **national,
    }
    return submitted(author, changes)


def drafted(author: User, changes: dict[str, Any]) -> Referral:
    """A draft started by ``author`` with ``changes`` (the draft's fields) written to it."""
    draft = referral_services.start_referral(actor=author)
    referral_services.update_draft(actor=author, referral_id=draft.pk, expected_version=None, changes=changes)
    return draft


def submitted(author: User, changes: dict[str, Any]) -> Referral:
    """A referral drafted by ``author`` with ``changes``, then submitted."""
    draft = drafted(author, changes)
    return referral_services.submit_referral(actor=author, referral_id=draft.pk)


def screened(officer: User, referral: Referral, decision: str, rationale: str, **routing: Any) -> None:
    """``referral`` screened by ``officer``; ``routing`` names the service signposted to, or the panel and
    the case owner (a case referred to a panel has the referral's id)."""
    services.screen_referral(actor=officer, referral_id=referral.pk, decision=decision, rationale=rationale, **routing)


def _leave_a_draft(author: User) -> None:
    """One draft left for the teacher to resume."""
    drafted(author, {"given_name": "Draft", "family_name": "Example", "concerns": "Unfinished"})


def _screen(made: list[Referral], *, officer: User, panel: Panel, chair: User) -> list[int]:
    """made[0] stays submitted; made[1] in screening; then each outcome. The ids of the cases opened."""
    referral_services.start_screening(actor=officer, referral_id=made[1].pk)
    referral_services.record_screening_note(
        actor=officer,
        referral_id=made[1].pk,
        deconfliction=True,
        classification=3,
        text="Deconfliction checks complete: no live police operation.",
    )
    screened(officer, made[2], "no_further_action", "No ideological driver; safeguarding handled by school.")
    screened(officer, made[3], "signpost", "Needs mental health support, not Channel.", signposted_to="mental_health")
    cases = []
    for referral in made[4:]:
        rationale = "Meets the threshold for a multi-agency panel."
        screened(officer, referral, "refer_to_panel", rationale, panel=panel, case_owner=chair)
        cases.append(referral.pk)
    return cases


def _work_on_cases(cases: list[int], *, chair: User) -> None:
    """A request answered, a note and a discussion, and a case not adopted."""
    health = Agency.objects.get(users__username="health.spoc")
    requests = services.request_information(
        actor=chair, case_id=cases[0], agency_ids=[health.pk], question="Is the person known to your services?"
    )
    services.return_contribution(
        actor=_user("health.spoc"),
        request_id=requests[0].pk,
        text="Known to CAMHS since 2024; detailed clinical notes follow.",
        classification=2,
        releasable_summary="Known to health services.",
    )
    services.add_case_note(
        actor=chair, referral_id=cases[1], text="Family engaged well at first meeting.", classification=1
    )
    services.transition_case(actor=chair, case_id=cases[1], to_status="discussed", reason="Discussed at panel")
    services.transition_case(
        actor=chair,
        case_id=cases[2],
        to_status="not_adopted",
        reason="Panel agreed support is better provided by early help.",
    )


SAMPLE_CONCERN = "Earlier referral this year (demo statistics sample)."
SAMPLE_AUTHORS = ("school.sc", "health.sc", "council.bl", "police.sc")  # education, health, council, police
SAMPLE_GIVEN = ("Alex", "Jordan", "Casey", "Morgan", "Riley", "Taylor", "Jamie", "Robin", "Charlie", "Drew", "Quinn")
SAMPLE_FAMILY = ("Hughes", "Patel", "Murray", "Byrne", "Clarke", "Nowak", "Ahmed", "Fraser", "Lloyd", "Walsh")
SAMPLE_CONCERNS = (
    "extreme_right_wing",
    "islamist",
    "no_ideology_or_ct_risk",
    "conflicted",
    "left_wing_anarchist_single_issue",
    "incel",
)
SAMPLE_GENDERS = ("male", "male", "female", "male", "not_known")
SAMPLE_ETHNICITIES = (
    "white_british",
    "asian_pakistani",
    "white_british",
    "black_caribbean",
    "mixed_white_asian",
    "not_known",
)
NATIONAL_FIELDS = {"gender_category": Dimension.GENDER, "ethnicity": Dimension.ETHNICITY}
SAMPLE_SIZE = 48


@transaction.atomic
def seed_statistics_sample() -> int:
    """Referrals submitted across this calendar year from four sectors, so the statistics show
    numbers and not only suppressed cells. Made through the services; only ``submitted_at`` is then
    moved back to spread them over the year (the service stamps it with now)."""
    if Referral.objects.filter(concerns=SAMPLE_CONCERN).exists():
        return 0
    authors = [_user(username) for username in SAMPLE_AUTHORS]
    officer = _user("police.dv")
    now = timezone.now()
    start = now.replace(month=1, day=1, hour=10, minute=0, second=0, microsecond=0)
    step = (now - start) / SAMPLE_SIZE
    for n in range(SAMPLE_SIZE):
        person = (
            SAMPLE_GIVEN[n % len(SAMPLE_GIVEN)],
            SAMPLE_FAMILY[n % len(SAMPLE_FAMILY)],
            dt.date(1990 + n % 17, 1 + n % 12, 1 + n % 28),
            f"NS{1 + n % 5} {n % 10}XY",
            SAMPLE_CONCERNS[n % len(SAMPLE_CONCERNS)],
            "routine",
            SAMPLE_CONCERN,
        )
        referral = _submitted(
            authors[n % len(authors)],
            person,
            gender_category=SAMPLE_GENDERS[n % len(SAMPLE_GENDERS)],
            ethnicity=SAMPLE_ETHNICITIES[n % len(SAMPLE_ETHNICITIES)],
        )
        if n % 3 == 1:
            screened(officer, referral, "no_further_action", "Below threshold.")
        elif n % 3 == 2:
            rationale = "Support better provided elsewhere."
            screened(officer, referral, "signpost", rationale, signposted_to="mental_health")
        Referral.objects.filter(pk=referral.pk).update(submitted_at=start + step * n)
    return SAMPLE_SIZE
