"""The demo partnership the synthetic referrals are spread over, read once before the load."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from partnership.demo import DEMO_AGENCIES
from partnership.models import CASE_WORKING_ROLES, Agency, ClearanceLevel, Role, User
from referrals.models import Referral
from referrals.scale_seed.pgcopy import SeedError, copy_text
from referrals.scale_seed.spread import BASE_ROLES_FOR_REFERRING


@dataclass(frozen=True)
class Referrer:
    id: int
    rank: int
    name: str
    role: str
    phone: str
    email: str


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    group_id: int
    slug: str
    referrers: tuple[Referrer, ...]

    def referrers_for(self, rank: int) -> tuple[Referrer, ...]:
        return tuple(r for r in self.referrers if r.rank >= rank)


@dataclass
class World:
    agencies: dict[str, AgencyInfo]
    screening_agencies: tuple[AgencyInfo, ...]
    view_permission_id: int
    referral_ct_id: int
    ranks: tuple[int, ...]
    screeners: tuple[Referrer, ...]


def load_world() -> World:
    by_name = {a.name: a for a in Agency.objects.filter(name__in=[d.name for d in DEMO_AGENCIES], is_active=True)}
    missing = [d.name for d in DEMO_AGENCIES if d.name not in by_name]
    if missing:
        raise SeedError(
            "seed_scale spreads referrals over the demo partnership, which is missing "
            f"({', '.join(missing)}). Run `manage.py seed_demo` first."
        )
    agencies = {spec.slug: _agency_info(by_name[spec.name], spec.slug) for spec in DEMO_AGENCIES}
    screening = []
    for agency in Agency.objects.filter(screens_referrals=True, is_active=True).order_by("pk"):
        slug = next((s for s, a in agencies.items() if a.id == agency.pk), f"agency-{agency.pk}")
        screening.append(agencies.get(slug) or AgencyInfo(agency.pk, agency.group_id, slug, ()))
    ct = ContentType.objects.get_for_model(Referral)
    permission = Permission.objects.get(content_type=ct, codename="view_referral")
    ranks = tuple(ClearanceLevel.objects.order_by("rank").values_list("rank", flat=True))
    screeners = tuple(
        Referrer(u.pk, u.clearance_rank, "", "", "", "")
        for u in User.objects.filter(
            agency__in=[a.id for a in screening],
            is_active=True,
            clearance__isnull=False,
            roles__contains=[Role.SCREENING_OFFICER],
        )
        .select_related("clearance")
        .order_by("pk")
    )
    return World(agencies, tuple(screening), permission.pk, ct.pk, ranks, screeners)


def _agency_info(agency: Agency, slug: str) -> AgencyInfo:
    """A demo agency and who in it refers: practitioners and chairs, else any case worker."""
    users = (
        User.objects.filter(agency=agency, is_active=True, clearance__isnull=False)
        .select_related("clearance")
        .order_by("pk")
    )
    referrers = [u for u in users if BASE_ROLES_FOR_REFERRING.intersection(u.roles)] or [
        u for u in users if CASE_WORKING_ROLES.intersection(u.roles)
    ]
    if not referrers:
        raise SeedError(f"The demo agency {agency.name} has no active practitioners. Run `manage.py seed_demo`.")
    return AgencyInfo(
        id=agency.pk,
        group_id=agency.group_id,
        slug=slug,
        referrers=tuple(
            Referrer(
                u.pk,
                u.clearance_rank,
                copy_text(u.get_full_name()),
                copy_text(u.job_title or "Practitioner"),
                copy_text(u.phone),
                copy_text(u.email),
            )
            for u in referrers
        ),
    )
