"""Break-glass gives reading only, and every read under it is flagged (DESIGN.md rules 9 and 11).

The reader here holds every case-working role and every relation to the case that could let them
act (case owner, chair of its panel, SPOC of a requested agency, a screening officer), but their
agency holds no grant: they read the case only through their break-glass opening. Every read is
in the audit trail with ``break_glass=True``; every write is refused with "Break-glass gives reading
only."; the pages offer none of them. The same reads by an ordinary reader are not flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, InformationRequest
from core.errors import PermissionDenied
from core.models import AuditEvent, AuditVerb, Notification
from partnership.models import Agency, AgencyKind, Panel, Role, User
from referrals import services as referral_services
from referrals.models import Attachment, ChronologyEntry, Referral, ReferralAgencyGrant
from sharing import services as sharing_services
from sharing.models import Share
from tests.pages import PDF
from tests.partnership.api_helpers import token_headers
from tests.partnership.factories import UserFactory, clearance
from tests.sharing import worlds
from tests.world import new_agency, new_auditor, new_police, new_user, refer_to_panel

pytestmark = pytest.mark.django_db

REASON = "Called by A&E about an immediate risk tonight"
READ_ONLY = "Break-glass gives reading only."


@dataclass
class World:
    case: Case
    attachment: Attachment
    document_id: int
    request: InformationRequest
    share: Share
    entry: ChronologyEntry
    reader: User  # break-glass only
    officer: User  # a screening officer of a screening agency with no grant, break-glass only
    ordinary: User  # reads the case through their agency's grant
    target: Agency
    spoc: User  # the reader's agency's SPOC
    auditor: User


def _build(tmp_path: Any, settings: Any) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    new_police()
    council = new_agency(kind=AgencyKind.CHILDRENS_SERVICES)
    fire = new_agency(kind=AgencyKind.FIRE_AND_RESCUE)
    author = new_user(new_agency(), 3, Role.PRACTITIONER)
    officer = UserFactory(
        agency=Agency.objects.get(screens_referrals=True), clearance=clearance(3), roles=[Role.SCREENING_OFFICER]
    )
    owner = new_user(council, 3, Role.PRACTITIONER, Role.PANEL_CHAIR)
    soon = timezone.now() + dt.timedelta(days=3)
    panel = Panel.objects.create(name="Glass panel", chair=owner, first_meeting_at=soon)
    referral, attachment = worlds.submit(
        author, given_name="Jo", family_name="Glass", classification=1, attachment_classification=1
    )
    assert attachment is not None
    case = refer_to_panel(referral, officer=officer, panel=panel, owner=owner, rationale="Threshold")
    [request] = case_services.request_information(actor=owner, case_id=case.pk, agency_ids=[fire.pk], question="Known?")
    fire_spoc = new_user(fire, 3, Role.SPOC)
    entry = case_services.return_contribution(
        actor=fire_spoc,
        request_id=request.pk,
        text="Home fire safety visit in May",
        classification=1,
        documents=[SimpleUploadedFile("visit.pdf", PDF, content_type="application/pdf")],
    )
    [second] = case_services.request_information(actor=owner, case_id=case.pk, agency_ids=[fire.pk], question="More?")
    share = referral_services.share_referral(actor=author, referral_id=referral.pk, agency=new_agency(), reason="Help")
    # Say fire's access through the requests had ended: its people now read the case only by break-glass.
    ReferralAgencyGrant.objects.filter(content_object_id=referral.pk, group_id=fire.group_id).delete()
    reader = UserFactory(
        agency=fire,
        clearance=clearance(3),
        roles=[Role.PRACTITIONER, Role.SPOC, Role.PANEL_CHAIR, Role.SCREENING_OFFICER],
    )
    Case.objects.filter(pk=case.pk).update(owner=reader)
    Panel.objects.filter(pk=panel.pk).update(chair=reader)
    late_police = new_police()  # screens referrals, but joined after this one was submitted
    glass_officer = new_user(late_police, 3, Role.SCREENING_OFFICER)
    spoc = new_user(fire, 1, Role.SPOC)
    auditor = new_auditor()
    for user in (reader, glass_officer):
        sharing_services.open_break_glass(actor=user, record=referral, reason=REASON)
    return World(
        case=case,
        attachment=attachment,
        document_id=entry.documents.get().pk,
        request=second,
        share=share,
        entry=entry,
        reader=reader,
        officer=glass_officer,
        ordinary=owner,
        target=new_agency(),
        spoc=spoc,
        auditor=auditor,
    )


@pytest.fixture
def world(tmp_path: Any, settings: Any) -> World:
    return _build(tmp_path, settings)


def test_each_opening_is_told_to_the_agencys_spoc_and_the_auditors(world: World) -> None:
    told = set(Notification.objects.filter(kind="break_glass").values_list("recipient_id", flat=True))
    assert {world.spoc.pk, world.auditor.pk} <= told
    assert world.reader.pk not in told


def _reads(client: Client, w: World, headers: dict[str, str]) -> dict[str, Any]:
    pk = w.case.pk
    return {
        "referral page": lambda: client.get(f"/referrals/{pk}/"),
        "referral API": lambda: client.get(f"/api/v1/referrals/{pk}/", **headers),
        "case page": lambda: client.get(f"/referrals/cases/{pk}/"),
        "case API": lambda: client.get(f"/api/v1/cases/{pk}/", **headers),
        "case requests API": lambda: client.get(f"/api/v1/cases/{pk}/information-requests/", **headers),
        "case chronology page": lambda: client.get(f"/referrals/cases/{pk}/chronology/"),
        "referral chronology page": lambda: client.get(f"/referrals/{pk}/chronology/"),
        "chronology API": lambda: client.get(f"/api/v1/cases/{pk}/chronology/", **headers),
        "attachment": lambda: client.get(f"/referrals/attachments/{w.attachment.pk}/download/"),
        "document": lambda: client.get(f"/referrals/chronology/documents/{w.document_id}/download/"),
        "request page": lambda: client.get(f"/referrals/requests/{w.request.pk}/"),
    }


def _flags_of_each_read(client: Client, w: World, user: User) -> dict[str, set[bool]]:
    worlds.verified_session(client, user)
    flags = {}
    for name, read in _reads(client, w, token_headers(user)).items():
        seen = AuditEvent.objects.filter(actor_id=user.pk).values_list("seq", flat=True)
        last = max(seen, default=0)
        response = read()
        assert response.status_code == 200, (name, response.status_code)
        events = AuditEvent.objects.filter(
            actor_id=user.pk, seq__gt=last, verb__in=[AuditVerb.RECORD_VIEWED, AuditVerb.DOWNLOADED]
        )
        flags[name] = set(events.values_list("break_glass", flat=True))
    return flags


def test_every_read_through_break_glass_is_flagged(client: Client, world: World) -> None:
    flags = _flags_of_each_read(client, world, world.reader)
    assert flags == {name: {True} for name in flags}


def test_the_same_reads_through_a_grant_are_not_flagged(client: Client, world: World) -> None:
    # The ordinary reader owns nothing any more, so the request page is not theirs: ask as the case owner.
    Case.objects.filter(pk=world.case.pk).update(owner=world.ordinary)
    flags = _flags_of_each_read(client, world, world.ordinary)
    assert flags == {name: {False} for name in flags}


def _writes(w: World, user: User) -> dict[str, Any]:
    pk, request_id = w.case.pk, w.request.pk
    later = w.request.due_date + dt.timedelta(days=7)
    return {
        "case note": lambda: case_services.add_case_note(actor=user, referral_id=pk, text="Note", classification=1),
        "significance": lambda: case_services.mark_significant(actor=user, entry_id=w.entry.pk, significant=True),
        "contribution": lambda: case_services.return_contribution(
            actor=user, request_id=request_id, text="Known", classification=1
        ),
        "assignment": lambda: case_services.assign_request(actor=user, request_id=request_id, assignee=user),
        "share": lambda: referral_services.share_referral(actor=user, referral_id=pk, agency=w.target, reason="Mine"),
        "revoke": lambda: referral_services.revoke_referral_share(actor=user, referral_id=pk, share_id=w.share.pk),
        "transition": lambda: case_services.transition_case(actor=user, case_id=pk, to_status="discussed", reason="x"),
        "request": lambda: case_services.request_information(
            actor=user, case_id=pk, agency_ids=[w.target.pk], question="Q"
        ),
        "chase": lambda: case_services.chase_request(actor=user, request_id=request_id),
        "extend": lambda: case_services.extend_request(actor=user, request_id=request_id, due_date=later),
        "close": lambda: case_services.close_request(actor=user, request_id=request_id),
    }


def test_every_write_through_break_glass_is_refused_with_a_clear_message(world: World) -> None:
    before = AuditEvent.objects.count()
    refusals = {}
    for name, write in _writes(world, world.reader).items():
        with pytest.raises(PermissionDenied) as refused:
            write()
        refusals[name] = refused.value.message
    assert refusals == dict.fromkeys(refusals, READ_ONLY)
    with pytest.raises(PermissionDenied, match=re.escape(READ_ONLY)):
        referral_services.record_screening_note(
            actor=world.officer, referral_id=world.case.pk, text="Checked", classification=1
        )
    assert AuditEvent.objects.count() == before
    assert not ChronologyEntry.objects.filter(created_by=world.reader).exists()
    assert not ChronologyEntry.objects.get(pk=world.entry.pk).significant


def test_exports_are_not_reading_and_are_refused(client: Client, world: World) -> None:
    worlds.verified_session(client, world.reader)
    for fmt in ("csv", "pdf"):
        for url in (
            f"/referrals/cases/{world.case.pk}/chronology/export/{fmt}/",
            f"/referrals/{world.case.pk}/chronology/export/{fmt}/",
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            assert READ_ONLY in response.content.decode()
    assert not AuditEvent.objects.filter(actor_id=world.reader.pk, verb=AuditVerb.EXPORTED).exists()


def test_the_pages_offer_a_break_glass_reader_nothing_to_do(client: Client, world: World) -> None:
    worlds.verified_session(client, world.reader)
    case_page = client.get(f"/referrals/cases/{world.case.pk}/").content.decode()
    for form in ('name="transition-to_status"', 'name="request-agencies"', 'name="note-text"', "/chase/", "/close/"):
        assert form not in case_page, form
    chronology = client.get(f"/referrals/cases/{world.case.pk}/chronology/").content.decode()
    assert "Mark as significant" not in chronology
    assert "/export/" not in chronology
    referral_page = client.get(f"/referrals/{world.case.pk}/").content.decode()
    assert "Share with another agency" not in referral_page
    assert "break-glass access" in referral_page
    request_page = client.get(f"/referrals/requests/{world.request.pk}/").content.decode()
    assert 'name="assign-assignee"' not in request_page
    assert 'name="contribution-text"' not in request_page
    assert client.get(f"/referrals/{world.case.pk}/share/").status_code == 403
    # The same refusals through the API say why, as JSON.
    response = Client().post(
        f"/api/v1/referrals/{world.case.pk}/shares/",
        {"agency": world.target.pk, "reason": "Mine"},
        content_type="application/json",
        **token_headers(world.reader),
    )
    assert (response.status_code, response.json()) == (403, {"detail": READ_ONLY})


def test_a_referral_read_by_break_glass_has_no_case_actions_either(world: World) -> None:
    """The screening officer's opening: screening is refused, as every other write is."""
    referral = Referral.objects.get(pk=world.case.pk)
    with pytest.raises(PermissionDenied, match=re.escape(READ_ONLY)):
        referral_services.review_rag(actor=world.officer, referral_id=referral.pk, rag="red", rationale="Weapons")
