"""Disposal leaves nothing of the person: no row in any table but the audit trail holds their
details, no file is left on storage, and the audit trail keeps every event and still verifies.
The world is the trail world (an attachment, a contribution with a document, reads and a
break-glass opening), marked with strings found nowhere else and then taken out of the programme."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cases import services as case_services
from cases.models import Case, EntryDocument
from core.errors import ConflictError
from core.models import AuditEvent, AuditVerb
from governance import services
from governance.models import DisposalBatch, DisposalItem, HoldScope, ItemStatus, LegalHold
from referrals.models import Attachment, Person, Referral
from sharing.chain import seal_checkpoint
from tests.governance.conftest import PDF, TrailWorld, columns_holding, later, references
from tests.world import new_auditor

pytestmark = pytest.mark.django_db

MARK_GIVEN = "Zephyrine"
MARK_FAMILY = "Quillfeather"
MARK_CONCERNS = "Marker concerns about the bus shelter on Wexcombe Lane."
MARK_CONTRIBUTION = "Marker contribution: seen by the Wexcombe school nurse."


def _marked_case(tw: TrailWorld) -> Case:
    """The trail world's case (attachment, contribution and its document, a break-glass opening, reads),
    marked with strings found nowhere else, exited, with a lifted hold and a reminder behind it."""
    Person.objects.filter(referral=tw.referral).update(given_name=MARK_GIVEN, family_name=MARK_FAMILY)
    Referral.objects.filter(pk=tw.referral.pk).update(concerns=MARK_CONCERNS)
    request = tw.w.ask(tw.case)[0]
    tw.w.answer(
        request,
        MARK_CONTRIBUTION,
        documents=[SimpleUploadedFile("second.pdf", PDF, content_type="application/pdf")],
    )
    for to, reason in (("adopted", "Adopted by the panel"), ("exited", "Risk reduced")):
        case_services.transition_case(actor=tw.w.chair, case_id=tw.case.pk, to_status=to, reason=reason)
    ig = new_auditor(1)
    hold = services.place_legal_hold(actor=ig, reference=tw.case.reference, scope=HoldScope.CASE, reason="Claim")
    services.lift_legal_hold(actor=ig, hold_id=hold.pk, reason="Withdrawn")
    return Case.objects.get(pk=tw.case.pk)


def test_disposal_leaves_no_content_in_the_database_or_on_storage_and_the_chain_verifies(
    tw: TrailWorld, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.CONVENE_AUDIT_CHECKPOINT_FILE = tmp_path / "checkpoints.jsonl"
    case = _marked_case(tw)
    files = [a.file for a in Attachment.objects.filter(referral=case.referral)]
    files += [d.file for d in EntryDocument.objects.filter(entry__referral=case.referral)]
    assert len(files) == 3
    assert all(f.storage.exists(f.name) for f in files)
    for marker in (MARK_GIVEN, MARK_FAMILY, MARK_CONCERNS, MARK_CONTRIBUTION):
        assert columns_holding(marker), f"the scan must find {marker!r} before disposal"
    about_it = AuditEvent.objects.filter(object_id=str(case.pk)).count()
    events_before = AuditEvent.objects.count()

    (batch,) = services.list_due_for_disposal(now=later())
    assert case.reference in references([batch])
    with django_capture_on_commit_callbacks(execute=True):
        outcome = services.approve_disposal(actor=tw.auditor, batch_id=batch.pk, now=later())

    assert outcome.kept == 0
    for marker in (MARK_GIVEN, MARK_FAMILY, MARK_CONCERNS, MARK_CONTRIBUTION):
        assert columns_holding(marker) == [], marker
    assert not any(f.storage.exists(f.name) for f in files)
    assert not Referral.objects.filter(pk=case.pk).exists()
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not LegalHold.objects.filter(referral_id=case.pk).exists()
    assert Referral.objects.filter(pk=tw.other.pk).exists(), "a record not due is untouched"

    item = DisposalItem.objects.get(batch=batch, reference=case.reference)
    assert item.status == ItemStatus.DISPOSED
    assert item.removed["files"] == 3
    assert item.removed["rows"]["referrals.referral"] == 1
    assert item.removed["rows"]["cases.entrydocument"] == 2
    assert item.removed["rows"]["referrals.person"] == 1
    assert DisposalBatch.objects.get(pk=batch.pk).status == "disposed"
    # The trail is never touched: every event stays, the disposal is added to it, and it verifies.
    assert AuditEvent.objects.filter(object_id=str(case.pk)).count() >= about_it
    assert AuditEvent.objects.count() > events_before
    removed = AuditEvent.objects.get(verb=AuditVerb.REMOVED, object_type="referrals.referral", object_id=str(case.pk))
    assert (removed.actor_id, removed.details["reference"]) == (tw.auditor.pk, case.reference)
    assert seal_checkpoint() is not None
    call_command("verify_audit_chain", "--full", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_approving_a_disposed_batch_again_is_a_conflict(tw: TrailWorld) -> None:
    case = _marked_case(tw)
    (batch,) = services.list_due_for_disposal(now=later())
    services.approve_disposal(actor=tw.auditor, batch_id=batch.pk, now=later())
    with pytest.raises(ConflictError):
        services.approve_disposal(actor=tw.auditor, batch_id=batch.pk, now=later())
    assert DisposalItem.objects.get(reference=case.reference).status == ItemStatus.DISPOSED
