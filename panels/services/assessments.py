"""Vulnerability assessments: versioned, a rating and evidence per active factor."""

from __future__ import annotations

from django.db import transaction

from core.audit import record_event
from core.errors import ValidationError
from core.models import AuditVerb
from panels.models import Assessment, AssessmentFactor, AssessmentRating, Rating
from panels.permissions import PanelCapability, require
from panels.services.access import readable_case
from partnership.models import User
from referrals import services as referral_services
from referrals.models import EntryType


def _rating_errors(ratings: dict[int, tuple[int, str]], conclusion: str) -> dict[str, list[str]]:
    factors = set(AssessmentFactor.objects.filter(is_active=True).values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    missing = factors - set(ratings)
    if missing:
        errors["ratings"] = [f"Rate every factor ({len(missing)} missing)"]
    if any(pk not in factors for pk in ratings):
        errors["ratings"] = ["Rate only the listed factors"]
    if any(r not in Rating.values for r, _ in ratings.values()):
        errors["ratings"] = ["Ratings are 0 (not present) to 3 (high)"]
    if not conclusion.strip():
        errors["conclusion"] = ["Write the summary conclusion"]
    return errors


@transaction.atomic
def record_assessment(
    *,
    actor: User,
    case_id: int,
    ratings: dict[int, tuple[int, str]],
    conclusion: str,
    management_plan: str = "",
    classification: int = 1,
) -> Assessment:
    """A new version of the vulnerability assessment: a rating and evidence per active factor."""
    case = readable_case(actor, case_id, lock=True)
    require(actor, PanelCapability.RECORD_ASSESSMENT, case)
    errors = _rating_errors(ratings, conclusion)
    if errors:
        raise ValidationError(errors)
    rank = referral_services.validate_classification(actor, classification)
    version = (
        Assessment.objects.filter(case=case).order_by("-version").values_list("version", flat=True).first() or 0
    ) + 1
    assessment = Assessment.objects.create(
        case=case,
        referral=case.referral,
        version=version,
        conclusion=conclusion.strip(),
        management_plan=management_plan.strip(),
        classification=rank,
        owning_agency_id=actor.agency_id,  # type: ignore[misc]
        created_by=actor,
    )
    AssessmentRating.objects.bulk_create(
        AssessmentRating(assessment=assessment, factor_id=pk, rating=r, evidence=evidence.strip())
        for pk, (r, evidence) in ratings.items()
    )
    referral_services.add_entry(
        actor=actor,
        referral=case.referral,
        entry_type=EntryType.ASSESSMENT,
        title=f"Vulnerability assessment v{version}",
        body=conclusion.strip(),
        classification=rank,
    )
    record_event(actor=actor, verb=AuditVerb.CREATED, obj=assessment, details={"case": case.pk, "version": version})
    return assessment
