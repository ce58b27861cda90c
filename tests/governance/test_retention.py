"""Retention and disposal: what falls due under the schedule, legal holds that stop it, and disposal
that leaves nothing of the person (no row, no file) while the audit trail stays whole and verifiable.

The records here leave the programme through the real services; the schedule's years are passed as
``now`` (six years and a day later), so nothing is back-dated."""

from __future__ import annotations

from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import AuditEvent, AuditVerb
from governance import retention, services
from governance.models import DisposalBatch, DisposalItem, HoldScope, ItemStatus, LegalHold
from partnership.models import PartnershipSettings, Role
from referrals.models import PossibleMatch, Referral
from tests.governance.conftest import later, references
from tests.world import Partnership, new_admin, new_auditor, new_user

pytestmark = pytest.mark.django_db


def exited(w: Partnership, **changes: Any) -> Case:
    case = w.case(**changes)
    for to, reason in (("adopted", "Adopted by the panel"), ("exited", "Risk reduced")):
        case_services.transition_case(actor=None, case_id=case.pk, to_status=to, reason=reason)
    return Case.objects.get(pk=case.pk)


def not_adopted(w: Partnership) -> Case:
    case = w.case()
    case_services.transition_case(actor=None, case_id=case.pk, to_status="not_adopted", reason="Signposted instead")
    return Case.objects.get(pk=case.pk)


def closed_referral(w: Partnership) -> Referral:
    referral = w.referral()
    case_services.screen_referral(
        actor=w.officer, referral_id=referral.pk, decision="no_further_action", rationale="Below the threshold"
    )
    return Referral.objects.get(pk=referral.pk)


# --- What falls due -------------------------------------------------------------------------------


def test_records_fall_due_six_years_after_they_leave_the_programme() -> None:
    w = Partnership()
    gone, declined, screened_out = exited(w), not_adopted(w), closed_referral(w)
    open_case, waiting = w.case(), w.referral()

    assert retention.due_for_disposal(now=later(years=5, days=360)) == []
    due = {c.reference: c for c in retention.due_for_disposal(now=later())}

    assert set(due) == {gone.reference, declined.reference, screened_out.reference}
    assert open_case.reference not in due
    assert waiting.reference not in due
    assert due[gone.reference].record_type == "case"
    assert due[screened_out.reference].record_type == "referral"
    assert due[gone.reference].left_at == gone.exited_at
    assert due[gone.reference].due_at == gone.exited_at + relativedelta(years=6)


def test_the_partnership_may_keep_referrals_that_never_became_cases_for_less() -> None:
    w = Partnership()
    gone, screened_out = exited(w), closed_referral(w)
    services.set_retention_schedule(actor=new_admin(), case_years=7, referral_years=3, draft_days=90)

    assert {c.reference for c in retention.due_for_disposal(now=later(years=3))} == {screened_out.reference}
    assert gone.reference not in {c.reference for c in retention.due_for_disposal(now=later(years=6, days=30))}
    assert gone.reference in {c.reference for c in retention.due_for_disposal(now=later(years=7))}


def test_the_nightly_listing_makes_one_batch_and_lists_nothing_twice() -> None:
    w = Partnership()
    gone, screened_out = exited(w), closed_referral(w)

    (batch,) = services.list_due_for_disposal(now=later())
    assert references([batch]) == {gone.reference, screened_out.reference}
    assert services.list_due_for_disposal(now=later()) == []
    event = AuditEvent.objects.get(object_type="governance.disposalbatch", object_id=str(batch.pk))
    assert event.verb == AuditVerb.CREATED
    assert event.actor_id is None
    assert Referral.objects.filter(pk__in=[gone.pk, screened_out.pk]).count() == 2, "listing disposes of nothing"


# --- The schedule ---------------------------------------------------------------------------------


