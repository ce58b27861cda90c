"""An existing database comes through the move of cases to ``cases/`` (and of the audit trail's model to
``core/``) intact.

The test database is migrated back to the layout before the move, seeded there through the historical
models, and migrated forward again: every row and key, the contribution links, the content types (so
reminders still point at their records), the stored files and the audit chain must come through, and a
contribution's document must still download through the real page. The reverse migrations are proved
by going down and up again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command, load_command_class
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState
from django.test import Client

from cases.models import Case, CaseTransition, Contribution, EntryDocument, InformationRequest
from core.models import AuditEvent, Reminder
from partnership.models import User
from tests.conftest import sign_in_verified
from tests.partnership.factories import PASSWORD

# The layout before the move: nothing of cases/ applied, nor anything that depends on it.
BEFORE_MOVE: list[tuple[str, str | None]] = [
    ("referrals", "0002_screening_cases_requests_chronology"),
    ("panels", "0002_default_assessment_factors"),
    ("core", "0003_schedule_reminder_tasks"),
    ("sharing", "0005_audit_refuses_truncate"),
    ("cases", None),
]

MOVED = ("case", "casetransition", "informationrequest", "entrydocument")
STAYED = (
    "referrals.Person",
    "referrals.Referral",
    "referrals.ChronologyEntry",
    "referrals.Attachment",
    "referrals.ReferralAgencyGrant",
    "sharing.Share",
    "panels.Meeting",
    "panels.AgendaItem",
    "panels.Action",
    "core.Reminder",
)
AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
DOCUMENT = b"%PDF-1.4 health's contribution to CASE-2026-000001"
ATTACHMENT = b"the referrer's notes, as uploaded"


@dataclass(frozen=True)
class Layout:
    cases_app: str  # where Case, CaseTransition, InformationRequest and EntryDocument live
    audit_app: str  # where AuditEvent lives


OLD = Layout(cases_app="referrals", audit_app="sharing")
NEW = Layout(cases_app="cases", audit_app="core")


def migrate(targets: list[tuple[str, str | None]] | None = None) -> ProjectState:
    """Migrate the test database to ``targets`` (None: the latest migrations). The state returned holds
    the historical models of everything then applied, as ``manage.py migrate`` computes it."""
    executor = MigrationExecutor(connection)  # a fresh one: it reads what is applied now
    state = executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return state


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def old_layout(transactional_db: None) -> Iterator[Apps]:
    """The database as it was before the move; left at the latest migrations whatever happens."""
    try:
        yield migrate(BEFORE_MOVE).apps
    finally:
        migrate()


# --- seeding the old layout through its historical models -------------------------------------------


@dataclass
class Seeded:
    spoc_id: int = 0
    document_id: int = 0
    attachment_id: int = 0
    cases: list[int] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)  # contribution entry -> request
    reminder_targets: dict[int, tuple[str, int]] = field(default_factory=dict)  # reminder -> (model, pk)


def seed_old_layout(apps: Apps) -> Seeded:
    seeded = Seeded()
    people = _partnership(apps, seeded)
    for number in (1, 2, 3):
        referral = _referral(apps, people, number, accepted=number < 3)
        if number < 3:
            _case(apps, people, referral, number, seeded)
    _audit_trail(apps, seeded)
    return seeded


def _partnership(apps: Apps, seeded: Seeded) -> dict[str, Any]:
    Group, Agency = apps.get_model("auth", "Group"), apps.get_model("partnership", "Agency")
    ClearanceLevel, User = apps.get_model("partnership", "ClearanceLevel"), apps.get_model("partnership", "User")
    ranks = {
        rank: ClearanceLevel.objects.get_or_create(rank=rank, defaults={"name": f"Rank {rank}"})[0] for rank in (1, 2)
    }
    agencies = {
        name: Agency.objects.create(name=name, kind=kind, group=Group.objects.create(name=f"agency:{name}"))
        for name, kind in (("Police", "police"), ("Council", "childrens_services"), ("Health", "health"))
    }

    def user(username: str, agency: str, rank: int, role: str) -> Any:
        return User.objects.create(
            username=username,
            password=make_password(PASSWORD),
            email=f"{username}@example.gov.uk",
            agency=agencies[agency],
            clearance=ranks[rank],
            roles=[role],
        )

    people = {"agencies": agencies, "officer": user("officer", "Police", 2, "screening_officer")}
    people["chair"] = user("chair", "Council", 2, "panel_chair")
    people["spoc"] = user("spoc", "Health", 2, "spoc")
    seeded.spoc_id = people["spoc"].pk
    people["panel"] = apps.get_model("partnership", "Panel").objects.create(
        name="Northshire Channel Panel", chair=people["chair"], first_meeting_at=AT
    )
    ContentType, Permission = apps.get_model("contenttypes", "ContentType"), apps.get_model("auth", "Permission")
    referral_type = ContentType.objects.get_or_create(app_label="referrals", model="referral")[0]
    people["referral_type"] = referral_type
    people["view_referral"] = Permission.objects.get_or_create(
        codename="view_referral", content_type=referral_type, defaults={"name": "Can view referral"}
    )[0]
    return people


def _referral(apps: Apps, people: dict[str, Any], number: int, *, accepted: bool) -> Any:
    """A submitted referral from the council, shared with health (the grant and its ledger row)."""
    agencies = people["agencies"]
    person = apps.get_model("referrals", "Person").objects.create(given_name=f"Person{number}", family_name="Test")
    referral = apps.get_model("referrals", "Referral").objects.create(
        reference=f"REF-2026-{number:06d}",
        status="accepted" if accepted else "screening",
        subject=person,
        concerns="Concerns",
        owning_agency=agencies["Council"],
        created_by=people["chair"],
        submitted_at=AT,
        change_seq=number,
    )
    apps.get_model("referrals", "ReferralAgencyGrant").objects.create(
        content_object=referral, group=agencies["Health"].group, permission=people["view_referral"], sort_key=number
    )
    apps.get_model("sharing", "Share").objects.create(
        content_type=people["referral_type"], object_id=referral.pk, agency=agencies["Health"], basis="explicit"
    )
    Attachment = apps.get_model("referrals", "Attachment")
    Attachment.objects.create(
        referral=referral,
        file=ContentFile(ATTACHMENT, name="notes.txt"),
        original_name="notes.txt",
        content_type="text/plain",
        size=len(ATTACHMENT),
        owning_agency=agencies["Council"],
    )
    _entry(apps, referral, agencies["Council"], "referral")
    return referral


def _entry(apps: Apps, referral: Any, agency: Any, entry_type: str, request: Any = None) -> Any:
    return apps.get_model("referrals", "ChronologyEntry").objects.create(
        referral=referral,
        entry_type=entry_type,
        occurred_at=AT,
        title=entry_type.replace("_", " ").capitalize(),
        owning_agency=agency,
        information_request=request,
    )


def _case(apps: Apps, people: dict[str, Any], referral: Any, number: int, seeded: Seeded) -> None:
    """A case with transitions, two requests to health (one answered twice), a note, a document,
    panel records and reminders."""
    agencies = people["agencies"]
    Case, CaseTransition = apps.get_model("referrals", "Case"), apps.get_model("referrals", "CaseTransition")
    InformationRequest = apps.get_model("referrals", "InformationRequest")
    case = Case.objects.create(
        referral=referral,
        reference=f"CASE-2026-{number:06d}",
        status="discussed",
        owner=people["chair"],
        panel=people["panel"],
        opened_at=AT,
    )
    seeded.cases.append(case.pk)
    for source, target in (("information_gathering", "discussed"), ("discussed", "information_gathering")):
        CaseTransition.objects.create(case=case, from_status=source, to_status=target, at=AT)
    first, second = (
        InformationRequest.objects.create(
            case=case, agency=agencies["Health"], question=question, due_date=AT.date(), requested_by=people["chair"]
        )
        for question in ("What do you know?", "Anything since?")
    )
    for request in (first, first, second):
        entry = _entry(apps, referral, agencies["Health"], "contribution", request=request)
        seeded.links.append((entry.pk, request.pk))
    _entry(apps, referral, agencies["Council"], "case_note")
    document = apps.get_model("referrals", "EntryDocument").objects.create(
        entry_id=seeded.links[-1][0],
        file=ContentFile(DOCUMENT, name="contribution.pdf"),
        original_name="contribution.pdf",
        content_type="application/pdf",
        size=len(DOCUMENT),
    )
    seeded.document_id = document.pk
    seeded.attachment_id = apps.get_model("referrals", "Attachment").objects.get(referral=referral).pk
    _panel_records(apps, people, case)
    _reminders(apps, people, seeded, case, first)


def _panel_records(apps: Apps, people: dict[str, Any], case: Any) -> None:
    meeting = apps.get_model("panels", "Meeting").objects.create(panel=people["panel"], scheduled_at=AT)
    apps.get_model("panels", "AgendaItem").objects.create(meeting=meeting, case=case, kind="new_case")
    apps.get_model("panels", "Action").objects.create(
        case=case,
        meeting=meeting,
        description="Offer mentoring",
        due_date=AT.date(),
        owner_agency=people["agencies"]["Health"],
        created_by=people["chair"],
    )


def _reminders(apps: Apps, people: dict[str, Any], seeded: Seeded, case: Any, request: Any) -> None:
    """Reminders point at records through content types (which must follow the models)."""
    ContentType, Reminder = apps.get_model("contenttypes", "ContentType"), apps.get_model("core", "Reminder")
    for kind, target, model in (("case_review_due", case, "case"), ("request_due_soon", request, "informationrequest")):
        reminder = Reminder.objects.create(
            kind=kind,
            content_type=ContentType.objects.get_or_create(app_label=OLD.cases_app, model=model)[0],
            object_id=target.pk,
            recipient=people["spoc"],
            due_at=AT,
            reference=case.reference,
        )
        seeded.reminder_targets[reminder.pk] = (model, target.pk)


def _audit_trail(apps: Apps, seeded: Seeded) -> None:
    """Events inserted as the old code wrote them; the database trigger chains them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.get_or_create(app_label=OLD.audit_app, model="auditevent")
    AuditEvent = apps.get_model(OLD.audit_app, "AuditEvent")
    for verb, object_type, object_id in [
        ("created", "referrals.case", seeded.cases[0]),
        ("transition", "referrals.case", seeded.cases[1]),
        ("downloaded", "referrals.entrydocument", seeded.document_id),
        ("record_viewed", "referrals.referral", seeded.cases[0]),
    ]:
        AuditEvent.objects.create(
            occurred_at=AT, actor_username="chair", verb=verb, object_type=object_type, object_id=str(object_id)
        )


