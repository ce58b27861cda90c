"""Deleting drafts (issue 11 item 8): the author deletes their own unsubmitted draft after an "Are you
sure?" page (POST, audited, its attachments' files removed from storage); anyone else gets a 404; a
submitted referral is never deleted. A nightly task deletes drafts unchanged for longer than the
partnership's ``draft_retention_days``, each audited as the system, with their files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from core.errors import NotFound, PermissionDenied
from core.models import AuditEvent, AuditVerb
from partnership.models import PartnershipSettings, Role
from referrals import services, tasks
from referrals.models import Attachment, Person, Referral
from tests.pages import PDF
from tests.referrals.factories import draft_referral, submitted_referral
from tests.world import client_for, new_agency, new_police, new_user

pytestmark = pytest.mark.django_db

DELETED_MESSAGE = "Your draft referral has been deleted."


@pytest.fixture
def people(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """A school's author and colleague, health's outsider, the police who screen; files in a scratch folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    school = new_agency("Northshire Academy Trust")
    new_police("Northshire Police")
    return {
        "author": new_user(school, 2, Role.PRACTITIONER),
        "colleague": new_user(school, 3, Role.PRACTITIONER, Role.SPOC),
        "outsider": new_user(new_agency("Northshire Health"), 3, Role.PRACTITIONER),
    }


def _with_file(referral: Referral) -> Path:
    upload = SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf")
    attachment = services.add_attachment(
        actor=referral.created_by,  # type: ignore[arg-type]
        referral_id=referral.pk,
        upload=upload,
        classification=1,
    )
    path = Path(attachment.file.path)
    assert path.exists()
    return path


def _deletions(referral_id: int) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(
        verb=AuditVerb.CHANGED, object_type="referrals.referral", object_id=str(referral_id)
    )
    return [e for e in events if e.details.get("action") == "deleted"]


# --- The author deletes a draft ---------------------------------------------------------------------


