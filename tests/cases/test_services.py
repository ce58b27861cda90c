from __future__ import annotations

import pytest

from cases import selectors as case_selectors
from cases import services as case_services
from cases.lifecycle import CASE_TRANSITIONS
from cases.models import CaseStatus
from core.errors import ConflictError, InvalidTransition, PermissionDenied
from referrals.lifecycle import REFERRAL_TRANSITIONS
from referrals.models import ReferralStatus
from tests.partnership.api_helpers import token_headers
from tests.world import Partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return Partnership()


def test_screening_to_panel_opens_a_case_owned_by_the_coordinator(world):
    case = world.case()
    assert case.reference.startswith("CASE-")
    assert case.referral.status == ReferralStatus.ACCEPTED
    assert case.referral.outcome == "SCR-PANEL"
    assert case.status == CaseStatus.INFORMATION_GATHERING
    assert case_selectors.access_case(viewer=world.chair, case_id=case.pk) == case


def test_only_screening_officers_screen(world):
    referral = world.referral()
    with pytest.raises(PermissionDenied):
        case_services.screen_referral(
            actor=world.teacher, referral_id=referral.pk, decision="no_further_action", rationale="x"
        )


def test_screening_clock_counts_working_days(world):
    referral = world.referral()
    assert referral.screening_due_at is not None
    assert referral.screening_due_at > referral.submitted_at


# The case workflow of DESIGN.md, spelled out here (never read from the code under test):
# information gathering -> discussed at panel -> adopted or not adopted -> support plan active
# -> exited -> post-exit review at 6 months -> (12 months) closed. A case can go back to
# information gathering after a discussion, be adopted or not without a separate discussion
# step, and exit straight from adoption (e.g. consent refused before a plan starts).
CASE_WORKFLOW = {
    ("information_gathering", "discussed"),
    ("information_gathering", "adopted"),
    ("information_gathering", "not_adopted"),
    ("discussed", "information_gathering"),
    ("discussed", "adopted"),
    ("discussed", "not_adopted"),
    ("adopted", "support_active"),
    ("adopted", "exited"),
    ("support_active", "exited"),
    ("exited", "reviewed_6_months"),
    ("reviewed_6_months", "closed"),
    ("not_adopted", "closed"),
}

# The referral workflow of DESIGN.md: draft -> submitted -> screening -> closed (no further
# action), signposted or accepted for panel; a submitted referral may be decided straight away.
REFERRAL_WORKFLOW = {
    ("draft", "submitted"),
    ("submitted", "screening"),
    ("submitted", "closed"),
    ("submitted", "signposted"),
    ("submitted", "accepted"),
    ("screening", "closed"),
    ("screening", "signposted"),
    ("screening", "accepted"),
}


def test_the_case_table_is_the_designed_workflow():
    declared = {(s, t) for s, targets in CASE_TRANSITIONS.items() for t in targets}
    assert declared == CASE_WORKFLOW
    assert set(CASE_TRANSITIONS) == set(CaseStatus.values)


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in CaseStatus.values for t in CaseStatus.values if s != t],
)
def test_every_case_transition_is_allowed_or_refused_by_the_table(world, source, target):
    from cases.models import Case

    case = world.case()
    Case.objects.filter(pk=case.pk).update(status=source)
    if (source, target) in CASE_WORKFLOW:
        moved = case_services.transition_case(
            actor=world.chair, case_id=case.pk, to_status=target, reason="Panel agreed"
        )
        assert moved.status == target
        assert moved.transitions.last().actor == world.chair
    else:
        with pytest.raises(InvalidTransition, match="cannot become"):
            case_services.transition_case(actor=world.chair, case_id=case.pk, to_status=target, reason="Panel agreed")
        assert Case.objects.get(pk=case.pk).status == source


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s in ReferralStatus.values for t in ReferralStatus.values if s != t],
)
def test_referral_transition_table_is_the_designed_workflow(source, target):
    assert set(REFERRAL_TRANSITIONS) == set(ReferralStatus.values)
    assert (target in REFERRAL_TRANSITIONS[source]) == ((source, target) in REFERRAL_WORKFLOW)


def test_stale_case_edit_is_refused(world):
    case = world.case()
    case_services.transition_case(
        actor=world.chair, case_id=case.pk, to_status="discussed", reason="First look", expected_version=case.version
    )
    with pytest.raises(ConflictError, match="Someone changed"):
        case_services.transition_case(
            actor=world.chair, case_id=case.pk, to_status="adopted", reason="Stale", expected_version=case.version
        )


def test_stale_case_edit_is_412_in_the_api(client, world):
    case = world.case()
    headers = token_headers(world.chair)
    current = client.get(f"/api/v1/cases/{case.pk}/", **headers)
    etag = current["ETag"]
    ok = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"status": "discussed", "reason": "Panel"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **headers,
    )
    assert ok.status_code == 200, ok.content
    stale = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"status": "adopted", "reason": "Panel"},
        content_type="application/json",
        HTTP_IF_MATCH=etag,
        **headers,
    )
    assert stale.status_code == 412
    refused = client.post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"status": "closed", "reason": "Panel"},
        content_type="application/json",
        HTTP_IF_MATCH=ok["ETag"],
        **headers,
    )
    assert refused.status_code == 409
    assert "cannot become" in refused.json()["detail"]


def test_contribution_above_baseline_shows_summary_and_withheld(client, world):
    case = world.case()
    [request] = world.ask(case)
    world.answer(request, "Detailed SC text", 2, releasable_summary="Known to CAMHS")
    case_services.add_case_note(
        actor=world.health_spoc, referral_id=case.pk, text="SC note no summary", classification=2
    )
    baseline = client.get(f"/api/v1/cases/{case.pk}/chronology/", **token_headers(world.health_baseline)).json()
    texts = [e["text"] for e in baseline["entries"]]
    assert "Known to CAMHS" in texts
    assert "Detailed SC text" not in texts
    assert "SC note no summary" not in texts
    assert baseline["withheld"] == 1
    cleared = client.get(f"/api/v1/cases/{case.pk}/chronology/", **token_headers(world.health_spoc)).json()
    texts = [e["text"] for e in cleared["entries"]]
    assert "Detailed SC text" in texts
    assert "SC note no summary" in texts
    assert cleared["withheld"] == 0
    times = [e["occurred_at"] for e in cleared["entries"]]
    assert times == sorted(times)


def test_contribution_above_baseline_needs_a_summary(world):
    from core.errors import ValidationError

    case = world.case()
    [request] = world.ask(case, question="Anything?")
    with pytest.raises(ValidationError) as caught:
        world.answer(request, "x", 2)
    assert "releasable_summary" in caught.value.message_dict


def test_requested_agency_gains_access(client, world):
    case = world.case()
    headers = token_headers(world.health_baseline)
    assert client.get(f"/api/v1/cases/{case.pk}/", **headers).status_code == 404
    world.ask(case, question="Q")
    assert client.get(f"/api/v1/cases/{case.pk}/", **headers).status_code == 200
    listed = client.get("/api/v1/information-requests/", **token_headers(world.health_spoc)).json()
    assert [r["case"] for r in listed] == [case.pk]


def test_chronology_query_count_is_fixed(client, world, django_assert_num_queries):
    case = world.case()
    headers = token_headers(world.chair)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/cases/{case.pk}/chronology/", **headers).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(10):
        case_services.add_case_note(actor=world.chair, referral_id=case.pk, text=f"note {n}", classification=1)
    assert count() == before