def test_the_schedule_is_set_by_a_partnership_admin_and_every_change_is_audited() -> None:
    admin = new_admin()
    services.set_retention_schedule(actor=admin, case_years=7, referral_years=6, draft_days=60)

    schedule = retention.current_schedule()
    assert (schedule.case_years, schedule.referral_years, schedule.draft_days) == (7, 6, 60)
    assert PartnershipSettings.current().draft_retention_days == 60
    changes = AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=admin.pk)
    assert {e.object_type for e in changes} == {"governance.retentionschedule", "partnership.partnershipsettings"}
    case_change = next(e for e in changes if e.details.get("after") == {"years": 7})
    assert case_change.details["before"] == {"years": 6}, "a kind never set was at the default"
    services.set_retention_schedule(actor=admin, case_years=6, referral_years=6, draft_days=60)
    assert AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=admin.pk).count() == 3
    last = AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=admin.pk).order_by("-seq").first()
    assert last is not None
    assert last.details["before"] == {"years": 7}
    assert last.details["after"] == {"years": 6}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"case_years": 0, "referral_years": 0, "draft_days": 90}, "case_years"),
        ({"case_years": 6, "referral_years": 7, "draft_days": 90}, "referral_years"),
        ({"case_years": 6, "referral_years": 6, "draft_days": 0}, "draft_days"),
        ({"case_years": 101, "referral_years": 6, "draft_days": 90}, "case_years"),
    ],
)
def test_a_schedule_out_of_bounds_is_refused_field_by_field_and_nothing_changes(
    values: dict[str, int], field: str
) -> None:
    admin = new_admin()
    with pytest.raises(ValidationError) as refused:
        services.set_retention_schedule(actor=admin, **values)
    assert field in refused.value.message_dict
    assert retention.current_schedule().case_years == 6
    assert not AuditEvent.objects.filter(verb=AuditVerb.CONFIGURED, actor_id=admin.pk).exists()


@pytest.mark.parametrize("who", ["auditor", "practitioner"])
def test_only_partnership_admins_set_the_schedule(who: str) -> None:
    w = Partnership()
    user = new_auditor(3) if who == "auditor" else w.teacher
    with pytest.raises(PermissionDenied):
        services.set_retention_schedule(actor=user, case_years=1, referral_years=1, draft_days=1)
    assert retention.current_schedule().case_years == 6


# --- Legal holds ----------------------------------------------------------------------------------


def test_a_legal_hold_on_a_case_keeps_it_out_of_the_list() -> None:
    w = Partnership()
    held, other = exited(w), exited(w)
    ig = new_auditor(1)
    hold = services.place_legal_hold(actor=ig, reference=held.reference, scope=HoldScope.CASE, reason="Civil claim")

    assert references(services.list_due_for_disposal(now=later())) == {other.reference}
    placed = AuditEvent.objects.get(object_type="governance.legalhold", object_id=str(hold.pk))
    assert (placed.verb, placed.reason, placed.actor_id) == (AuditVerb.CREATED, "Civil claim", ig.pk)

    services.lift_legal_hold(actor=ig, hold_id=hold.pk, reason="The claim was settled")
    assert references(services.list_due_for_disposal(now=later())) == {held.reference}
    lifted = AuditEvent.objects.filter(object_type="governance.legalhold", verb=AuditVerb.CHANGED).get()
    assert lifted.reason == "The claim was settled"


def test_a_hold_placed_after_listing_blocks_the_disposal_and_says_why() -> None:
    w = Partnership()
    held, other = exited(w), closed_referral(w)
    (batch,) = services.list_due_for_disposal(now=later())
    ig = new_auditor(1)
    services.place_legal_hold(actor=ig, reference=held.reference, scope=HoldScope.CASE, reason="Inquiry")

    outcome = services.approve_disposal(actor=ig, batch_id=batch.pk, now=later())

    assert (outcome.disposed, outcome.kept) == (1, 1)
    assert Case.objects.filter(pk=held.pk).exists()
    assert Referral.objects.filter(pk=held.pk).exists()
    assert not Referral.objects.filter(pk=other.pk).exists()
    kept = DisposalItem.objects.get(batch=batch, reference=held.reference)
    assert (kept.status, kept.kept_reason) == (ItemStatus.KEPT, retention.HELD)


def test_a_hold_on_the_person_holds_their_records_linked_as_possible_duplicates() -> None:
    w = Partnership()
    first, second, stranger = exited(w), exited(w), exited(w)
    # The matcher links what it finds on submission; the test states the links it needs.
    PossibleMatch.objects.filter(Q(referral_id=stranger.pk) | Q(matched_id=stranger.pk)).delete()
    PossibleMatch.objects.get_or_create(referral_id=second.pk, matched_id=first.pk, defaults={"reasons": ["name"]})
    ig = new_auditor(1)
    services.place_legal_hold(actor=ig, reference=first.reference, scope=HoldScope.PERSON, reason="Litigation")

    assert references(services.list_due_for_disposal(now=later())) == {stranger.reference}


