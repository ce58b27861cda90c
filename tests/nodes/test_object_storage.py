"""Documents in an S3-compatible object store (issue 16, stateless web nodes): with the production settings
pointed at a real S3 server on loopback, an attachment uploaded through the page and a contribution document
returned through the service land in the bucket, encrypted at rest and with no public grant, and come back
byte for byte only through the views that ask the sharing policy; the subject access archive reads them from
there; removing an attachment removes its object; nothing is written to the local disk.

The settings themselves (``config.settings.base.document_storage``) are checked against the variables the
deployment notes document."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import EntryDocument
from config.settings.base import document_storage
from partnership.models import Role
from referrals import services as referral_services
from referrals.models import Attachment
from tests.pages import PDF, PNG
from tests.plugins.object_store import ObjectStore, store_documents_in
from tests.referrals.factories import draft_referral
from tests.sharing.worlds import submit
from tests.world import Partnership, client_for, new_admin, new_auditor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """The filesystem storage's folder, which must stay empty while the object store is the default."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _assert_private_and_encrypted(store: ObjectStore, bucket: str, key: str, encryption: str = "AES256") -> None:
    head = store.client.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == encryption
    assert store.public_grants(bucket, key) == []
    assert store.public_grants(bucket) == []


def _assert_nothing_on_disk(media_root: Path) -> None:
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def _a_draft_attachment(world: Partnership) -> Attachment:
    """A note the teacher attached to a draft, through the service."""
    return referral_services.add_attachment(
        actor=world.teacher,
        referral_id=draft_referral(world.teacher).pk,
        upload=SimpleUploadedFile("note.txt", b"some notes", content_type="text/plain"),
        classification=1,
    )


