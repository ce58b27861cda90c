"""The counted world the statistics tests check figures against (see ``counted``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cases import services as case_services
from panels import services as panel_services
from panels.models import AgendaItem, Discussion
from partnership.models import Role
from referrals.models import Person, Referral, StatisticsCategory
from referrals.national import Dimension
from tests.world import Partnership, hold_quorate, meeting_today, new_user

Q1 = dt.datetime(2026, 2, 10, 10, tzinfo=dt.UTC)
Q3 = dt.datetime(2026, 8, 3, 10, tzinfo=dt.UTC)
NEXT_REVIEW = {"next_review_date": timezone.localdate() + dt.timedelta(weeks=6)}


@pytest.fixture
def counted(db: Any) -> Partnership:
    """2026: in the third quarter, 15 referrals, five each from the school, the police and health (by
    index i: islamist for i < 5, else extreme right-wing; female for 5 <= i < 10, else male; ethnic
    group white for i < 10, else Asian (Pakistani); aged 14, 16 and 36 by fives; the five from health
    recorded as coming from family or friends, the others from their agency's sector; every third
    awaiting screening, screened out within the clock, or adopted after screening late and a panel 20
    days after submission); in the first quarter five more from the school (islamist, aged 14,
    ethnicity "Not known", gender not recorded, awaiting screening). Every non-zero count is at least 5."""
    world = Partnership().join_panel()
    police_referrer = new_user(world.police, 1, Role.PRACTITIONER)
    q3: list[Referral] = []
    for i in range(15):
        author = (world.teacher, police_referrer, world.health_baseline)[i // 5]
        answers = {
            "ideology": "islamist" if i < 5 else "extreme_right_wing",
            "sex": "female" if 5 <= i < 10 else "male",
            "date_of_birth": (dt.date(2012, 1, 1), dt.date(2010, 1, 1), dt.date(1990, 1, 1))[i // 5],
            "given_name": f"Zqperson{i}",
        }
        referral = world.referral(author, **answers)
        record(
            referral,
            concern_type=("islamist" if i < 5 else "extreme_right_wing"),
            source_sector=("education", "police", "family_or_friend")[i // 5],
            gender="female" if 5 <= i < 10 else "male",
            ethnicity="white_british" if i < 10 else "asian_pakistani",
        )
        q3.append(referral)
    screened_out, to_panel = q3[1::3], q3[2::3]  # q3[0::3] wait for screening
    for referral in screened_out:
        case_services.screen_referral(
            actor=world.officer, referral_id=referral.pk, decision="no_further_action", rationale="No concern"
        )
    cases = [world.screen(referral) for referral in to_panel]
    meeting = meeting_today(world.panel, world.chair)
    panel_services.build_agenda(actor=world.chair, meeting_id=meeting.pk)
    hold_quorate(world, meeting)
    for case in cases:
        item = AgendaItem.objects.get(meeting=meeting, case=case)
        panel_services.record_decision(
            actor=world.chair, item_id=item.pk, decision="adopt", notes="Agreed", **NEXT_REVIEW
        )
    q1 = [
        world.referral(world.teacher, ideology="islamist", sex="male", date_of_birth=dt.date(2012, 1, 1))
        for _ in range(5)
    ]
    for referral in q1:
        record(referral, concern_type="islamist", source_sector="education", ethnicity="not_known")
    # When each thing happened: submitted in the quarter, screened a day later (within the clock) when
    # screened out, ten days later (after it) when sent to the panel, discussed 20 days after submission.
    day = dt.timedelta(days=1)
    Referral.objects.filter(pk__in=[r.pk for r in q3]).update(submitted_at=Q3, screening_due_at=Q3 + 5 * day)
    Referral.objects.filter(pk__in=[r.pk for r in screened_out]).update(screened_at=Q3 + day)
    Referral.objects.filter(pk__in=[r.pk for r in to_panel]).update(screened_at=Q3 + 10 * day)
    Referral.objects.filter(pk__in=[r.pk for r in q1]).update(submitted_at=Q1, screening_due_at=Q1 + 5 * day)
    Discussion.objects.filter(referral_id__in=[r.pk for r in to_panel]).update(decided_at=Q3 + 20 * day)
    return world


def national(dimension: str, code: str) -> StatisticsCategory:
    """The row of today's version of a national list with ``code``."""
    return StatisticsCategory.objects.current(dimension).get(code=code)


def record(referral: Referral, **codes: str) -> None:
    """Record the referral's answers on the national lists (``gender`` and ``ethnicity`` on its subject)."""
    person = {"gender": ("gender_category", Dimension.GENDER), "ethnicity": ("ethnicity", Dimension.ETHNICITY)}
    own = {"concern_type": Dimension.CONCERN_TYPE, "source_sector": Dimension.SOURCE_SECTOR}
    Referral.objects.filter(pk=referral.pk).update(
        **{field: national(own[field], code) for field, code in codes.items() if field in own}
    )
    Person.objects.filter(pk=referral.subject_id).update(
        **{person[key][0]: national(person[key][1], code) for key, code in codes.items() if key in person}
    )


@pytest.fixture
def record_national() -> Any:
    """``record``, for tests that build their own world."""
    return record
