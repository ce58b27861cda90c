"""The demo partnership: agencies and users at every clearance level in each.

Idempotent: running it again creates nothing twice and resets no password
that someone changed."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from partnership import reminders, selectors, services, two_factor
from partnership.models import Agency, AgencyKind, ClearanceLevel, LawfulBasis, Panel, Role, User

DEMO_PASSWORD = "convene-demo-2026"  # noqa: S105 - published demo credential, demo data only
# Every demo user shares this TOTP key so the demo stays easy; demo mode shows the code.
DEMO_TOTP_KEY_HEX = b"convene-demo-totp-key-2026".hex()
DEMO_TOTP_SECRET = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name: str
    kind: str
    screens_referrals: bool = False
    # Days from seeding to its data-sharing agreement's review (the schools' is up for review this year).
    review_in_days: int = 3 * 365


DEMO_AGENCIES = (
    DemoAgency("police", "Northshire Police (Prevent)", AgencyKind.POLICE, screens_referrals=True),
    DemoAgency("council", "Northshire Council Children's Services", AgencyKind.CHILDRENS_SERVICES),
    DemoAgency("health", "Northshire NHS Foundation Trust", AgencyKind.HEALTH),
    DemoAgency("school", "Northshire Schools Safeguarding", AgencyKind.EDUCATION, review_in_days=300),
    DemoAgency("probation", "Probation Service Northshire", AgencyKind.PROBATION),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    agency_slug: str | None
    clearance_rank: int
    roles: tuple[str, ...]
    job_title: str = ""


def _agency_users(slug: str, names: list[tuple[str, str]], extra: dict[int, tuple[str, ...]]) -> list[DemoUser]:
    base_roles = {
        1: (Role.PRACTITIONER,),
        2: (Role.PRACTITIONER, Role.PANEL_MEMBER),
        3: (Role.PRACTITIONER, Role.PANEL_MEMBER),
    }
    users = []
    for rank, suffix in ((1, "bl"), (2, "sc"), (3, "dv")):
        first, last = names[rank - 1]
        users.append(DemoUser(f"{slug}.{suffix}", first, last, slug, rank, base_roles[rank] + extra.get(rank, ())))
    first, last = names[3]
    users.append(
        DemoUser(f"{slug}.spoc", first, last, slug, 2, (Role.SPOC, Role.PANEL_MEMBER), "Single point of contact")
    )
    return users


DEMO_USERS: tuple[DemoUser, ...] = (
    *_agency_users(
        "police",
        [("Priya", "Shah"), ("Tom", "Reeve"), ("Dana", "Okafor"), ("Sam", "Whitlock")],
        {2: (Role.SCREENING_OFFICER,), 3: (Role.SCREENING_OFFICER,)},
    ),
    *_agency_users("council", [("Ellie", "Marsh"), ("Hassan", "Ali"), ("Ruth", "Kemp"), ("Owen", "Price")], {}),
    DemoUser("chair", "Margaret", "Ellis", "council", 2, (Role.PANEL_CHAIR, Role.PRACTITIONER), "Channel panel chair"),
    *_agency_users("health", [("Nia", "Evans"), ("George", "Lam"), ("Irene", "Bold"), ("Kwame", "Mensah")], {}),
    *_agency_users("school", [("Lucy", "Hart"), ("Ben", "Doyle"), ("Amira", "Khan"), ("Fiona", "Grant")], {}),
    *_agency_users("probation", [("Joel", "Fisher"), ("Maya", "Stone"), ("Carl", "Dunn"), ("Zara", "Lowe")], {}),
    DemoUser("admin", "Alex", "Morgan", None, 1, (Role.PARTNERSHIP_ADMIN,), "Partnership admin"),
    # A second admin approves what the first asks for (raised clearance, new roles): rule 13.
    DemoUser("admin2", "Chris", "Okoro", None, 1, (Role.PARTNERSHIP_ADMIN,), "Partnership admin"),
    DemoUser("auditor", "Jo", "Baines", None, 1, (Role.AUDITOR,), "Information governance"),
)


@dataclass
class DemoLogin:
    username: str
    password: str
    agency: str | None
    clearance_rank: int
    roles: list[str] = field(default_factory=list)


def standard_agreement(agency: Agency, *, review_in_days: int = 3 * 365) -> dict[str, object]:
    """A data-sharing agreement signed a year ago on every lawful basis, next reviewed in three years."""
    today = timezone.localdate()
    return {
        "reference": f"DSA-{agency.pk:03d}",
        "signed_on": today - dt.timedelta(days=365),
        "review_due": today + dt.timedelta(days=review_in_days),
        "lawful_bases": list(LawfulBasis.values),
    }


@transaction.atomic
def seed_partnership() -> list[DemoLogin]:
    services.ensure_default_clearance_levels()
    levels = {level.rank: level for level in ClearanceLevel.objects.all()}
    agencies: dict[str, Agency] = {}
    for spec in DEMO_AGENCIES:
        agency = Agency.objects.filter(name=spec.name).first()
        if agency is None:
            agency = services.create_agency(name=spec.name, kind=spec.kind, screens_referrals=spec.screens_referrals)
        if selectors.current_agreement(agency) is None:
            services.record_data_sharing_agreement(
                agency=agency, values=standard_agreement(agency, review_in_days=spec.review_in_days)
            )
        agencies[spec.slug] = agency

    logins = []
    for person in DEMO_USERS:
        agency = agencies[person.agency_slug] if person.agency_slug else None
        user = User.objects.filter(username=person.username).first()
        if user is None:
            user = services.create_user(
                username=person.username,
                password=DEMO_PASSWORD,
                first_name=person.first_name,
                last_name=person.last_name,
                email=f"{person.username}@demo.convene.invalid",
                agency=agency,
                clearance=levels[person.clearance_rank],
                roles=list(person.roles),
                job_title=person.job_title,
            )
            two_factor.enrol_demo_device(user=user, key_hex=DEMO_TOTP_KEY_HEX)
        logins.append(
            DemoLogin(
                username=person.username,
                password=DEMO_PASSWORD,
                agency=agency.name if agency else None,
                clearance_rank=person.clearance_rank,
                roles=[str(r) for r in person.roles],
            )
        )
    reminders.sync_all_agencies()  # the admins exist now: their reminders of the agreements' reviews
    return logins


DEMO_PANEL_NAME = "Northshire Channel Panel"
# The member agencies and their named representatives (each holds the panel member role).
DEMO_PANEL_MEMBERS = {
    "council": ("council.spoc",),
    "police": ("police.dv",),
    "health": ("health.spoc",),
    "school": ("school.spoc",),
    "probation": ("probation.spoc",),
}


@transaction.atomic
def seed_panel() -> Panel:
    """The demo panel, through the partnership services (so it is audited): five member agencies,
    the demo chair, the last meeting three weeks ago and the next three weeks ahead (six-weekly)."""
    panel = Panel.objects.filter(name=DEMO_PANEL_NAME).first()
    if panel is not None:
        return panel
    first_day = timezone.localdate() - dt.timedelta(weeks=3)
    first = timezone.make_aware(dt.datetime.combine(first_day, dt.time(10, 0)))
    panel = services.create_panel(
        values={
            "name": DEMO_PANEL_NAME,
            "chair": User.objects.get(username="chair"),
            "first_meeting_at": first,
            "cadence_weeks": 6,
            "venue": "Northshire Civic Centre, Committee Room 2",
            "quorum_requires_chair": True,
            "quorum_required_kinds": [AgencyKind.POLICE],
            "quorum_min_agencies": 3,
        }
    )
    members = {
        Agency.objects.get(users__username=usernames[0]): list(User.objects.filter(username__in=usernames))
        for usernames in DEMO_PANEL_MEMBERS.values()
    }
    return services.set_panel_members(panel=panel, members=members)
