"""Navigation by role. Entries name URLs; entries whose URL does not exist yet are left out."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from partnership.models import Role, User


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    description: str = ""


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
        "admin:index",
        frozenset({Role.PARTNERSHIP_ADMIN}),
        "Agencies, clearance levels, users and panels.",
    ),
    NavItem("Audit trail", "governance:audit", frozenset({Role.AUDITOR}), "Who saw and changed what."),
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
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"label": item.label, "url": url, "description": item.description})
    return items
