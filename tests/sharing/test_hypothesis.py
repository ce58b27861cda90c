"""Random small worlds: the list, the detail, search and ``policy.can`` always agree, and agree with the rules.

Each example draws 2-4 agencies (one screens referrals), users with a random
agency (or none), clearance and roles, and referrals by random practitioners
(classification at most the author's clearance, sometimes originator-only,
sometimes still a draft) with explicit shares that never expire, have expired
or expire later, some of them revoked. The world is built through the services
a day in the past (so "expired" shares lapsed by the clock alone; the tidy task
never runs) and thrown away after the example. Break-glass is left out: it opens
the detail of one record by design and never lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from partnership.models import Agency, Role, User
from referrals.models import Referral
from sharing import services as sharing_services
from tests.partnership.factories import UserFactory, clearance
from tests.sharing import rules, worlds
from tests.world import new_agency, new_police, new_user

pytestmark = pytest.mark.django_db

ALL_ROLES = [str(role) for role in Role]


@dataclass(frozen=True)
class UserSpec:
    agency: int | None
    rank: int
    roles: frozenset[str]
    superuser: bool


@dataclass(frozen=True)
class ShareSpec:
    agency: int
    expiry: str  # "none", "past" or "future"
    revoked: bool


@dataclass(frozen=True)
class ReferralSpec:
    agency: int
    author_rank: int
    classification: int
    originator_only: bool
    draft: bool
    shares: tuple[ShareSpec, ...]


@dataclass(frozen=True)
class WorldSpec:
    agencies: int
    screening: int
    users: tuple[UserSpec, ...]
    referrals: tuple[ReferralSpec, ...]


@st.composite
def world_specs(draw: Any) -> WorldSpec:
    agencies = draw(st.integers(min_value=2, max_value=4))
    agency = st.integers(min_value=0, max_value=agencies - 1)
    users = draw(
        st.lists(
            st.builds(
                UserSpec,
                # Mostly in an agency; sometimes none (admins and auditors often have none).
                agency=st.integers(min_value=-1, max_value=agencies - 1).map(lambda i: None if i < 0 else i),
                rank=st.integers(min_value=1, max_value=3),
                roles=st.frozensets(st.sampled_from(ALL_ROLES), max_size=3),
                superuser=st.integers(min_value=0, max_value=7).map(lambda n: n == 0),
            ),
            min_size=1,
            max_size=4,
        )
    )

    @st.composite
    def referral(draw_referral: Any) -> ReferralSpec:
        author_rank = draw_referral(st.integers(min_value=1, max_value=3))
        draft = draw_referral(st.integers(min_value=0, max_value=5)) == 0
        shares = (
            ()
            if draft
            else tuple(
                draw_referral(
                    st.lists(
                        st.builds(
                            ShareSpec,
                            agency=agency,
                            expiry=st.sampled_from(["none", "past", "future"]),
                            revoked=st.booleans(),
                        ),
                        max_size=3,
                    )
                )
            )
        )
        return ReferralSpec(
            agency=draw_referral(agency),
            author_rank=author_rank,
            classification=draw_referral(st.integers(min_value=1, max_value=author_rank)),
            originator_only=draw_referral(st.booleans()),
            draft=draft,
            shares=shares,
        )

    return WorldSpec(
        agencies=agencies,
        screening=draw(agency),
        users=tuple(users),
        referrals=tuple(draw(st.lists(referral(), min_size=1, max_size=3))),
    )


@dataclass
class Viewer:
    user: User
    facts: rules.Person


def _build(
    spec: WorldSpec, built_at: dt.datetime, now: dt.datetime
) -> tuple[list[Viewer], list[tuple[Referral, rules.Record]]]:
    agencies: list[Agency] = [new_police() if i == spec.screening else new_agency() for i in range(spec.agencies)]
    viewers = []
    for u in spec.users:
        agency = agencies[u.agency] if u.agency is not None else None
        user = UserFactory(agency=agency, clearance=clearance(u.rank), roles=sorted(u.roles), is_superuser=u.superuser)
        viewers.append(Viewer(user, rules.Person(user.pk, agency.pk if agency else None, u.rank, u.roles)))
    expiries = {"none": None, "past": built_at + dt.timedelta(hours=1), "future": now + dt.timedelta(days=1)}
    referrals = []
    for n, r in enumerate(spec.referrals):
        home = agencies[r.agency]
        author = new_user(home, r.author_rank, Role.PRACTITIONER)
        viewers.append(Viewer(author, rules.Person(author.pk, home.pk, r.author_rank, frozenset({Role.PRACTITIONER}))))
        facts = rules.Record(
            pk=0,
            author=author.pk,
            referring_agency=home.pk,
            classification=r.classification,
            originator_only=r.originator_only,
            draft=r.draft,
        )
        if r.draft:
            referral = worlds.draft(author, family_name=f"Draft{n}", classification=r.classification)
        else:
            referral, _ = worlds.submit(
                author,
                given_name="Hypo",
                family_name=f"Thesis{n}",
                classification=r.classification,
                originator_only=r.originator_only,
            )
            # Rule 5: the referring agency, and the screening agency, on submission.
            facts.grants += [rules.Grant(home.pk), rules.Grant(agencies[spec.screening].pk)]
        facts.pk = referral.pk
        # Identical requests make one share (same agency, reason and expiry while it is live): a repeat
        # is the live share itself, so revoking the repeat revokes that share.
        live: dict[tuple[int, str], int] = {}  # (agency, expiry) of a live share: its grant's index in facts
        for s in r.shares:
            expires = expiries[s.expiry]
            share = sharing_services.share_with_agency(
                actor=author, record=referral, agency=agencies[s.agency], reason="Random world", expires_at=expires
            )
            key = (s.agency, s.expiry)
            if key not in live:
                facts.grants.append(rules.Grant(agencies[s.agency].pk, expires_at=expires))
                live[key] = len(facts.grants) - 1
            if s.revoked:
                sharing_services.revoke_share(actor=author, record=referral, share_id=share.pk, reason="Random")
                facts.grants[live.pop(key)] = rules.Grant(agencies[s.agency].pk, expires_at=expires, revoked=True)
        referrals.append((referral, facts))
    return viewers, referrals


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=world_specs())
@example(  # a share made twice, then revoked through the repeat: the live share itself is revoked
    spec=WorldSpec(
        agencies=3,
        screening=1,
        users=(UserSpec(agency=0, rank=2, roles=frozenset({"practitioner"}), superuser=False),),
        referrals=(
            ReferralSpec(
                agency=1,
                author_rank=1,
                classification=1,
                originator_only=False,
                draft=False,
                shares=(
                    ShareSpec(agency=0, expiry="none", revoked=False),
                    ShareSpec(agency=0, expiry="none", revoked=True),
                    ShareSpec(agency=0, expiry="future", revoked=False),
                    ShareSpec(agency=0, expiry="future", revoked=True),
                ),
            ),
        ),
    )
)
def test_list_detail_search_and_policy_agree_with_the_rules(client: Client, spec: WorldSpec) -> None:
    with worlds.rolled_back():
        now = timezone.now()
        built_at = now - dt.timedelta(days=1)
        with time_machine.travel(built_at, tick=True):
            viewers, referrals = _build(spec, built_at, now)
        now = timezone.now()
        for viewer in viewers:
            listed = set(worlds.api_list_ids(client, worlds.headers_for(viewer.user)))
            for referral, facts in referrals:
                expected = rules.may_read(viewer.facts, facts, now)
                observed = {
                    "detail": worlds.can_open(viewer.user, referral.pk),
                    "policy.can": worlds.policy_can_view(viewer.user, referral),
                    "list": referral.pk in listed,
                }
                if not facts.draft:
                    observed["search"] = referral.pk in worlds.search_ids(viewer.user, referral.reference)
                wanted = dict.fromkeys(observed, expected)
                wanted["list"] = rules.may_list(viewer.facts, facts, now)
                if "search" in wanted:
                    wanted["search"] = wanted["list"]
                assert observed == wanted, (viewer.facts, facts)
            # Lists show nothing the viewer may not read, and nothing from outside this world.
            assert listed <= {r.pk for r, f in referrals if rules.may_list(viewer.facts, f, now)}
