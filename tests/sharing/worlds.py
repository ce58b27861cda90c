"""Helpers for building sharing worlds through the real services, and for
looking at a referral through every surface a user has."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from core.errors import NotFound
from partnership.models import Agency, AgencyKind, User
from referrals import selectors
from referrals import services as referral_services
from referrals.models import Attachment, Referral
from sharing import policy
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory, clearance
from tests.sharing import rules
from tests.world import new_agency, new_police

REFERRAL_PAGE = "/referrals/{pk}/"

# The roles of a permission matrix's rows ("superuser": no role, a superuser), and those held without an agency.
ROLES = (
    "practitioner",
    "screening_officer",
    "spoc",
    "panel_chair",
    "panel_member",
    "partnership_admin",
    "auditor",
    "superuser",
)
AGENCYLESS_ROLES = ("partnership_admin", "auditor", "superuser")

Built = TypeVar("Built")


def page_route_exists(route: str = REFERRAL_PAGE) -> bool:
    """The pages come from another piece of work: test each once its route exists."""
    try:
        resolve(route.format(pk=1))
    except Resolver404:
        return False
    return True


def draft(
    author: User, *, family_name: str, classification: int, given_name: str = "Draft", originator_only: bool = False
) -> Referral:
    """A complete draft (ready to submit) by ``author``: only its author can see it."""
    started = referral_services.start_referral(actor=author)
    return referral_services.update_draft(
        actor=author,
        referral_id=started.pk,
        expected_version=None,
        changes={
            "given_name": given_name,
            "family_name": family_name,
            "approximate_age": 15,
            "concerns": "Sharing extremist material with classmates.",
            "ideology": "mixed",
            "urgency": "routine",
            "classification": classification,
            "originator_only": originator_only,
        },
    )


def submit(
    author: User,
    *,
    given_name: str,
    family_name: str,
    classification: int,
    originator_only: bool = False,
    attachment_classification: int | None = None,
) -> tuple[Referral, Attachment | None]:
    """Start, fill in and submit a referral as ``author``; optionally attach a document first."""
    started = draft(
        author,
        given_name=given_name,
        family_name=family_name,
        classification=classification,
        originator_only=originator_only,
    )
    attachment = None
    if attachment_classification is not None:
        attachment = referral_services.add_attachment(
            actor=author,
            referral_id=started.pk,
            upload=SimpleUploadedFile("note.txt", b"notes from the meeting", content_type="text/plain"),
            classification=attachment_classification,
        )
    referral = referral_services.submit_referral(actor=author, referral_id=started.pk)
    return referral, attachment


@dataclass
class Member:
    """Someone in a permission matrix: the user, their API headers, and what the rules know of them."""

    user: User
    headers: dict[str, str]
    facts: rules.Person


def member(agency: Agency | None, rank: int, role: str) -> Member:
    """A member of ``agency`` (or of none) cleared to ``rank`` in ``role`` ("superuser": no role, a superuser)."""
    roles = [] if role == "superuser" else [role]
    user = UserFactory(agency=agency, clearance=clearance(rank), roles=roles, is_superuser=role == "superuser")
    facts = rules.Person(pk=user.pk, agency=agency.pk if agency else None, rank=rank, roles=frozenset(roles))
    return Member(user=user, headers=headers_for(user), facts=facts)


MemberKey = tuple[str | None, Any, str]


def member_keys(
    relations: Iterable[str],
    clearances: Iterable[Any],
    roles: tuple[str, ...] = ROLES,
    agencyless_roles: tuple[str, ...] = AGENCYLESS_ROLES,
) -> list[MemberKey]:
    """Every (relation, band, role) of a matrix's rows: each relation at every clearance in every role,
    then (None, band, role) for someone without an agency at every clearance in each agencyless role."""
    bands = list(clearances)
    return [(relation, band, role) for relation in relations for band in bands for role in roles] + [
        (None, band, role) for band in bands for role in agencyless_roles
    ]


def everyone(
    agencies: dict[str, Agency],
    clearances: dict[Any, int],
    roles: tuple[str, ...] = ROLES,
    agencyless_roles: tuple[str, ...] = AGENCYLESS_ROLES,
) -> dict[MemberKey, Member]:
    """A member for each of ``member_keys``, made in that order: of the relation's agency (or of none),
    cleared to the band's rank, in the role."""
    return {
        key: member(agencies[key[0]] if key[0] else None, clearances[key[1]], key[2])
        for key in member_keys(agencies, clearances, roles, agencyless_roles)
    }


