"""Navigation by role. Entries name URLs; entries whose URL does not exist yet are left out.

The partnership sits below the apps whose pages these are, so an entry names the roles (and any
agency condition) of the capability its page rests on; tests/sharing/test_navigation.py holds each
entry to that app's predicate (``referrals.permissions.is_screening_officer`` for the screening
queue, ``cases.permissions.is_spoc`` for the requests queue), so the header never offers a page
whose first question would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from partnership.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    description: str = ""
    agency_condition: Callable[[User], bool] | None = None


def _screening_agency(user: User) -> bool:
    return user.agency is not None and user.agency.screens_referrals


NAVIGATION = (
    NavItem(
        "Make a referral", "referrals:start", frozenset({Role.PRACTITIONER}), "Refer a person you are worried about."
    ),
    NavItem(
        "My referrals", "referrals:mine", frozenset({Role.PRACTITIONER}), "Referrals you have made and their progress."
    ),
    NavItem(
        "Referrals to screen",
        "referrals:screening_queue",
        frozenset({Role.SCREENING_OFFICER}),
        "New referrals waiting for screening.",
        agency_condition=_screening_agency,
    ),
    NavItem("Agency caseload", "referrals:caseload", frozenset({Role.SPOC}), "Everything shared with your agency."),
    NavItem(
        "Cases",
        "cases:cases",
        frozenset({Role.PRACTITIONER, Role.SCREENING_OFFICER, Role.SPOC, Role.PANEL_CHAIR, Role.PANEL_MEMBER}),
        "Cases your agency works on: information requests, notes and the chronology.",
    ),
    NavItem(
        "Information requests",
        "cases:requests",
        frozenset({Role.SPOC}),
        "What panels have asked your agency, and when it is due.",
    ),
    NavItem(
        "Panels",
        "panels:dashboard",
        frozenset({Role.PANEL_CHAIR, Role.PANEL_MEMBER}),
        "Meetings, agendas and decisions.",
    ),
    NavItem(
        "Partnership configuration",
        "manage:index",
        frozenset({Role.PARTNERSHIP_ADMIN}),
        "Agencies, clearance levels, people, panels and settings.",
    ),
    NavItem(
        "Data-sharing agreements",
        "agreements",
        frozenset({Role.PARTNERSHIP_ADMIN}),
        "Each agency's agreement and when it is due for review.",
    ),
    NavItem("Admin site", "admin:index", frozenset(), "Break-fix for operators (superusers only)."),
    NavItem("Audit trail", "governance:audit", frozenset({Role.AUDITOR}), "Who saw and changed what."),
    NavItem("Partnership intelligence", "intelligence:index", frozenset(Role), "Tensions and self-assessment."),
    NavItem(
        "Partnership statistics",
        "reports:outcomes_report",
        frozenset({Role.PANEL_CHAIR, Role.PARTNERSHIP_ADMIN, Role.AUDITOR}),
        "Counts by outcome, sector and type of concern, small numbers suppressed.",
    ),
)


def navigation_for(user: User) -> list[dict[str, str]]:
    items = []
    for item in NAVIGATION:
        if not (user.is_superuser and item.url_name == "admin:index") and not item.roles.intersection(user.roles):
            continue
        if item.agency_condition is not None and not item.agency_condition(user):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "description": item.description})
    return items
