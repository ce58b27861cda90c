"""What the screening decision pages show: the answers to check, and the confirmation with the
screening clock (the partnership's working days for the referral's urgency) and what happens next."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from cases import forms, selectors
from cases.models import Case
from core.working_days import format_moment, london_date, working_days_between
from partnership.models import User
from referrals import permissions as referral_permissions
from referrals.models import Referral, ScreeningDecision, SignpostService, Urgency
from referrals.services import screening_working_days


def check_rows(form: forms.ScreeningDecisionForm) -> list[dict[str, str]]:
    """The decision's answers, each with the question it answers and a link back to change it."""
    answers = form.answers()
    change = reverse("cases:screening_decision", args=[form.referral.pk])
    decision = ScreeningDecision(answers["decision"])
    rows = [("decision", "Decision", decision.label)]
    if answers["signposted_to"]:
        rows.append(("signposted_to", "Signposted to", SignpostService(answers["signposted_to"]).label))
    if answers["panel"] is not None:
        rows.append(("panel", "Panel", answers["panel"].name))
    if answers["case_owner"] is not None:
        owner = answers["case_owner"]
        agency = owner.agency.name if owner.agency_id and owner.agency else ""
        rows.append(("case_owner", "Case owner", f"{owner.get_full_name() or owner.username} ({agency})"))
    rows.append(("rationale", "Rationale", answers["rationale"]))
    anchor = {"decision": "id_decision-decision_0"}
    return [
        {"key": key, "value": value, "change_url": f"{change}#{anchor.get(name, f'id_decision-{name}')}"}
        for name, key, value in rows
    ]


def screening_clock_summary(referral: Referral) -> dict[str, Any]:
    """How the referral's screening clock went: its urgency's working days, when it was due, when it was
    decided, and whether within the clock (London working days)."""
    urgency = referral.urgency or Urgency.ROUTINE
    days = screening_working_days(urgency)
    submitted, due, decided = referral.submitted_at, referral.screening_due_at, referral.screened_at
    taken = working_days_between(london_date(submitted), london_date(decided)) if submitted and decided else None
    late = working_days_between(london_date(due), london_date(decided)) if due and decided and decided > due else 0
    return {
        "urgency": Urgency(urgency).label,
        "working_days": days,
        "due": format_moment(due, show_time=False) if due else "",
        "decided": format_moment(decided or timezone.now(), show_time=True),
        "taken": taken,
        "within": late == 0,
        "late": late,
    }


def confirmation_context(viewer: User, referral: Referral) -> dict[str, Any]:
    """The decided referral, its case if it became one, the clock, and the requests sent in screening."""
    case: Case | None = referral_permissions.case_of(referral)  # type: ignore[assignment]
    return {
        "referral": referral,
        "case": case,
        "clock": screening_clock_summary(referral),
        "requests": selectors.requests_in_screening(viewer=viewer, referral=referral),
    }