def test_the_author_confirms_and_the_draft_its_person_and_its_files_are_gone(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    author = people["author"]
    draft = draft_referral(author)
    stored = _with_file(draft)
    browser = client_for(author)
    page = browser.get(f"/referrals/{draft.pk}/draft/delete/")
    assert page.status_code == 200
    assert "Are you sure you want to delete this draft referral?" in page.content.decode()
    assert "Jordan Testperson" in page.content.decode()
    assert Referral.objects.filter(pk=draft.pk).exists()  # asking deletes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/referrals/{draft.pk}/draft/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/referrals/mine/"
    assert DELETED_MESSAGE in response.content.decode()
    assert not Referral.objects.filter(pk=draft.pk).exists()
    assert not Person.objects.filter(pk=draft.subject_id).exists()
    assert not Attachment.objects.exists()
    assert not stored.exists()
    [event] = _deletions(draft.pk)
    assert (event.actor_id, event.details["attachments"]) == (author.pk, 1)
    assert "Jordan" not in str(event.details)
    assert "evidence" not in str(event.details)


def test_a_get_never_deletes(people: dict[str, Any]) -> None:
    draft = draft_referral(people["author"])
    client_for(people["author"]).get(f"/referrals/{draft.pk}/draft/delete/")
    assert Referral.objects.filter(pk=draft.pk).exists()
    assert not _deletions(draft.pk)


@pytest.mark.parametrize("who", ["colleague", "outsider"])
def test_someone_elses_draft_does_not_exist_for_them(people: dict[str, Any], who: str) -> None:
    draft = draft_referral(people["author"])
    browser = client_for(people[who])
    assert browser.get(f"/referrals/{draft.pk}/draft/delete/").status_code == 404
    assert browser.post(f"/referrals/{draft.pk}/draft/delete/").status_code == 404
    with pytest.raises(NotFound):
        services.delete_draft(actor=people[who], referral_id=draft.pk)
    assert Referral.objects.filter(pk=draft.pk).exists()
    assert not _deletions(draft.pk)


def test_a_submitted_referral_is_never_deleted(people: dict[str, Any]) -> None:
    referral = submitted_referral(people["author"])
    browser = client_for(people["author"])
    response = browser.post(f"/referrals/{referral.pk}/draft/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/{referral.pk}/confirmation/"
    with pytest.raises(PermissionDenied):
        services.delete_draft(actor=people["author"], referral_id=referral.pk)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert not _deletions(referral.pk)


def test_the_draft_pages_and_my_referrals_link_to_deleting_a_draft(people: dict[str, Any]) -> None:
    author = people["author"]
    draft = draft_referral(author)
    sent = submitted_referral(author, given_name="Alex")
    browser = client_for(author)
    link = f'href="/referrals/{draft.pk}/draft/delete/"'
    mine = browser.get("/referrals/mine/").content.decode()
    assert link in mine
    assert f"/referrals/{sent.pk}/draft/delete/" not in mine
    assert link in browser.get(f"/referrals/{draft.pk}/draft/about/").content.decode()
    assert link in browser.get(f"/referrals/{draft.pk}/draft/check-your-answers/").content.decode()


# --- Untouched drafts are deleted after the retention period ------------------------------------------


def _draft_aged(author: Any, days: int, **changes: Any) -> Referral:
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        return draft_referral(author, **changes)


def _draft_with_file_aged(author: Any, days: int, **changes: Any) -> tuple[Referral, Path]:
    with time_machine.travel(timezone.now() - dt.timedelta(days=days), tick=False):
        draft = draft_referral(author, **changes)
        return draft, _with_file(draft)


def test_drafts_unchanged_for_longer_than_the_retention_are_deleted_with_their_files(
    people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    author = people["author"]
    stale, stale_file = _draft_with_file_aged(author, 91, given_name="Stale")
    kept, kept_file = _draft_with_file_aged(author, 89, given_name="Recent")
    with time_machine.travel(timezone.now() - dt.timedelta(days=200), tick=False):
        sent = submitted_referral(author, given_name="Sent")

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.delete_untouched_drafts() == 1
    assert set(Referral.objects.values_list("pk", flat=True)) == {kept.pk, sent.pk}
    assert not Person.objects.filter(pk=stale.subject_id).exists()
    assert not stale_file.exists()
    assert kept_file.exists()
    [event] = _deletions(stale.pk)
    assert event.actor_id is None
    assert event.actor_username == ""
    assert event.details["attachments"] == 1
    assert "90 days" in event.reason
    assert not _deletions(kept.pk)
    assert not _deletions(sent.pk)

    assert tasks.delete_untouched_drafts() == 0  # idempotent
    assert len(_deletions(stale.pk)) == 1


def test_one_audit_event_per_deleted_draft(people: dict[str, Any]) -> None:
    stale = [_draft_aged(people["author"], 120, given_name=name) for name in ("Ann", "Ben", "Cat")]
    assert services.delete_untouched_drafts() == 3
    assert [len(_deletions(d.pk)) for d in stale] == [1, 1, 1]


def test_a_recent_attachment_counts_as_a_change(people: dict[str, Any]) -> None:
    old = _draft_aged(people["author"], 120)
    _with_file(old)
    assert services.delete_untouched_drafts() == 0
    assert Referral.objects.filter(pk=old.pk).exists()


def test_the_retention_is_the_partnerships_setting(people: dict[str, Any]) -> None:
    PartnershipSettings.objects.filter(pk=PartnershipSettings.current().pk).update(draft_retention_days=30)
    old, young = _draft_aged(people["author"], 31), _draft_aged(people["author"], 29)
    assert services.delete_untouched_drafts() == 1
    assert set(Referral.objects.values_list("pk", flat=True)) == {young.pk}
    assert "30 days" in _deletions(old.pk)[0].reason


def test_the_nightly_deletion_is_scheduled() -> None:
    task = PeriodicTask.objects.get(task=tasks.DELETE_UNTOUCHED_DRAFTS)
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "30", "Europe/London")
