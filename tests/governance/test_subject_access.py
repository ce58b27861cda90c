"""Subject access: an auditor cleared to the highest level produces everything held about one
person, each item marked with its originating agency and classification, and the log of who
accessed it, as JSON and as a PDF; production is audited. Everyone else is refused (403)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Model, Q
from django.test import Client
from django.utils import timezone

from cases import services as case_services
from cases.models import Case
from core.models import AuditEvent, AuditVerb
from governance.subject_access import NOT_ABOUT_THE_PERSON, covered_models, subject_access_summary
from panels import services as panel_services
from partnership.models import Agency, User
from referrals.models import Person, PossibleMatch
from tests.conftest import sign_in_verified
from tests.governance.conftest import BREAK_GLASS_REASON, CONCERNS, CONTRIBUTION_TEXT, PDF, TrailWorld
from tests.pages import pinned_get
from tests.partnership.factories import AuditorUserFactory, clearance

pytestmark = pytest.mark.django_db

START = "/governance/subject-access/"
BUNDLE_QUERIES = 27
SUMMARY_QUERIES = 4


def urls(reference: str) -> list[str]:
    return [
        START,
        f"{START}{reference}/",
        f"{START}{reference}/bundle.json",
        f"{START}{reference}/bundle.pdf",
        f"{START}{reference}/bundle.zip",
    ]


def bundle_of(client: Client, reference: str) -> dict[str, Any]:
    response = client.get(f"{START}{reference}/bundle.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


# --- Which models are about the person: walked here from the foreign keys, not from the code ---------


def paths_to_person(model: type[Model], seen: frozenset[type[Model]] = frozenset()) -> list[str]:
    """Every chain of forward foreign keys (and one-to-ones) from ``model`` to ``Person``, as lookups."""
    if model is Person:
        return ["pk"]
    found = []
    for f in model._meta.concrete_fields:
        target = f.related_model if f.is_relation else None
        if target is None or target in seen or target is model:
            continue
        for rest in paths_to_person(target, seen | {model}):
            found.append(f.name if rest == "pk" else f"{f.name}__{rest}")
    return found


def models_about_a_person() -> dict[str, list[str]]:
    walked = {m._meta.label: paths_to_person(m) for m in apps.get_models()}
    return {label: paths for label, paths in walked.items() if paths}


def test_every_model_with_a_path_to_the_person_is_in_the_bundle_or_said_why_not() -> None:
    linked = set(models_about_a_person())
    assert {"referrals.Referral", "cases.Case", "panels.ConsentRecord", "panels.Intervention"} <= linked
    uncovered = linked - covered_models() - set(NOT_ABOUT_THE_PERSON)
    assert not uncovered, f"Models about a person missing from the subject access bundle: {sorted(uncovered)}"
    assert not (covered_models() - linked), "A section names a model with no path to the person"


def test_the_bundle_holds_exactly_the_records_with_a_path_to_the_person(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    case = Case.objects.filter(support_plan__isnull=False).select_related("referral").order_by("pk").first()
    assert case is not None
    chair = User.objects.get(username="chair")
    panel_services.add_action(
        actor=chair,
        case_id=case.pk,
        description="Arrange mentoring introduction",
        owner_agency_id=Agency.objects.get(users__username="probation.spoc").pk,
        due_date=timezone.localdate() + dt.timedelta(days=21),
    )
    person_id = case.referral.subject_id
    expected = set()
    for label, paths in models_about_a_person().items():
        if label in NOT_ABOUT_THE_PERSON:
            continue
        model = apps.get_model(label)
        condition = Q()
        for path in paths:
            condition |= Q(**{path: person_id})
        expected |= {
            (model._meta.label_lower, pk)
            for pk in model._default_manager.filter(condition).values_list("pk", flat=True)
        }
    officer = AuditorUserFactory(clearance=clearance(3))
    client = Client()
    sign_in_verified(client, officer)
    bundle = bundle_of(client, case.reference)
    assert {(item["model"], item["id"]) for item in bundle["items"]} == expected
    kinds = {model for model, _ in expected}
    assert {"panels.discussion", "panels.consentrecord", "panels.supportplan", "panels.action"} <= kinds


# --- What the bundle says -------------------------------------------------------------------------------


def test_each_item_says_where_it_came_from_and_how_it_is_classified(tw: TrailWorld, signed_in: Any) -> None:
    bundle = bundle_of(signed_in(tw.auditor), tw.case.reference)
    by_model: dict[str, list[dict[str, Any]]] = {}
    for item in bundle["items"]:
        by_model.setdefault(item["model"], []).append(item)
        assert item["originating_agency"], item
        assert item["classification"]["rank"] >= 1
        assert item["classification"]["name"]
    (referral,) = by_model["referrals.referral"]
    assert referral["fields"]["concerns"] == CONCERNS
    assert referral["originating_agency"] == tw.w.school.name
    assert referral["classification"] == {"rank": 1, "name": "Baseline"}
    (person,) = by_model["referrals.person"]
    assert (person["fields"]["given_name"], person["fields"]["family_name"]) == ("Amira", "Khan")
    (contribution,) = [e for e in by_model["referrals.chronologyentry"] if e["fields"]["body"] == CONTRIBUTION_TEXT]
    assert contribution["originating_agency"] == tw.w.health.name
    (document,) = by_model["cases.entrydocument"]
    assert document["originating_agency"] == tw.w.health.name
    assert document["fields"]["original_name"] == "letter.pdf"
    assert "file" not in document["fields"]
    for model in ("referrals.attachment", "cases.case", "cases.informationrequest", "cases.contribution"):
        assert by_model.get(model), model
    assert "Noah" not in json.dumps(bundle)
    assert bundle["subject_access"]["case_reference"] == tw.case.reference
    assert bundle["counts"]["Referral"] == 1


def test_the_access_log_names_who_read_and_the_break_glass_opening(tw: TrailWorld, signed_in: Any) -> None:
    bundle = bundle_of(signed_in(tw.auditor), tw.case.reference)
    log = bundle["access_log"]
    readers = {line["actor"] for line in log if line["action"] in ("Viewed a record", "Downloaded a document")}
    assert readers == {tw.w.teacher.username, tw.w.chair.username}
    (opening,) = [line for line in log if line["action"] == "Break-glass access"]
    assert opening["actor"] == tw.outsider.username
    assert opening["break_glass"] is True
    assert opening["reason"] == BREAK_GLASS_REASON
    assert all(line["reference"] in (tw.referral.reference, tw.case.reference) for line in log if line["reference"])


def test_producing_the_bundle_is_audited_as_an_export(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    bundle_of(client, tw.referral.reference)
    pdf = client.get(f"{START}{tw.referral.reference}/bundle.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    events = AuditEvent.objects.filter(verb=AuditVerb.EXPORTED, actor_id=tw.auditor.pk, object_id=str(tw.referral.pk))
    assert sorted(e.details["subject_access"] for e in events) == ["json", "pdf"]
    for event in events:
        assert event.object_type == "referrals.referral"
        assert event.details["items"]["Referral"] == 1
        assert event.details["access_events"] > 0
    assert "Amira" not in json.dumps([e.details for e in events])


def test_the_person_page_counts_what_is_held_and_offers_the_downloads(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    found = client.get(f"{START}?reference={tw.case.reference.lower()}")
    assert found.status_code == 302
    assert found["Location"] == f"{START}{tw.case.reference}/"
    page = client.get(found["Location"]).content.decode()
    assert "Contribution document" in page
    assert f"{START}{tw.case.reference}/bundle.pdf" in page
    assert f"{START}{tw.case.reference}/bundle.json" in page
    assert CONCERNS not in page
    assert "Amira" not in page
    bad = client.get(f"{START}?reference=not-a-reference")
    assert bad.status_code == 400
    assert "There is a problem" in bad.content.decode()


def test_the_person_page_counts_what_the_bundle_holds(tw: TrailWorld, signed_in: Any) -> None:
    PossibleMatch.objects.create(referral=tw.other, matched=tw.referral, reasons=["same date of birth"])
    summary = subject_access_summary(viewer=tw.auditor, reference=tw.case.reference)
    bundle = bundle_of(signed_in(tw.auditor), tw.case.reference)
    assert summary.counts == bundle["counts"]
    assert (summary.counts["Referral"], summary.counts["Contribution document"]) == (1, 1)
    assert summary.counts["Possible duplicate"] == 1
    # The bundle's log also holds the look at the person page, recorded after it counted.
    assert summary.access_events == len(bundle["access_log"]) - 1
    assert summary.possible_matches == [tw.other.reference]
    assert subject_access_summary(viewer=tw.auditor, reference=tw.other.reference).possible_matches == [
        tw.case.reference
    ]


def test_a_reference_that_names_nothing_is_not_found(tw: TrailWorld, signed_in: Any) -> None:
    client = signed_in(tw.auditor)
    for url in urls("CASE-2026-999999")[1:]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"{START}{tw.case.reference}/bundle.xml").status_code == 404


def test_the_search_page_links_to_subject_access(tw: TrailWorld, signed_in: Any) -> None:
    assert f'href="{START}"' in signed_in(tw.auditor).get("/governance/audit/").content.decode()


# --- Who may produce it -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["auditor_below_top_clearance", "another_agency", "below_clearance", "admin"])
def test_everyone_else_is_refused_and_nothing_is_produced(tw: TrailWorld, signed_in: Any, who: str) -> None:
    user = {
        "auditor_below_top_clearance": AuditorUserFactory(clearance=clearance(2)),
        "another_agency": tw.w.health_spoc,
        "below_clearance": tw.w.teacher,
        "admin": tw.admin,
    }[who]
    client = signed_in(user)
    before = AuditEvent.objects.count()
    for url in urls(tw.case.reference):
        response = client.get(url)
        assert response.status_code == 403, url
        assert CONCERNS not in response.content.decode()
        assert "Amira" not in response.content.decode()
    if who == "auditor_below_top_clearance":
        assert "cleared to the highest level" in client.get(START).content.decode()
    assert AuditEvent.objects.count() == before


def test_anonymous_visitors_are_sent_to_sign_in(tw: TrailWorld) -> None:
    for url in urls(tw.case.reference):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_the_bundle_costs_the_same_whatever_the_number_of_items(
    tw: TrailWorld, signed_in: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(tw.auditor)
    url = f"{START}{tw.case.reference}/bundle.json"
    # The user (with their devices, docs/adr/0031); the highest clearance; the referral; one query a
    # kind of record (22: each its own columns, with the names of the people, agencies and clearance
    # level it points at joined in); the access log; the audit of the export.
    before = len(json.loads(pinned_get(client, url, BUNDLE_QUERIES, django_assert_num_queries).content)["items"])
    for n in range(3):
        case_services.add_case_note(
            actor=tw.w.chair, referral_id=tw.referral.pk, text=f"A note about progress, number {n}", classification=1
        )
    with django_assert_num_queries(BUNDLE_QUERIES):
        assert len(json.loads(client.get(url).content)["items"]) == before + 3


def test_the_zip_holds_the_bundle_and_the_documents_themselves(tw: TrailWorld, signed_in: Any) -> None:
    response = signed_in(tw.auditor).get(f"{START}{tw.case.reference}/bundle.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        assert {"bundle.json", "bundle.pdf"} <= names
        documents = {name: archive.read(name) for name in names if name.startswith("documents/")}
        bundle = json.loads(archive.read("bundle.json"))
    assert set(documents) == {
        f"documents/referrals-attachment-{tw.attachment.pk}-{tw.attachment.original_name}",
        f"documents/cases-entrydocument-{tw.document.pk}-letter.pdf",
    }
    assert documents[f"documents/cases-entrydocument-{tw.document.pk}-letter.pdf"] == PDF
    assert "missing.txt" not in names
    assert bundle["subject_access"]["case_reference"] == tw.case.reference
    produced = AuditEvent.objects.get(verb=AuditVerb.EXPORTED, actor_id=tw.auditor.pk)
    assert produced.details["subject_access"] == "zip"


def test_a_possible_duplicate_is_offered_but_its_records_stay_out_of_the_bundle(tw: TrailWorld, signed_in: Any) -> None:
    PossibleMatch.objects.create(referral=tw.other, matched=tw.referral, reasons=["same date of birth"])
    client = signed_in(tw.auditor)
    page = client.get(f"{START}{tw.case.reference}/").content.decode()
    assert f'href="{START}{tw.other.reference}/"' in page
    bundle = bundle_of(client, tw.case.reference)
    (link,) = [item for item in bundle["items"] if item["model"] == "referrals.possiblematch"]
    assert (link["fields"]["referral"], link["fields"]["matched"]) == (tw.other.pk, tw.referral.pk)
    assert "Noah" not in json.dumps(bundle)
    assert not [item for item in bundle["items"] if item["model"] == "referrals.referral" and item["id"] == tw.other.pk]


def test_the_person_page_costs_a_fixed_number_of_queries(
    tw: TrailWorld, signed_in: Any, django_assert_num_queries: Any
) -> None:
    client = signed_in(tw.auditor)
    url = f"{START}{tw.case.reference}/"
    # The frame (the user with their devices and unread count, docs/adr/0031); the highest clearance;
    # the referral with, as subqueries of the same query, a count a kind of record, the count of access
    # events and the possible duplicates' references; the audit of the look.
    assert pinned_get(client, url, SUMMARY_QUERIES, django_assert_num_queries).status_code == 200
    case_services.add_case_note(
        actor=tw.w.chair, referral_id=tw.referral.pk, text="Another note about progress", classification=1
    )
    with django_assert_num_queries(SUMMARY_QUERIES):
        assert client.get(url).status_code == 200
