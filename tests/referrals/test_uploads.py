"""Uploads (issue 10 item 6): a document is listed and downloaded under the extension of the type its bytes
are, not the one its uploader gave it, under a sanitised name; its stored path stays random; every upload
and removal of a referral attachment or a contribution document is in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services as case_services
from cases.models import EntryDocument
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, AuditVerb
from referrals import services
from referrals.models import Attachment
from referrals.services import stored_document_name
from tests.conftest import sign_in_verified
from tests.pages import PDF, PNG
from tests.partnership.factories import UserFactory, clearance
from tests.referrals.factories import draft_referral
from tests.world import Partnership, new_agency

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def client_for(user: Any) -> Client:
    return sign_in_verified(Client(), user)


def _upload(name: str, content: bytes = PDF, content_type: str = "text/html") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- The stored name ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "mime", "stored"),
    [
        ("evil.html", "application/pdf", "evil.pdf"),
        ("report.PDF", "application/pdf", "report.pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpg"),
        ("scan.pdf", "image/png", "scan.png"),
        ("archive.tar.gz", "application/pdf", "archive.tar.pdf"),
        ("no extension", "application/pdf", "no extension.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\fakepath\\Case notes.docx", DOCX_MIME, "Case notes.docx"),
        ('a"b;c\r\nd<e>.html', "application/pdf", "a_b_cd_e.pdf"),
        ("  spaced   out  .txt", "text/plain", "spaced out.txt"),
        (".htaccess", "text/plain", "htaccess.txt"),
        ("-rf.pdf", "application/pdf", "rf.pdf"),
        ("Zoë's notes.pdf", "application/pdf", "Zoë_s notes.pdf"),
        ("", "application/pdf", "document.pdf"),
        (None, "image/png", "document.png"),
        ("...html", "application/pdf", "html.pdf"),
        ("...", "application/pdf", "document.pdf"),
        ("\u202egpj.exe", "image/jpeg", "gpj.jpg"),  # a right-to-left override is not kept
    ],
)
def test_the_stored_name_keeps_the_stem_and_takes_the_sniffed_extension(
    uploaded: str | None, mime: str, stored: str
) -> None:
    assert stored_document_name(uploaded, mime) == stored


def test_a_long_name_still_ends_with_the_sniffed_extension() -> None:
    stored = stored_document_name("x" * 400 + ".html", "application/pdf")
    assert stored.endswith("x.pdf")
    assert len(stored) <= 255


# --- Referral attachments -------------------------------------------------------------------------------


@pytest.fixture
def author(db: Any) -> Any:
    return UserFactory(agency=new_agency("Northshire Academy Trust"), clearance=clearance(2))


def test_a_pdf_named_html_is_stored_and_served_as_pdf(author: Any) -> None:
    draft = draft_referral(author)
    attachment = services.add_attachment(
        actor=author, referral_id=draft.pk, upload=_upload("evil.html"), classification=1
    )
    attachment.refresh_from_db()
    assert attachment.original_name == "evil.pdf"
    assert attachment.content_type == "application/pdf"
    assert "evil" not in attachment.file.name
    assert not attachment.file.name.endswith((".html", ".pdf"))
    response = client_for(author).get(f"/referrals/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="evil.pdf"' in response["Content-Disposition"]
    assert "html" not in response["Content-Disposition"]


def test_the_upload_page_stores_the_sniffed_extension(author: Any) -> None:
    draft = draft_referral(author)
    response = client_for(author).post(
        f"/referrals/{draft.pk}/draft/attachments/",
        {"file": _upload("picture.pdf", PNG, "application/pdf"), "classification": "1"},
    )
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "picture.png"


def test_uploading_and_removing_an_attachment_are_audited(author: Any) -> None:
    draft = draft_referral(author)
    attachment = services.add_attachment(
        actor=author, referral_id=draft.pk, upload=_upload("evidence.pdf"), classification=2
    )
    uploaded = AuditEvent.objects.get(verb=AuditVerb.UPLOADED)
    assert (uploaded.object_type, uploaded.object_id) == ("referrals.attachment", str(attachment.pk))
    assert (uploaded.actor_id, uploaded.details["referral"]) == (author.pk, draft.pk)
    assert uploaded.details["content_type"] == "application/pdf"
    assert "evidence" not in str(uploaded.details)  # the trail holds no document content or names

    services.remove_attachment(actor=author, attachment_id=attachment.pk)
    assert not Attachment.objects.exists()
    removed = AuditEvent.objects.get(verb=AuditVerb.REMOVED)
    assert (removed.object_type, removed.object_id) == ("referrals.attachment", str(attachment.pk))
    assert (removed.actor_id, removed.details["referral"]) == (author.pk, draft.pk)


def test_a_refused_removal_is_not_audited_as_a_removal(author: Any) -> None:
    draft = draft_referral(author)
    attachment = services.add_attachment(
        actor=author, referral_id=draft.pk, upload=_upload("evidence.pdf"), classification=1
    )
    stranger = UserFactory(agency=new_agency("Elsewhere"), clearance=clearance(3))
    with pytest.raises((NotFound, PermissionDenied)):
        services.remove_attachment(actor=stranger, attachment_id=attachment.pk)
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert not AuditEvent.objects.filter(verb=AuditVerb.REMOVED).exists()


def test_a_refused_upload_writes_nothing(author: Any) -> None:
    draft = draft_referral(author)
    with pytest.raises(ValidationError):
        services.add_attachment(
            actor=author,
            referral_id=draft.pk,
            upload=_upload("notes.pdf", b"MZ\x90\x00" + b"\x00" * 64),
            classification=1,
        )
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(verb=AuditVerb.UPLOADED).exists()


# --- Contribution documents ----------------------------------------------------------------------------


def test_contribution_documents_take_the_sniffed_extension_and_are_audited(db: Any) -> None:
    world = Partnership()
    case = world.case()
    [info_request] = case_services.request_information(
        actor=world.chair, case_id=case.pk, agency_ids=[world.health.pk], question="What do you know?"
    )
    entry = case_services.return_contribution(
        actor=world.health_spoc,
        request_id=info_request.pk,
        text="Known to the service.",
        classification=1,
        documents=[_upload("evil.html"), _upload("scan.pdf", PNG, "application/pdf")],
    )
    documents = {d.original_name: d for d in EntryDocument.objects.filter(entry=entry)}
    assert set(documents) == {"evil.pdf", "scan.png"}
    assert all(not d.file.name.endswith((".html", ".pdf", ".png")) for d in documents.values())

    events = AuditEvent.objects.filter(verb=AuditVerb.UPLOADED, object_type="cases.entrydocument")
    assert sorted(e.object_id for e in events) == sorted(str(d.pk) for d in documents.values())
    assert {(e.actor_id, e.details["entry"], e.details["request"]) for e in events} == {
        (world.health_spoc.pk, entry.pk, info_request.pk)
    }

    response = client_for(world.health_spoc).get(
        f"/referrals/chronology/documents/{documents['evil.pdf'].pk}/download/"
    )
    assert response.status_code == 200
    assert 'filename="evil.pdf"' in response["Content-Disposition"]
