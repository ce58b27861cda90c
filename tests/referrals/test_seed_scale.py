"""``manage.py seed_scale``: the bulk loader leaves exactly the state the services would.

The expected answers come from the sharing rules applied to the Share ledger,
not from the code under test; and ``policy.can`` must agree with list
membership through ``visible_grants`` for every seeded referral.
"""

from __future__ import annotations

import re
from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import AuditEvent
from partnership.demo import seed_partnership
from partnership.models import Agency, User
from referrals import matching
from referrals.models import Person, Referral, ReferralAgencyGrant, ReferralSequence, ReferralStatus
from sharing import policy
from sharing.models import Share, ShareBasis
from sharing.services import next_change_seq
from tests.referrals.factories import submitted_referral

pytestmark = pytest.mark.django_db

N = 200
SEED = 7
VIEWERS = ("police.dv", "police.bl", "health.spoc", "probation.bl", "school.bl", "council.sc", "chair", "admin")


def _seed(n: int = N, seed: int = SEED) -> str:
    out = StringIO()
    call_command("seed_scale", referrals=n, batch_size=64, seed=seed, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded() -> list[Referral]:
    seed_partnership()
    audit_before = AuditEvent.objects.count()
    output = _seed()
    assert f"Added {N:,} referrals" in output
    assert AuditEvent.objects.count() == audit_before, "a bulk load is not a read: no audit events"
    return list(Referral.objects.select_related("subject").order_by("pk"))


def test_needs_the_demo_partnership():
    with pytest.raises(CommandError, match="seed_demo"):
        _seed(5)


def test_referrals_people_and_references(seeded):
    assert len(seeded) == N
    assert {r.status for r in seeded} <= {
        ReferralStatus.SUBMITTED,
        ReferralStatus.SCREENING,
        ReferralStatus.CLOSED,
        ReferralStatus.SIGNPOSTED,
        ReferralStatus.ACCEPTED,
    }
    references = [r.reference for r in seeded]
    assert len(set(references)) == N
    assert all(re.fullmatch(r"REF-\d{4}-\d{6}", ref) for ref in references)
    # Each year's counter sits at the highest number used that year.
    highest: dict[int, int] = defaultdict(int)
    for ref in references:
        _, year, number = ref.split("-")
        highest[int(year)] = max(highest[int(year)], int(number))
    assert dict(ReferralSequence.objects.values_list("year", "last_number")) == dict(highest)
    # Newest change first follows submission order; change_seq came from the shared sequence.
    by_seq = sorted(seeded, key=lambda r: r.change_seq)
    assert [r.submitted_at for r in by_seq] == sorted(r.submitted_at for r in seeded)
    assert len({r.change_seq for r in seeded}) == N
    assert next_change_seq() > max(r.change_seq for r in seeded)
    for referral in seeded:
        person = referral.subject
        assert person.name_key == matching.name_key(person.given_name, person.family_name)
        assert person.phonetic_key == matching.phonetic_key(person.given_name, person.family_name)
        assert person.postcode_key == matching.postcode_key(person.postcode)
        assert referral.created_by.agency_id == referral.owning_agency_id
        assert referral.classification <= referral.created_by.clearance_rank
        assert referral.submitted_at <= timezone.now()
    assert Person.objects.count() == N


def test_a_referral_submitted_afterwards_gets_the_next_number(seeded):
    year = timezone.localdate().year
    before = ReferralSequence.objects.filter(year=year).values_list("last_number", flat=True).first() or 0
    author = User.objects.get(username="school.sc")
    referral = submitted_referral(author)
    assert referral.reference == f"REF-{year}-{before + 1:06d}"
    assert referral.change_seq > max(r.change_seq for r in seeded)


def test_grants_match_the_ledger_as_the_services_would_write_them(seeded):
    view_perm = Permission.objects.get(codename="view_referral", content_type__app_label="referrals")
    group_of = dict(Agency.objects.values_list("pk", "group_id"))
    screening = set(Agency.objects.filter(screens_referrals=True).values_list("pk", flat=True))
    shares: dict[int, list[Share]] = defaultdict(list)
    for share in Share.objects.filter(content_type__model="referral"):
        shares[share.object_id].append(share)
    grants: dict[tuple[int, int], ReferralAgencyGrant] = {}
    for grant in ReferralAgencyGrant.objects.all():
        assert (grant.content_object_id, grant.group_id) not in grants
        grants[(grant.content_object_id, grant.group_id)] = grant
    explicit = 0
    for referral in seeded:
        ledger = shares[referral.pk]
        bases = {(s.basis, s.agency_id) for s in ledger}
        assert (ShareBasis.REFERRING_AGENCY, referral.owning_agency_id) in bases
        for agency_id in screening - {referral.owning_agency_id}:
            assert (ShareBasis.SCREENING_AGENCY, agency_id) in bases
        explicit += sum(1 for s in ledger if s.basis == ShareBasis.EXPLICIT)
        expected_groups = set()
        for agency_id in {s.agency_id for s in ledger}:
            live = [s for s in ledger if s.agency_id == agency_id and s.revoked_at is None]
            key = (referral.pk, group_of[agency_id])
            if not live:
                assert key not in grants
                continue
            expected_groups.add(group_of[agency_id])
            grant = grants[key]
            expiry = None if any(s.expires_at is None for s in live) else max(s.expires_at for s in live)
            assert grant.expires_at == expiry
            assert grant.permission_id == view_perm.pk
            assert grant.classification == referral.classification
            assert grant.sort_key == referral.change_seq
            assert grant.restricted == (referral.originator_only and agency_id != referral.owning_agency_id)
        assert {g for (rid, g) in grants if rid == referral.pk} == expected_groups
    assert explicit > 0, "some referrals are shared explicitly"


def _expected_visible(user: User, referral: Referral, ledger: list[Share]) -> bool:
    """Straight from the rules in DESIGN.md, over the ledger."""
    if not user.agency_id or not (
        {"practitioner", "screening_officer", "spoc", "panel_chair", "panel_member"} & set(user.roles)
    ):
        return False
    now = timezone.now()
    granted = any(
        s.agency_id == user.agency_id and s.revoked_at is None and (s.expires_at is None or s.expires_at > now)
        for s in ledger
    )
    return (
        granted
        and referral.classification <= user.clearance_rank
        and (not referral.originator_only or referral.owning_agency_id == user.agency_id)
    )


def test_policy_can_agrees_with_the_list_and_the_rules(seeded):
    shares: dict[int, list[Share]] = defaultdict(list)
    for share in Share.objects.filter(content_type__model="referral"):
        shares[share.object_id].append(share)
    for username in VIEWERS:
        user = User.objects.select_related("agency", "clearance").get(username=username)
        listed = list(policy.visible_grants(user, Referral).values_list("content_object_id", flat=True))
        assert len(listed) == len(set(listed))
        for referral in seeded:
            expected = _expected_visible(user, referral, shares[referral.pk])
            assert policy.can(user, policy.Action.VIEW, referral) is expected, (username, referral.pk)
            assert (referral.pk in listed) is expected, (username, referral.pk)
    police = User.objects.get(username="police.dv")
    assert len(policy.visible_grants(police, Referral)) > N * 0.9


def test_same_seed_same_data():
    seed_partnership()
    _seed(40, seed=3)
    _seed(40, seed=3)
    rows = list(
        Referral.objects.order_by("pk").values_list(
            "subject__given_name",
            "subject__family_name",
            "classification",
            "status",
            "owning_agency_id",
            "originator_only",
        )
    )
    assert rows[:40] == rows[40:]
    assert len(set(Referral.objects.values_list("reference", flat=True))) == 80
