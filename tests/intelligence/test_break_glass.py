"""Break-glass for tension reports, as for referrals (DESIGN.md rule 9): a case worker whose clearance
(and, for an originator-only report, agency) the report admits may open it for a stated reason; the
opening and every read under it are flagged in the trail and wait for an auditor's review. Anyone else
gets exactly what a reference that names nothing gets, so the page says nothing of the report."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.errors import PermissionDenied
from core.models import AuditEvent, AuditVerb
from governance import services as governance_services
from governance.models import BreakGlassReview
from intelligence import services
from partnership.models import Role
from sharing.models import BreakGlass
from tests.intelligence.conftest import TensionWorld
from tests.world import client_for, new_user

pytestmark = pytest.mark.django_db

URL = "/intelligence/tensions/break-glass/"
REASON = "The police asked us about tonight's march at the mosque"
NO_MATCH = "No tension report you can open with that reference"


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def open_by(world: TensionWorld, user: Any, reference: str, reason: str = REASON) -> Any:
    return client_for(user).post(URL, {"reference": reference, "reason": reason})


def test_a_cleared_case_worker_opens_a_report_not_shared_with_them(world: TensionWorld) -> None:
    report = world.report(summary="March past the mosque planned")
    client = client_for(world.outsider)
    assert client.get(f"/intelligence/tensions/{report.pk}/").status_code == 404
    response = client.post(URL, {"reference": report.reference.lower(), "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/intelligence/tensions/{report.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = text_of(page)
    assert "March past the mosque planned" in text
    assert f"You have opened {report.reference} with break-glass access" in text
    assert "reading this tension report with break-glass access" in text
    opening = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=world.outsider.pk)
    assert (opening.object_type, opening.object_id) == ("intelligence.tensionreport", str(report.pk))
    assert opening.break_glass is True
    assert opening.reason == REASON
    read = AuditEvent.objects.get(verb=AuditVerb.RECORD_VIEWED, actor_id=world.outsider.pk)
    assert read.break_glass is True
    assert BreakGlass.objects.filter(user=world.outsider, object_id=report.pk).count() == 1


def test_break_glass_gives_reading_only(world: TensionWorld) -> None:
    report = world.report()
    outsider = world.outsider
    assert open_by(world, outsider, report.reference).status_code == 302
    page = text_of(client_for(outsider).get(f"/intelligence/tensions/{report.pk}/"))
    for offer in ("Record the review", "Share the report", "Link to an event"):
        assert offer not in page
    with pytest.raises(PermissionDenied, match="Break-glass gives reading only"):
        services.review_tension_report(actor=outsider, report_id=report.pk, note="Agreed")
    with pytest.raises(PermissionDenied, match="Break-glass gives reading only"):
        services.share_tension_report(actor=outsider, report_id=report.pk, agency=outsider.agency, reason="Mine now")


def _refused_like_nothing(world: TensionWorld, user: Any, reference: str) -> None:
    """The answer to ``reference`` is the answer to a reference that names nothing, and nothing is opened."""
    before = AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS).count()
    refused = open_by(world, user, reference)
    nothing = open_by(world, user, "TEN-1999-999999")
    assert refused.status_code == nothing.status_code == 400
    assert NO_MATCH in text_of(refused)
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|TEN-\d{4}-\d+|ten-\d{4}-\d+')
    assert strip.sub("", refused.content.decode()) == strip.sub("", nothing.content.decode())
    assert AuditEvent.objects.filter(verb=AuditVerb.BREAK_GLASS).count() == before
    assert not BreakGlass.objects.filter(user=user).exists()


def test_below_the_reports_clearance_is_told_nothing(world: TensionWorld) -> None:
    report = world.report(author=world.police_spoc, classification=3)
    _refused_like_nothing(world, world.officer_council, report.reference)


def test_another_agencys_originator_only_report_is_told_nothing(world: TensionWorld) -> None:
    report = world.report(originator_only=True)
    _refused_like_nothing(world, world.outsider, report.reference)


def test_the_source_agency_opens_its_own_originator_only_report(world: TensionWorld) -> None:
    report = world.report(author=world.officer_council, originator_only=True)
    colleague = new_user(world.council, 2, Role.PRACTITIONER)
    assert open_by(world, colleague, report.reference).status_code == 302


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_people_who_read_no_case_content_get_not_found(world: TensionWorld, who: str) -> None:
    report = world.report()
    user = getattr(world, who)
    client = client_for(user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"reference": report.reference, "reason": REASON}).status_code == 404
    assert not BreakGlass.objects.filter(user=user).exists()


def test_a_reason_is_required_and_nothing_is_opened_without_one(world: TensionWorld) -> None:
    report = world.report()
    response = open_by(world, world.outsider, report.reference, reason="urgent")
    assert response.status_code == 400
    assert "Explain why you need to open this tension report (at least 10 characters)" in text_of(response)
    assert not BreakGlass.objects.exists()


def test_the_form_page_is_offered_to_case_workers_and_linked_from_the_log(world: TensionWorld) -> None:
    client = client_for(world.outsider)
    page = client.get(URL)
    assert page.status_code == 200
    assert "Open a tension report in an emergency" in text_of(page)
    assert URL in client.get("/intelligence/tensions/").content.decode()


def test_an_auditor_reviews_the_opening_named_by_its_reference(world: TensionWorld) -> None:
    report = world.report()
    assert open_by(world, world.outsider, report.reference).status_code == 302
    auditor = world.auditor
    client = client_for(auditor)
    queue = text_of(client.get("/governance/break-glass/"))
    assert report.reference in queue
    assert world.outsider.username in queue
    assert report.summary not in queue
    opening = AuditEvent.objects.get(verb=AuditVerb.BREAK_GLASS, actor_id=world.outsider.pk)
    governance_services.review_break_glass_opening(
        actor=auditor, event_id=opening.pk, decision="justified", note="Confirmed with the duty inspector."
    )
    assert BreakGlassReview.objects.get(opening=opening).reviewed_by_id == auditor.pk
    assert report.reference in text_of(client.get("/governance/break-glass/?show=reviewed"))
