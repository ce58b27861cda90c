"""Disposing of the demo's supported case removes every panel record under it and nothing of the
other records or the panel's meetings. In a module of its own: the demo must seed an empty database,
never one that holds another module's world (the trail world of test_disposal.py lives for its module)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from cases import services as case_services
from cases.models import Case
from governance import services
from governance.models import DisposalItem
from panels.models import Meeting
from referrals.models import Referral
from tests.governance.conftest import later, references
from tests.world import new_auditor

pytestmark = pytest.mark.django_db

PANEL_RECORDS = (
    ("panels.AgendaItem", "case_id"),
    ("panels.Discussion", "referral_id"),
    ("panels.Assessment", "referral_id"),
    ("panels.AssessmentRating", "assessment__referral_id"),
    ("panels.ConsentRecord", "case_id"),
    ("panels.SupportPlan", "case_id"),
    ("panels.Intervention", "plan__case_id"),
    ("panels.Action", "case_id"),
    ("cases.CaseTransition", "case_id"),
    ("referrals.ChronologyEntry", "referral_id"),
    ("referrals.ReferralAgencyGrant", "content_object_id"),
)


def _counts(pk: int) -> dict[str, int]:
    return {label: apps.get_model(label)._default_manager.filter(**{path: pk}).count() for label, path in PANEL_RECORDS}


def test_disposal_removes_every_panel_record_of_a_supported_case_and_nothing_of_others(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case = Case.objects.filter(support_plan__isnull=False).order_by("pk").first()
    assert case is not None
    case_services.transition_case(actor=None, case_id=case.pk, to_status="exited", reason="Risk reduced")
    before = _counts(case.pk)
    for label in ("panels.AgendaItem", "panels.Discussion", "panels.SupportPlan", "panels.ConsentRecord"):
        assert before[label], f"the demo's supported case has no {label}"
    others = {pk: _counts(pk) for pk in Referral.objects.exclude(pk=case.pk).values_list("pk", flat=True)}
    meetings = Meeting.objects.count()

    batches = services.list_due_for_disposal(now=later())
    assert case.reference in references(batches)
    batch = DisposalItem.objects.get(reference=case.reference).batch
    services.approve_disposal(actor=new_auditor(1), batch_id=batch.pk, now=later())

    assert all(n == 0 for n in _counts(case.pk).values()), _counts(case.pk)
    assert not Case.objects.filter(pk=case.pk).exists()
    survivors = Referral.objects.exclude(pk=case.pk).values_list("pk", flat=True)
    disposed = set(others) - set(survivors)
    assert disposed == set(
        DisposalItem.objects.filter(batch=batch, status="disposed").values_list("referral_id", flat=True)
    ) - {case.pk}
    assert {pk: _counts(pk) for pk in survivors} == {pk: others[pk] for pk in survivors}, "other records untouched"
    assert Meeting.objects.count() == meetings, "the panel's meetings stay"