# --- what must come through ---------------------------------------------------------------------------


def snapshot(apps: Apps, layout: Layout) -> dict[str, Any]:
    """Every seeded table's primary keys, the contribution links, the reminders' targets, the audit chain
    and the content type ids of the moved models, read through the models of ``layout``."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model(layout.audit_app, "AuditEvent")
    moved = {name: _pks(apps.get_model(layout.cases_app, name)) for name in MOVED}
    stayed = {label: _pks(apps.get_model(label)) for label in STAYED}
    content_types = {name: ContentType.objects.get(app_label=layout.cases_app, model=name).pk for name in MOVED}
    content_types["auditevent"] = ContentType.objects.get(app_label=layout.audit_app, model="auditevent").pk
    return {
        **moved,
        **stayed,
        "contribution links": contribution_links(apps, layout),
        "reminder targets": sorted(
            apps.get_model("core", "Reminder").objects.values_list("pk", "content_type", "object_id")
        ),
        "audit chain": list(AuditEvent.objects.order_by("seq").values_list("seq", "hash")),
        "content type ids": content_types,
    }


def _pks(model: Any) -> list[Any]:
    return sorted(model.objects.values_list("pk", flat=True))


def contribution_links(apps: Apps, layout: Layout) -> list[tuple[int, int]]:
    if layout == OLD:
        entries = apps.get_model("referrals", "ChronologyEntry").objects.filter(information_request__isnull=False)
        return sorted(entries.values_list("pk", "information_request"))
    return sorted(apps.get_model("cases", "Contribution").objects.values_list("entry", "information_request"))


def download(client: Client, path: str) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, path
    return b"".join(response.streaming_content)


# --- the tests ----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_migrates_forward_intact(old_layout: Apps, media: Path) -> None:
    seeded = seed_old_layout(old_layout)
    before = snapshot(old_layout, OLD)
    assert len(seeded.links) == 6  # two cases, each with three contributions to two requests
    assert before["contribution links"] == sorted(seeded.links)
    assert all(before[name] for name in (*MOVED, *STAYED, "audit chain")), "every table was seeded"

    after = snapshot(migrate().apps, NEW)

    assert after == before
    _assert_the_app_reads_the_moved_records(seeded, before)
    _assert_new_rows_take_new_keys(seeded, before)

    spoc = sign_in_verified(Client(), User.objects.get(pk=seeded.spoc_id))
    assert download(client=spoc, path=f"/referrals/chronology/documents/{seeded.document_id}/download/") == DOCUMENT
    assert download(client=spoc, path=f"/referrals/attachments/{seeded.attachment_id}/download/") == ATTACHMENT

    assert AuditEvent.objects.filter(
        verb="downloaded", object_type="cases.entrydocument", object_id=str(seeded.document_id)
    ).exists(), "the download after the move is audited under the new label"
    verify_whole_audit_chain()


def verify_whole_audit_chain() -> None:
    """``manage.py verify_audit_chain --full``: raises CommandError (exit 1) on any broken link.

    Until checkpoints exist the command has no ``--full`` and always recomputes from the first event,
    which is what ``--full`` asks for."""
    parser = load_command_class("sharing", "verify_audit_chain").create_parser("manage.py", "verify_audit_chain")
    _, unknown = parser.parse_known_args(["--full"])
    full = [] if unknown else ["--full"]
    out = StringIO()
    call_command("verify_audit_chain", *full, stdout=out)
    assert out.getvalue().startswith("OK"), out.getvalue()


def _assert_the_app_reads_the_moved_records(seeded: Seeded, before: dict[str, Any]) -> None:
    assert sorted(Case.objects.values_list("pk", flat=True)) == sorted(seeded.cases)
    assert sorted(Contribution.objects.values_list("entry_id", "information_request_id")) == sorted(seeded.links)
    # Every request on a case belongs to the case's referral (cases 0004), and keeps its case.
    assert InformationRequest.objects.count() == len(before["informationrequest"])
    assert all(r == c for r, c in InformationRequest.objects.values_list("referral_id", "case_id"))
    assert AuditEvent.objects.count() == len(before["audit chain"])
    moved_types = {name: ContentType.objects.get(pk=pk) for name, pk in before["content type ids"].items()}
    assert {name: (ct.app_label, ct.model) for name, ct in moved_types.items()} == {
        "case": ("cases", "case"),
        "casetransition": ("cases", "casetransition"),
        "informationrequest": ("cases", "informationrequest"),
        "entrydocument": ("cases", "entrydocument"),
        "auditevent": ("core", "auditevent"),
    }
    targets = {}
    for reminder in Reminder.objects.select_related("content_type"):
        target = reminder.content_type.get_object_for_this_type(pk=reminder.object_id)
        targets[reminder.pk] = (type(target)._meta.model_name, target.pk)
        assert type(target) in (Case, InformationRequest)
    assert targets == seeded.reminder_targets
    with EntryDocument.objects.get(pk=seeded.document_id).file.open("rb") as stored:
        assert stored.read() == DOCUMENT


def _assert_new_rows_take_new_keys(seeded: Seeded, before: dict[str, Any]) -> None:
    """The renamed tables keep their id sequences: a new row never collides with a moved one."""
    case = Case.objects.select_related("panel__chair").get(pk=seeded.cases[0])
    new_rows = {
        "casetransition": CaseTransition.objects.create(case=case, from_status="discussed", to_status="adopted", at=AT),
        "informationrequest": InformationRequest.objects.create(
            referral_id=case.pk,
            case=case,
            agency_id=case.panel.chair.agency_id,
            question="And now?",
            due_date=AT.date(),
            requested_by=case.panel.chair,
        ),
        "entrydocument": EntryDocument.objects.create(
            entry_id=seeded.links[0][0],
            file="entries/new",
            original_name="new.pdf",
            content_type="application/pdf",
            size=1,
        ),
    }
    for name, row in new_rows.items():
        assert row.pk > max(before[name]), name


@pytest.mark.django_db(transaction=True)
def test_the_move_reverses_and_replays(old_layout: Apps, media: Path) -> None:
    seed_old_layout(old_layout)
    seeded = snapshot(old_layout, OLD)

    for _ in range(2):
        assert snapshot(migrate().apps, NEW) == seeded
        assert snapshot(migrate(BEFORE_MOVE).apps, OLD) == seeded
    assert snapshot(migrate().apps, NEW) == seeded