def built_in_the_past(build: Callable[[dt.datetime], Built], ago: dt.timedelta) -> Built:
    """``build(build_at)`` run ``ago`` before now, the clock ticking from there: whatever the world gives
    an expiry within ``ago`` of being built has expired by the time the tests look."""
    build_at = timezone.now() - ago
    with time_machine.travel(build_at, tick=True):
        return build(build_at)


def chronology_agencies(prefix: str, police: str) -> dict[str, Agency]:
    """The six agencies of a chronology world: a school refers, ``police`` screen, the council owns the
    case, health and housing may be asked, probation never is."""
    return {
        "school": new_agency(f"{prefix} school"),
        "police": new_police(police),
        "council": new_agency(f"{prefix} council", AgencyKind.CHILDRENS_SERVICES),
        "health": new_agency(f"{prefix} health", AgencyKind.HEALTH),
        "housing": new_agency(f"{prefix} housing"),
        "probation": new_agency(f"{prefix} probation"),
    }


class Rollback(Exception):
    """Raised to throw away everything a block wrote."""


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and always roll it back (Hypothesis examples must not accumulate)."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


@contextlib.contextmanager
def kept_for_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Hold one transaction open for a module-scoped world and roll it back at the end.

    Each test still runs in its own savepoint (pytest-django's ``db``), so tests see the
    world and never each other. Writers of audit events take a transaction-level lock, so
    a test that needs other connections to write audit events must not share a module
    with such a world.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- surfaces ---------------------------------------------------------------


def api_detail_status(client: Client, headers: dict[str, str], referral_id: int) -> int:
    return client.get(f"/api/v1/referrals/{referral_id}/", **headers).status_code


def api_list_ids(client: Client, headers: dict[str, str]) -> list[int]:
    """Every id the caller's list shows, following the cursor to the end."""
    ids: list[int] = []
    url: str | None = "/api/v1/referrals/?page_size=100"
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


def search_ids(viewer: User, query: str) -> list[int]:
    return [r.pk for r in selectors.search_referrals(viewer=viewer, query=query)]


def _found(access: Any, **lookup: Any) -> bool:
    """Whether the selector ``access`` finds the record for the viewer (not: NotFound)."""
    try:
        access(**lookup)
    except NotFound:
        return False
    return True


def can_download(viewer: User, attachment_id: int) -> bool:
    return _found(selectors.access_attachment, viewer=viewer, attachment_id=attachment_id)


def can_open(viewer: User, referral_id: int) -> bool:
    return _found(selectors.access_referral, viewer=viewer, referral_id=referral_id)


def policy_can_view(viewer: User, referral: Referral) -> bool:
    return policy.can(viewer, policy.Action.VIEW, referral)


def headers_for(user: User) -> dict[str, Any]:
    return token_headers(user)


def verified_session(client: Client, user: User) -> Client:
    """A signed-in, two-factor-verified browser session without walking the sign-in pages.

    Equivalent to ``tests.conftest.sign_in_verified`` (which the page tests also use once
    to prove the equivalence), at a fraction of the cost, for matrices of page requests.
    """
    import time

    from django_otp import DEVICE_ID_SESSION_KEY

    from partnership.session_times import LAST_SEEN, LOGIN_AT
    from tests.partnership.factories import enrol_totp

    device = enrol_totp(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[LOGIN_AT] = session[LAST_SEEN] = int(time.time())
    session.save()
    return client