# --- Through the pages and views -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_attachment_uploaded_on_the_page_is_in_the_bucket_encrypted_and_downloads_through_the_view(
    object_store: ObjectStore, s3_documents: str, media_root: Path
) -> None:
    world = Partnership()
    draft = draft_referral(world.teacher)
    client = client_for(world.teacher)
    response = client.post(
        f"/referrals/{draft.pk}/draft/attachments/",
        {"file": SimpleUploadedFile("evidence.pdf", PDF, content_type="application/pdf"), "classification": "1"},
    )
    assert response.status_code == 302, response.content
    attachment = Attachment.objects.get(referral=draft)
    assert object_store.keys(s3_documents) == [attachment.file.name]
    _assert_private_and_encrypted(object_store, s3_documents, attachment.file.name)
    stored = object_store.client.get_object(Bucket=s3_documents, Key=attachment.file.name)["Body"].read()
    assert stored == PDF

    download = client.get(f"/referrals/attachments/{attachment.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert 'attachment; filename="evidence.pdf"' in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    # The browser is handed the bytes, never the object store's address or a signed link to it.
    assert "Location" not in download
    assert object_store.endpoint_url not in str(download.headers)
    _assert_nothing_on_disk(media_root)


@pytest.mark.django_db
def test_a_contribution_document_is_in_the_bucket_and_downloads_through_the_view(
    object_store: ObjectStore, s3_documents: str, media_root: Path
) -> None:
    world = Partnership()
    case = world.case()
    (request,) = world.ask(case)
    entry = world.answer(
        request, "Known to the service.", documents=[SimpleUploadedFile("scan.png", PNG, content_type="image/png")]
    )
    document = EntryDocument.objects.get(entry=entry)
    assert document.file.name in object_store.keys(s3_documents)
    _assert_private_and_encrypted(object_store, s3_documents, document.file.name)
    download = client_for(world.health_spoc).get(f"/referrals/chronology/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    _assert_nothing_on_disk(media_root)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reader", "status"),
    [
        ("author", 200),  # the referring agency, cleared to the document's level
        ("officer", 200),  # the screening agency, granted on submission
        ("colleague_below", 404),  # the referring agency, below the document's classification
        ("other_agency", 404),  # health: never granted this referral
        ("admin", 404),  # configures, reads no case content (rule 8)
        ("auditor", 404),  # reads the trail, not the content (rule 8)
    ],
)
def test_a_document_in_the_bucket_is_served_only_to_whom_the_policy_allows(
    s3_documents: str, reader: str, status: int
) -> None:
    world = Partnership()
    world.people(author=(world.school, 2, Role.PRACTITIONER), colleague_below=(world.school, 1, Role.PRACTITIONER))
    _, attachment = submit(
        world.author, given_name="Sam", family_name="Example", classification=1, attachment_classification=2
    )
    assert attachment is not None
    readers = {
        "author": world.author,
        "officer": world.officer,
        "colleague_below": world.colleague_below,
        "other_agency": world.health_spoc,
        "admin": new_admin(3),
        "auditor": new_auditor(3),
    }
    response = client_for(readers[reader]).get(f"/referrals/attachments/{attachment.pk}/download/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"notes from the meeting"
    else:
        assert b"notes from the meeting" not in response.content


@pytest.mark.django_db
def test_a_document_missing_from_the_bucket_is_not_found_not_an_error(object_store: ObjectStore, s3_documents: str):
    world = Partnership()
    attachment = _a_draft_attachment(world)
    object_store.client.delete_object(Bucket=s3_documents, Key=attachment.file.name)
    response = client_for(world.teacher).get(f"/referrals/attachments/{attachment.pk}/download/")
    assert response.status_code == 404


@pytest.mark.django_db
def test_removing_an_attachment_removes_its_object_once_committed(
    object_store: ObjectStore, s3_documents: str, django_capture_on_commit_callbacks: Any
) -> None:
    world = Partnership()
    attachment = _a_draft_attachment(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        referral_services.remove_attachment(actor=world.teacher, attachment_id=attachment.pk)
    assert object_store.keys(s3_documents) == [attachment.file.name]  # not before the commit
    for callback in callbacks:
        callback()
    assert object_store.keys(s3_documents) == []


@pytest.mark.django_db
def test_the_subject_access_archive_holds_the_documents_read_from_the_bucket(
    object_store: ObjectStore, s3_documents: str, media_root: Path
) -> None:
    world = Partnership()
    referral, attachment = submit(
        world.teacher, given_name="Amira", family_name="Khan", classification=1, attachment_classification=1
    )
    assert attachment is not None
    case = world.screen(referral)
    (request,) = world.ask(case)
    entry = world.answer(
        request, "A letter.", documents=[SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")]
    )
    document = EntryDocument.objects.get(entry=entry)
    response = client_for(new_auditor(3)).get(f"/governance/subject-access/{case.reference}/bundle.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert archive.read(f"documents/referrals-attachment-{attachment.pk}-note.txt") == b"notes from the meeting"
        assert archive.read(f"documents/cases-entrydocument-{document.pk}-letter.pdf") == PDF
    assert "missing.txt" not in names
    _assert_nothing_on_disk(media_root)


@pytest.mark.django_db
def test_kms_encryption_with_a_named_key_is_requested_for_every_object(
    object_store: ObjectStore, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = object_store.new_bucket()
    store_documents_in(
        object_store,
        bucket,
        settings,
        monkeypatch,
        CONVENE_S3_ENCRYPTION="aws:kms",
        CONVENE_S3_KMS_KEY_ID="alias/convene-documents",
    )
    name = default_storage.save("attachments/kms-check", io.BytesIO(b"sealed"))
    head = object_store.client.head_object(Bucket=bucket, Key=name)
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", "alias/convene-documents")
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"sealed"


def test_a_prefix_keeps_the_documents_under_it(
    object_store: ObjectStore, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = object_store.new_bucket()
    store_documents_in(object_store, bucket, settings, monkeypatch, CONVENE_S3_PREFIX="convene/documents")
    name = default_storage.save("attachments/1/abc", io.BytesIO(b"x"))
    assert object_store.keys(bucket) == [f"convene/documents/{name}"]
    assert default_storage.exists(name)


# --- The settings, as docs/deploy.md documents them ------------------------------------------------------

S3_VARIABLES = [
    "CONVENE_STORAGE_BACKEND",
    "CONVENE_S3_BUCKET",
    "CONVENE_S3_PREFIX",
    "CONVENE_S3_ENDPOINT_URL",
    "CONVENE_S3_REGION",
    "CONVENE_S3_ACCESS_KEY_ID",
    "CONVENE_S3_SECRET_ACCESS_KEY",
    "CONVENE_S3_ADDRESSING_STYLE",
    "CONVENE_S3_CA_BUNDLE",
    "CONVENE_S3_ENCRYPTION",
    "CONVENE_S3_KMS_KEY_ID",
]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_local_filesystem_is_the_default(clean_environment: pytest.MonkeyPatch) -> None:
    assert document_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    clean_environment.setenv("CONVENE_STORAGE_BACKEND", "filesystem")
    assert document_storage() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_s3_is_a_private_encrypted_bucket_from_the_environment(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("CONVENE_STORAGE_BACKEND", "s3")
    clean_environment.setenv("CONVENE_S3_BUCKET", "convene-documents")
    clean_environment.setenv("CONVENE_S3_REGION", "eu-west-2")
    storage = document_storage()
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "convene-documents"
    assert options["region_name"] == "eu-west-2"
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}
    assert options["default_acl"] is None  # no canned ACL: never public-read
    assert options["file_overwrite"] is False
    # Unset: AWS's endpoint and boto3's own credential chain (a pod or instance role).
    assert (options["endpoint_url"], options["access_key"], options["secret_key"]) == (None, None, None)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"CONVENE_STORAGE_BACKEND": "ftp"}, "CONVENE_STORAGE_BACKEND"),
        ({"CONVENE_STORAGE_BACKEND": "s3"}, "CONVENE_S3_BUCKET"),
        ({"CONVENE_STORAGE_BACKEND": "s3", "CONVENE_S3_BUCKET": "b", "CONVENE_S3_ENCRYPTION": "none"}, "ENCRYPTION"),
        ({"CONVENE_STORAGE_BACKEND": "s3", "CONVENE_S3_BUCKET": "b", "CONVENE_S3_KMS_KEY_ID": "k"}, "aws:kms"),
    ],
)
def test_a_wrong_or_missing_setting_refuses_to_start(
    clean_environment: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        clean_environment.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        document_storage()


def test_every_storage_variable_is_in_the_deployment_notes() -> None:
    notes = (ROOT / "docs" / "deploy.md").read_text()
    assert [name for name in S3_VARIABLES if f"`{name}`" not in notes] == []


# --- No code reads documents around the storage API or hands out their address ---------------------------

APPS = ["core", "partnership", "sharing", "referrals", "cases", "panels", "governance", "reports"]
AROUND_THE_STORAGE = re.compile(r"\bMEDIA_ROOT\b|\bMEDIA_URL\b|\.file\.(path|url)\b|storage\.(path|url)\(")


def test_documents_are_reached_only_through_the_storage_api_and_never_linked() -> None:
    offenders = []
    for app in [*APPS, "templates"]:
        for path in sorted((ROOT / app).rglob("*")):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if AROUND_THE_STORAGE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
