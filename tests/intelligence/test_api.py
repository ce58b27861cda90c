"""The tension and self-assessment API: in the schema, who gets what, bad input, query counts pinned."""

from __future__ import annotations

import pytest

from intelligence.models import SelfAssessment, TensionReport
from tests.intelligence.conftest import TensionWorld
from tests.world import Api

pytestmark = pytest.mark.django_db


def test_the_endpoints_take_the_methods_of_the_contract(client) -> None:
    """The paths are in ``tests/test_openapi.py``'s contract; here, what each of them takes."""
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/tension-reports/"])
    assert "get" in paths["/api/v1/tension-reports/{report_id}/"]
    assert "post" in paths["/api/v1/tension-reports/{report_id}/shares/"]
    assert {"get", "post"} <= set(paths["/api/v1/self-assessments/"])
    assert "get" in paths["/api/v1/self-assessments/{assessment_id}/"]


def _create(api: Api, world: TensionWorld, **changes):
    body = {
        "occurred_on": str(world.days_ago(1)),
        "area": world.north.pk,
        "category": "hate_incident",
        "level": 4,
        "trend": "rising",
        "summary": "Graffiti on the community centre",
        "classification": 1,
        **changes,
    }
    return api.post("tension-reports/", body)


def test_a_case_worker_records_a_report_for_their_agency(world: TensionWorld) -> None:
    answer = _create(Api(world.teacher), world)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["source_agency"] == world.school.pk
    assert body["level"] == 4
    assert body["events"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area": 999999}, "area"),
        ({"level": 9}, "level"),
        ({"classification": 3}, "classification"),  # above the teacher's own clearance
        ({"summary": ""}, "summary"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
    ],
)
def test_bad_input_is_a_400_with_the_field_and_writes_nothing(world: TensionWorld, changes, field) -> None:
    answer = _create(Api(world.teacher), world, **changes)
    assert answer.status_code == 400
    assert field in answer.json()
    assert not TensionReport.objects.exists()


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_admins_and_auditors_record_and_read_no_reports(world: TensionWorld, who: str) -> None:
    report = world.report()
    api = Api(getattr(world, who))
    assert _create(api, world).status_code == 403
    assert api.get("tension-reports/").json()["results"] == []
    assert api.get(f"tension-reports/{report.pk}/").status_code == 404


def test_who_reads_a_report_through_the_api(world: TensionWorld) -> None:
    report = world.report(classification=2)
    world.share(report, world.health, world.police)
    readers = {"officer_council": True, "health_spoc": True, "health_baseline": False, "police_spoc": True}
    readers |= {"outsider": False, "teacher": False}
    for name, reads in readers.items():
        api = Api(getattr(world, name))
        assert api.get(f"tension-reports/{report.pk}/").status_code == (200 if reads else 404), name
        assert (report.pk in [r["id"] for r in api.get("tension-reports/").json()["results"]]) == reads, name


def test_sharing_through_the_api(world: TensionWorld) -> None:
    report = world.report()
    assert (
        Api(world.health_spoc).post(f"tension-reports/{report.pk}/shares/", {"agency": world.health.pk}).status_code
        == 404
    )
    answer = Api(world.officer_council).post(
        f"tension-reports/{report.pk}/shares/", {"agency": world.health.pk, "reason": "Weekly review"}
    )
    assert answer.status_code == 201
    assert Api(world.health_spoc).get(f"tension-reports/{report.pk}/").status_code == 200
    assert (
        Api(world.officer_council).post(f"tension-reports/{report.pk}/shares/", {"agency": world.health.pk}).status_code
        == 400
    )


def test_list_and_detail_queries_are_pinned(world: TensionWorld, django_assert_max_num_queries) -> None:
    for _ in range(3):
        world.share(world.report(), world.health)
    api = Api(world.health_spoc)
    api.get("tension-reports/")  # the token's first use
    with django_assert_max_num_queries(8):
        assert len(api.get("tension-reports/").json()["results"]) == 3
    first = TensionReport.objects.first()
    with django_assert_max_num_queries(10):
        assert api.get(f"tension-reports/{first.pk}/").status_code == 200


def test_self_assessments_members_read_and_editors_start(world: TensionWorld) -> None:
    assert Api(world.admin).post("self-assessments/", {"year": 2025}).status_code == 201
    assert Api(world.chair).post("self-assessments/", {"year": 2024}).status_code == 201
    assert Api(world.teacher).post("self-assessments/", {"year": 2023}).status_code == 403
    assert Api(world.admin).post("self-assessments/", {"year": 2025}).status_code == 400
    assert Api(world.admin).post("self-assessments/", {"year": "soon"}).status_code == 400
    for reader in (world.teacher, world.auditor, world.health_spoc):
        years = [row["year"] for row in Api(reader).get("self-assessments/").json()]
        assert years == [2025, 2024]
    assessment = SelfAssessment.objects.get(year=2025)
    detail = Api(world.teacher).get(f"self-assessments/{assessment.pk}/").json()
    assert detail["scores"] == []
    assert Api(world.teacher).get("self-assessments/999999/").status_code == 404


@pytest.mark.parametrize("rows", [1, 4])
def test_self_assessment_queries_are_pinned(world: TensionWorld, rows: int, django_assert_num_queries) -> None:
    """The list and one year cost the same with one year, score and action as with several: the token, the
    years (list); the token, the year, its scores with their dimensions, its actions with owners and dimensions
    (detail)."""
    year = world.assessed_years(rows)[-1]
    api = Api(world.teacher)
    api.get("self-assessments/")  # the token's first use
    with django_assert_num_queries(2):
        assert len(api.get("self-assessments/").json()) == rows
    with django_assert_num_queries(4):
        body = api.get(f"self-assessments/{year.pk}/").json()
    assert len(body["scores"]) == rows
    assert len(body["actions"]) == rows
