"""A case with every kind of child record, built through the services so its trail is real, in the
case factories' partnership plus the people who must not read the trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from cases import selectors as case_selectors
from cases.models import Case, EntryDocument, InformationRequest
from core.audit import record_event
from core.models import AuditVerb
from governance.models import DisposalBatch, DisposalItem
from partnership.models import Role, User
from referrals import selectors as referral_selectors
from referrals.models import Attachment, ChronologyEntry, Referral
from sharing import services as sharing_services
from tests.pages import PDF
from tests.partnership.api_helpers import token_headers
from tests.sharing.worlds import kept_for_the_module, submit
from tests.world import Partnership, client_for, new_admin, new_agency, new_auditor, new_user

CONCERNS = "Sharing extremist material with classmates."
CONTRIBUTION_TEXT = "Known to the school nurse since the spring term."
BREAK_GLASS_REASON = '=HYPERLINK("http://evil.example/","Urgent safeguarding call from the duty desk")'


@dataclass
class TrailWorld:
    """``case`` (Amira Khan's referral, accepted) has an attachment, an information request, a
    contribution with a document, reads of each, an old-style ``referrals.case`` event and a
    break-glass opening; ``other`` (Noah Other's referral) is noise that must never match."""

    w: Partnership
    auditor: User
    admin: User
    outsider: User
    case: Case
    referral: Referral
    attachment: Attachment
    request: InformationRequest
    contribution: ChronologyEntry
    document: EntryDocument
    other: Referral


def build_trail_world() -> TrailWorld:
    w = Partnership()
    housing = new_agency("Housing")
    outsider = new_user(housing, 3, Role.PRACTITIONER)
    referral, attachment = submit(
        w.teacher, given_name="Amira", family_name="Khan", classification=1, attachment_classification=1
    )
    assert attachment is not None
    case = w.screen(referral)
    (request,) = w.ask(case)
    contribution = w.answer(
        request, CONTRIBUTION_TEXT, documents=[SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")]
    )
    document = EntryDocument.objects.get(entry=contribution)
    referral_selectors.access_attachment(viewer=w.teacher, attachment_id=attachment.pk)
    case_selectors.access_entry_document(viewer=w.chair, document_id=document.pk)
    case_selectors.access_case(viewer=w.chair, case_id=case.pk)
    # Before the restructure, case events were labelled with the referrals app.
    record_event(actor=w.chair, verb=AuditVerb.RECORD_VIEWED, object_type="referrals.case", object_id=case.pk)
    sharing_services.open_break_glass(actor=outsider, record=referral, reason=BREAK_GLASS_REASON)
    other, _ = submit(w.teacher, given_name="Noah", family_name="Other", classification=1)
    return TrailWorld(
        w=w,
        auditor=new_auditor(3),
        admin=new_admin(3),
        outsider=outsider,
        case=case,
        referral=Referral.objects.get(pk=referral.pk),
        attachment=attachment,
        request=request,
        contribution=contribution,
        document=document,
        other=Referral.objects.get(pk=other.pk),
    )


@pytest.fixture(scope="module")
def trail_world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Built once a module (about 4 seconds); each test runs in its own savepoint and sees only it.
    Tests change the database, never these Python objects."""
    media = tmp_path_factory.mktemp("governance-media")
    with kept_for_the_module(django_db_blocker), override_settings(MEDIA_ROOT=str(media)):
        yield build_trail_world()


@pytest.fixture
def tw(trail_world: TrailWorld, db: Any) -> TrailWorld:
    return trail_world


@pytest.fixture
def api() -> Any:
    """``api(user)``: a client and the token headers of ``user``."""

    def for_user(user: User) -> tuple[Client, dict[str, str]]:
        return Client(), token_headers(user)

    return for_user


@pytest.fixture
def signed_in() -> Any:
    return client_for


# --- Retention: the schedule's years as ``now``, what a listing holds, what the database still holds ---


def later(years: int = 6, days: int = 1) -> dt.datetime:
    return timezone.now() + relativedelta(years=years, days=days)


def references(batches: list[DisposalBatch]) -> set[str]:
    return set(DisposalItem.objects.filter(batch__in=batches).values_list("reference", flat=True))


def columns_holding(text: str) -> list[str]:
    """Every column of every table but the audit trail that holds ``text`` anywhere."""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')"
            " AND table_name <> 'sharing_auditevent'"
        )
        for table, column in cursor.fetchall():
            query = f'SELECT 1 FROM "{table}" WHERE "{column}"::text ILIKE %s LIMIT 1'  # noqa: S608 (names from the catalogue)
            cursor.execute(query, [f"%{text}%"])
            if cursor.fetchone():
                hits.append(f"{table}.{column}")
    return hits