def test_a_hold_needs_a_reference_that_names_a_record_a_scope_and_a_reason() -> None:
    ig = new_auditor(1)
    with pytest.raises(ValidationError) as refused:
        services.place_legal_hold(actor=ig, reference="CASE-2026-999999", scope="everything", reason=" ")
    assert set(refused.value.message_dict) == {"reference", "scope", "reason"}
    assert not LegalHold.objects.exists()


def test_the_same_hold_twice_is_a_conflict_and_lifting_twice_too() -> None:
    w = Partnership()
    case = exited(w)
    ig = new_auditor(1)
    hold = services.place_legal_hold(actor=ig, reference=case.reference, scope=HoldScope.CASE, reason="Claim")
    with pytest.raises(ConflictError):
        services.place_legal_hold(actor=ig, reference=case.reference, scope=HoldScope.CASE, reason="Claim again")
    services.lift_legal_hold(actor=ig, hold_id=hold.pk, reason="Settled")
    with pytest.raises(ConflictError):
        services.lift_legal_hold(actor=ig, hold_id=hold.pk, reason="Settled again")


@pytest.mark.parametrize("who", ["admin", "chair"])
def test_only_information_governance_places_holds_and_approves_disposal(who: str) -> None:
    w = Partnership()
    case = exited(w)
    (batch,) = services.list_due_for_disposal(now=later())
    user = new_admin(3) if who == "admin" else w.chair
    with pytest.raises(PermissionDenied):
        services.place_legal_hold(actor=user, reference=case.reference, scope=HoldScope.CASE, reason="Claim")
    with pytest.raises(PermissionDenied):
        services.approve_disposal(actor=user, batch_id=batch.pk, now=later())
    assert Case.objects.filter(pk=case.pk).exists()
    assert DisposalBatch.objects.get(pk=batch.pk).status == "due"


# --- Disposal -------------------------------------------------------------------------------------


def test_a_record_no_longer_due_when_the_batch_is_approved_is_kept() -> None:
    w = Partnership()
    case = exited(w)
    (batch,) = services.list_due_for_disposal(now=later())
    services.set_retention_schedule(actor=new_admin(), case_years=10, referral_years=6, draft_days=90)

    outcome = services.approve_disposal(actor=new_auditor(1), batch_id=batch.pk, now=later())

    assert (outcome.disposed, outcome.kept) == (0, 1)
    assert Case.objects.filter(pk=case.pk).exists()
    assert DisposalItem.objects.get(batch=batch).kept_reason == retention.NO_LONGER_DUE


# --- The operators' commands ----------------------------------------------------------------------


def test_operators_list_and_dispose_with_manage_py(capsys: Any) -> None:
    w = Partnership()
    case = exited(w)
    ig = new_user(None, 1, Role.AUDITOR)
    # The commands run now: move the exit back past the schedule (the services are tested with ``now``).
    Case.objects.filter(pk=case.pk).update(exited_at=timezone.now() - relativedelta(years=6, days=1))

    call_command("retention_due", "--dry-run")
    assert case.reference in capsys.readouterr().out
    assert not DisposalBatch.objects.exists()

    call_command("retention_due")
    out = capsys.readouterr().out
    batch = DisposalBatch.objects.get()
    assert f"batch {batch.pk:>5}  {case.reference}" in out

    with pytest.raises(Exception, match="Only information governance"):
        call_command("dispose", "--batch", str(batch.pk), "--approved-by", w.chair.username)
    call_command("dispose", "--batch", str(batch.pk), "--approved-by", ig.username)
    assert "1 disposed of, 0 kept" in capsys.readouterr().out
    assert not Case.objects.filter(pk=case.pk).exists()


def test_operators_place_and_lift_holds_with_manage_py(capsys: Any) -> None:
    w = Partnership()
    case = exited(w)
    ig = new_auditor(1)
    call_command("legal_hold", "place", case.reference, "--scope", "case", "--reason", "Claim", "--by", ig.username)
    hold = LegalHold.objects.get()
    call_command("legal_hold", "list")
    assert case.reference in capsys.readouterr().out
    call_command("legal_hold", "lift", str(hold.pk), "--reason", "Settled", "--by", ig.username)
    hold.refresh_from_db()
    assert hold.lift_reason == "Settled"
    assert hold.lifted_by_id == ig.pk
