"""Every page of intelligence/ asked by everyone who might ask it, and what each of them sees.

The cast (``TensionWorld`` plus two health practitioners, a chair named on no panel and someone holding
no role): a Security Check (rank 2) report recorded by the council's officer and shared with health.

* the source: ``officer_council`` (its author) and ``chair`` (council, chairs the partnership's panel);
* the agency it is shared with: ``health_spoc`` (a SPOC: reviews) and ``health_reader`` (a practitioner);
* below the clearance, in that agency: ``health_baseline`` (rank 1);
* another agency, cleared above it: ``outsider`` (probation, rank 3, never shared with);
* ``admin`` (partnership admin) and ``auditor``: no case content by their role alone (DESIGN.md rule 8).

What each may do is written out here from DESIGN.md rules 4-8 and the capabilities in the module docstring
of ``intelligence.permissions``, never read back from the code: a report that may not be read answers 404
(and its page names nothing of it), a reader without the capability 403.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEvent, AuditVerb, Reminder
from intelligence import services
from intelligence.models import (
    ActionStatus,
    Area,
    AssessmentAction,
    AssessmentDimension,
    AssessmentStatus,
    DimensionScore,
    LevelDescriptor,
    ResponseAction,
    SelfAssessment,
    TensionEvent,
    TensionReport,
)
from partnership.models import Role, User
from sharing.models import Share, ShareBasis
from tests.intelligence.conftest import TensionWorld
from tests.sharing.worlds import verified_session
from tests.world import add_action, link_march, new_user

pytestmark = pytest.mark.django_db

SOURCE = ("officer_council", "chair")
SHARED = ("health_spoc", "health_reader")
DENIED = ("health_baseline", "outsider", "admin", "auditor")
EVERYONE = (*SOURCE, *SHARED, *DENIED)
CASE_WORKERS = (*SOURCE, *SHARED, "health_baseline", "outsider")
REVIEWERS = ("chair", "health_spoc")  # the chair of a panel and a SPOC
PLANNERS = ("officer_council", "chair", "health_spoc")  # the source agency, or a reviewer
SHARERS = ("officer_council",)  # the author (or a SPOC of the source agency: there is none here)


def _expected(allowed: tuple[str, ...], *, ok: int = 200) -> dict[str, int]:
    """``ok`` for those allowed, 403 for other readers, 404 for everyone the report does not exist for."""
    return {name: ok if name in allowed else 403 if name in (*SOURCE, *SHARED) else 404 for name in EVERYONE}


class Scene:
    """The tension world with one shared report, an originator-only report of the council's, an event
    with a response action, and a browser session per person."""

    def __init__(self, world: TensionWorld) -> None:
        self.world = world
        world.people(
            health_reader=(world.health, 2, Role.PRACTITIONER),
            lone_chair=(world.council, 2, Role.PANEL_CHAIR),
        )
        self.report = world.report(classification=2, summary="Leaflets by the mosque")
        world.share(self.report, world.health)
        self.kept = world.report(classification=2, originator_only=True, summary="Kept inside the council")
        world.share(self.kept, world.health)
        self.event = link_march(
            world.officer_council,
            self.report,
            title="Saturday march",
            starts_at=timezone.now() + dt.timedelta(days=4),
            location="Market Square",
            lead_agency=world.police,
            response_plan="Police lead on the day; the council briefs community leaders.",
        )
        self.action = add_action(
            world.officer_council,
            self.event,
            description="Brief the youth workers",
            owner_agency=world.health,
            due_date=timezone.localdate() + dt.timedelta(days=3),
        )
        self.health_share = Share.objects.get(agency=world.health, object_id=self.report.pk, basis=ShareBasis.EXPLICIT)
        self._clients: dict[str, Client] = {}

    def user(self, name: str) -> User:
        return getattr(self.world, name)  # type: ignore[no-any-return]

    def client(self, name: str) -> Client:
        if name not in self._clients:
            self._clients[name] = verified_session(Client(), self.user(name))
        return self._clients[name]

    def get(self, name: str, url: str) -> Any:
        return self.client(name).get(url)

    def post(self, name: str, url: str, data: dict[str, Any] | None = None) -> Any:
        return self.client(name).post(url, data or {})


@pytest.fixture
def scene(world: TensionWorld) -> Scene:
    return Scene(world)


def _statuses(scene: Scene, url: str, names: tuple[str, ...] = EVERYONE) -> dict[str, int]:
    return {name: scene.get(name, url).status_code for name in names}


# --- Tension reports -------------------------------------------------------------------------------------


def test_the_index_offers_tensions_to_case_workers_only(scene: Scene) -> None:
    for name in EVERYONE:
        page = scene.get(name, "/intelligence/").content.decode()
        assert ("This week's tension log" in page) == (name in CASE_WORKERS), name
        assert "yearly self-assessment" in page, name


def test_the_record_page_is_for_case_workers(scene: Scene) -> None:
    assert _statuses(scene, "/intelligence/tensions/new/") == {
        name: 200 if name in CASE_WORKERS else 404 for name in EVERYONE
    }


def test_who_opens_a_report_and_what_each_sees(scene: Scene) -> None:
    url = f"/intelligence/tensions/{scene.report.pk}/"
    assert _statuses(scene, url) == _expected((*SOURCE, *SHARED)) | dict.fromkeys(SHARED, 200)
    for name in EVERYONE:
        page = scene.get(name, url).content.decode()
        reads = name in (*SOURCE, *SHARED)
        for detail in (scene.report.reference, "Leaflets by the mosque", "Saturday march", "Brief the youth workers"):
            assert (detail in page) == reads, (name, detail)
        assert ("Record the review" in page) == (name in REVIEWERS), name
        assert ("Link to an event and plan the response" in page) == (name in PLANNERS), name
        assert ("Mark done" in page) == (name in PLANNERS), name
        assert ("Who can read this report" in page) == (name in SHARERS), name
        revoke = f"/intelligence/tensions/{scene.report.pk}/shares/{scene.health_share.pk}/revoke/"
        assert (revoke in page) == (name in SHARERS), name


def test_every_read_of_a_report_page_is_audited_and_a_refusal_is_not(scene: Scene) -> None:
    url = f"/intelligence/tensions/{scene.report.pk}/"
    for name in EVERYONE:
        scene.get(name, url)
    viewed = AuditEvent.objects.filter(verb=AuditVerb.RECORD_VIEWED, object_id=str(scene.report.pk))
    assert sorted(viewed.values_list("actor_username", flat=True)) == sorted(
        scene.user(name).username for name in (*SOURCE, *SHARED)
    )


def test_the_weekly_log_shows_what_each_reads_and_counts_only_their_own_agencys_withheld(scene: Scene) -> None:
    statuses = _statuses(scene, "/intelligence/tensions/")
    assert statuses == {name: 200 if name in CASE_WORKERS else 404 for name in EVERYONE}
    seen = {
        # name: (reports listed, withheld warning)
        "officer_council": (2, None),  # the shared report and the council's own originator-only one
        "chair": (2, None),
        "health_spoc": (1, None),
        "health_reader": (1, None),
        "health_baseline": (0, "1 report is withheld this week"),  # shared with health, above rank 1
        "outsider": (0, None),  # probation has been granted nothing: nothing to count
    }
    for name, (listed, withheld) in seen.items():
        page = scene.get(name, "/intelligence/tensions/").content.decode()
        assert (scene.report.reference in page) == (listed >= 1), name
        assert (scene.kept.reference in page) == (listed == 2), name
        assert ("Kept inside the council" in page) == (listed == 2), name
        if listed:
            assert f"{listed} report{'s' if listed > 1 else ''}, {listed} not yet reviewed." in page, name
        else:
            assert "There are no tension reports you can read for this week." in page, name
        assert ("withheld" in page) == (withheld is not None), name
        if withheld:
            assert withheld in page, name


def test_a_bad_week_is_an_error_page_not_a_500(scene: Scene) -> None:
    assert scene.get("officer_council", "/intelligence/tensions/?week=next-tuesday").status_code == 400


def _trend_total(page: str, area: str) -> str | None:
    """The Total cell of an area's table on the trends page; None when the area is not on the page."""
    section = page.split(f'<h2 class="govuk-heading-m">{area}</h2>')
    if len(section) == 1:
        return None
    found = re.search(r"Total</th>\s*<td[^>]*>\s*([^<\s]+)\s*</td>", section[1])
    assert found is not None
    return found.group(1)


def test_trends_count_only_what_each_reads_and_suppress_small_numbers(world: TensionWorld) -> None:
    world.people(health_reader=(world.health, 2, Role.PRACTITIONER))
    west = Area.objects.create(name="West Ward")
    for _ in range(6):
        world.share(world.report(classification=1), world.health)
    for _ in range(5):
        world.share(world.report(classification=2), world.health)
    world.report(area=world.east)  # the council's own, shared with no one
    for _ in range(3):
        world.report(author=world.outsider, area=west)  # probation's own
    expected = {
        # name: (North, East, West) Total cells, written out from who may read what
        "officer_council": ("11", "suppressed", None),  # 1 in East: never shown, nor a total giving it away
        "chair": ("11", "suppressed", None),
        "health_spoc": ("11", None, None),
        "health_reader": ("11", None, None),
        "health_baseline": ("6", None, None),  # the five rank-2 reports neither counted nor hinted at
        "outsider": (None, None, "suppressed"),
        "teacher": (None, None, None),
    }
    for name, totals in expected.items():
        answer = verified_session(Client(), getattr(world, name)).get("/intelligence/tensions/trends/")
        assert answer.status_code == 200, name
        page = answer.content.decode()
        assert tuple(_trend_total(page, area) for area in ("North Ward", "East Ward", "West Ward")) == totals, name
        if totals == (None, None, None):
            assert "There are no tension reports you can read" in page, name
    for name in ("admin", "auditor"):
        assert verified_session(Client(), getattr(world, name)).get("/intelligence/tensions/trends/").status_code == 404


def test_who_plans_the_response(scene: Scene) -> None:
    event_url = f"/intelligence/tensions/{scene.report.pk}/events/new/"
    action_url = f"/intelligence/events/{scene.event.pk}/actions/new/"
    assert _statuses(scene, event_url) == _expected(PLANNERS)
    assert _statuses(scene, action_url) == _expected(PLANNERS)
    day = timezone.localdate() + dt.timedelta(days=6)
    posted = {}
    for name in EVERYONE:
        posted[name] = scene.post(
            name,
            event_url,
            {
                "title": f"Vigil by {name}",
                "day_day": day.day,
                "day_month": day.month,
                "day_year": day.year,
                "time": "18:30",
                "location": "The park",
                "lead_agency": scene.world.council.pk,
                "response_plan": "Council leads.",
            },
        ).status_code
    assert posted == _expected(PLANNERS, ok=302)
    assert sorted(TensionEvent.objects.filter(title__startswith="Vigil by").values_list("title", flat=True)) == sorted(
        f"Vigil by {name}" for name in PLANNERS
    )


def test_who_closes_a_response_action(scene: Scene) -> None:
    url = f"/intelligence/response-actions/{scene.action.pk}/close/"
    refused = {}
    for name in EVERYONE:
        if name in PLANNERS:
            continue
        refused[name] = scene.post(name, url, {"status": "done"}).status_code
        assert ResponseAction.objects.get(pk=scene.action.pk).status == ActionStatus.OPEN, name
    assert refused == {name: code for name, code in _expected(PLANNERS).items() if name not in PLANNERS}
    assert scene.post("health_spoc", url, {"status": "done"}).status_code == 302
    assert ResponseAction.objects.get(pk=scene.action.pk).status == ActionStatus.DONE


def test_who_reviews_a_report(scene: Scene) -> None:
    url = f"/intelligence/tensions/{scene.report.pk}/review/"
    answers = {}
    for name in EVERYONE:
        answers[name] = scene.post(name, url, {"note": f"Agreed by {name}"}).status_code
    assert answers == _expected(REVIEWERS, ok=302)
    assert TensionReport.objects.get(pk=scene.report.pk).review_note == f"Agreed by {REVIEWERS[-1]}"


def test_who_shares_a_report(scene: Scene) -> None:
    url = f"/intelligence/tensions/{scene.report.pk}/share/"
    answers = {}
    for name in EVERYONE:
        answers[name] = scene.post(name, url, {"agency": scene.world.school.pk, "reason": f"By {name}"}).status_code
    assert answers == _expected(SHARERS, ok=302)
    shared = Share.objects.filter(agency=scene.world.school, object_id=scene.report.pk)
    assert list(shared.values_list("reason", flat=True)) == ["By officer_council"]


# --- Revoking a share --------------------------------------------------------------------------------------


def _revoke_url(scene: Scene, share: Share | None = None) -> str:
    return f"/intelligence/tensions/{scene.report.pk}/shares/{(share or scene.health_share).pk}/revoke/"


def test_who_opens_the_revoke_page_and_what_it_names(scene: Scene) -> None:
    assert _statuses(scene, _revoke_url(scene)) == _expected(SHARERS)
    page = scene.get("officer_council", _revoke_url(scene)).content.decode()
    assert "Revoke Health&#x27;s access" in page or "Revoke Health's access" in page
    for name in DENIED:
        assert "Health" not in scene.get(name, _revoke_url(scene)).content.decode().split("<main")[1], name


def test_revoking_from_the_page_ends_the_agencys_reading_and_is_audited(scene: Scene) -> None:
    for name in (*SHARED, *DENIED, "chair"):
        assert scene.post(name, _revoke_url(scene), {"reason": "No longer needed"}).status_code in (403, 404)
    assert Share.objects.get(pk=scene.health_share.pk).revoked_at is None
    answer = scene.post("officer_council", _revoke_url(scene), {"reason": "The march was called off"})
    assert answer.status_code == 302
    assert answer["Location"] == f"/intelligence/tensions/{scene.report.pk}/"
    share = Share.objects.get(pk=scene.health_share.pk)
    assert share.revoked_at is not None
    assert share.revoke_reason == "The march was called off"
    event = AuditEvent.objects.get(verb=AuditVerb.SHARE_REVOKED, object_id=str(scene.report.pk))
    assert event.reason == "The march was called off"
    for name in SHARED:
        assert scene.get(name, f"/intelligence/tensions/{scene.report.pk}/").status_code == 404, name
        assert scene.report.reference not in scene.get(name, "/intelligence/tensions/").content.decode(), name
    ledger = scene.get("officer_council", f"/intelligence/tensions/{scene.report.pk}/").content.decode()
    assert "Revoked" in ledger
    assert _revoke_url(scene) not in ledger
    assert scene.get("officer_council", _revoke_url(scene)).status_code == 404  # nothing left to revoke


def test_a_revoke_without_a_reason_shows_an_error_summary_and_revokes_nothing(scene: Scene) -> None:
    answer = scene.post("officer_council", _revoke_url(scene), {"reason": "  "})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "govuk-error-summary" in page
    assert "Give a reason for revoking the access" in page
    assert Share.objects.get(pk=scene.health_share.pk).revoked_at is None


def test_only_an_explicit_share_of_this_report_has_a_revoke_page(scene: Scene) -> None:
    own = Share.objects.get(object_id=scene.report.pk, basis=ShareBasis.REFERRING_AGENCY)
    other = Share.objects.get(object_id=scene.kept.pk, agency=scene.world.health)
    assert scene.get("officer_council", _revoke_url(scene, own)).status_code == 404
    assert scene.get("officer_council", _revoke_url(scene, other)).status_code == 404
    assert (
        scene.get("officer_council", f"/intelligence/tensions/{scene.report.pk}/shares/999999/revoke/").status_code
        == 404
    )


# --- The self-assessment ---------------------------------------------------------------------------------

EDITORS = ("admin", "chair")  # partnership admins and the chairs of the partnership's panels
MEMBERS = (*EDITORS, "teacher", "outsider", "health_baseline", "auditor", "lone_chair")
ROLELESS = "roleless"
ALL_PEOPLE = (*MEMBERS, ROLELESS)


class Years:
    """Last year completed, this year in progress (one dimension scored, one action), and the cast."""

    def __init__(self, world: TensionWorld) -> None:
        self.world = world
        world.people(lone_chair=(world.council, 2, Role.PANEL_CHAIR))  # holds the role, chairs no panel
        roleless = new_user(world.school, 3)
        User.objects.filter(pk=roleless.pk).update(roles=[])
        world.roleless = User.objects.get(pk=roleless.pk)  # type: ignore[attr-defined]
        self.dimensions = list(AssessmentDimension.objects.order_by("position"))
        this_year = timezone.localdate().year
        self.last = services.start_self_assessment(actor=world.admin, year=this_year - 1)
        for dimension in self.dimensions:
            services.score_dimension(
                actor=world.admin, assessment_id=self.last.pk, dimension=dimension, score=2, evidence="Last year's"
            )
        services.complete_self_assessment(actor=world.admin, assessment_id=self.last.pk)
        self.current = services.start_self_assessment(actor=world.admin, year=this_year)
        services.score_dimension(
            actor=world.admin, assessment_id=self.current.pk, dimension=self.dimensions[0], score=3, evidence="Forums"
        )
        self.action = services.add_assessment_action(
            actor=world.admin,
            assessment_id=self.current.pk,
            description="Map the community groups",
            owner=world.teacher,
            due_date=timezone.localdate() + dt.timedelta(days=20),
        )
        self._clients: dict[str, Client] = {}

    def client(self, name: str) -> Client:
        if name not in self._clients:
            self._clients[name] = verified_session(Client(), getattr(self.world, name))
        return self._clients[name]

    def statuses(self, url: str, data: dict[str, Any] | None = None, *, post: bool = False) -> dict[str, int]:
        def ask(name: str) -> int:
            client = self.client(name)
            return (client.post(url, data or {}) if post else client.get(url)).status_code

        return {name: ask(name) for name in ALL_PEOPLE}


@pytest.fixture
def years(world: TensionWorld) -> Years:
    return Years(world)


def _members_get(ok: int = 200) -> dict[str, int]:
    return {name: ok if name in MEMBERS else 404 for name in ALL_PEOPLE}


def _editors_only(ok: int = 200) -> dict[str, int]:
    return {name: ok if name in EDITORS else 403 if name in MEMBERS else 404 for name in ALL_PEOPLE}


def test_every_member_reads_the_list_and_only_editors_are_offered_changes(years: Years) -> None:
    assert years.statuses("/intelligence/self-assessment/") == _members_get()
    for name in MEMBERS:
        page = years.client(name).get("/intelligence/self-assessment/").content.decode()
        assert str(years.last.year) in page, name
        assert str(years.current.year) in page, name
        assert ("Start the self-assessment" in page) == (name in EDITORS), name
        assert ("/intelligence/self-assessment/framework/" in page) == (name in EDITORS), name


def test_only_editors_start_a_year(years: Years) -> None:
    answers = {
        name: years.client(name).post("/intelligence/self-assessment/", {"year": 2001 + i}).status_code
        for i, name in enumerate(ALL_PEOPLE)
    }
    assert answers == _editors_only(ok=302)
    assert set(SelfAssessment.objects.filter(year__lt=2020).values_list("year", flat=True)) == {
        2001 + ALL_PEOPLE.index(name) for name in EDITORS
    }


def test_every_member_reads_a_year_and_only_editors_change_one_in_progress(years: Years) -> None:
    url = f"/intelligence/self-assessment/{years.current.pk}/"
    assert years.statuses(url) == _members_get()
    score_link = f"/intelligence/self-assessment/{years.current.pk}/dimensions/"
    for name in MEMBERS:
        page = years.client(name).get(url).content.decode()
        assert "Forums" in page, name
        assert "Map the community groups" in page, name
        assert (score_link in page) == (name in EDITORS), name
        assert ("Add an action to the plan" in page) == (name in EDITORS), name
        assert ("Mark done" in page) == (name in EDITORS), name
    completed = years.client("admin").get(f"/intelligence/self-assessment/{years.last.pk}/").content.decode()
    assert "/dimensions/" not in completed
    assert "Add an action to the plan" not in completed
    assert years.statuses("/intelligence/self-assessment/999999/") == dict.fromkeys(ALL_PEOPLE, 404)


def test_the_history_is_for_every_member(years: Years) -> None:
    assert years.statuses("/intelligence/self-assessment/history/") == _members_get()
    page = years.client("teacher").get(
        f"/intelligence/self-assessment/history/?years={years.last.year}&years=soon&years=%C2%B2&years=99999999999"
    )
    assert page.status_code == 200
    assert f"{years.last.year}</th>" in page.content.decode()
    assert f"{years.current.year}</th>" not in page.content.decode()


def test_only_editors_score_a_dimension(years: Years) -> None:
    dimension = years.dimensions[1]
    url = f"/intelligence/self-assessment/{years.current.pk}/dimensions/{dimension.pk}/"
    assert years.statuses(url) == _editors_only()
    descriptor = LevelDescriptor.objects.get(dimension=dimension, score=4).text
    assert descriptor in years.client("chair").get(url).content.decode()  # shown beside each score
    answers = years.statuses(url, {"score": "4", "evidence": "Quarterly reviews"}, post=True)
    assert answers == _editors_only(ok=302)
    assert DimensionScore.objects.get(assessment=years.current, dimension=dimension).descriptor == descriptor


def test_a_completed_year_is_not_rescored_from_its_page(years: Years) -> None:
    dimension = years.dimensions[0]
    url = f"/intelligence/self-assessment/{years.last.pk}/dimensions/{dimension.pk}/"
    answer = years.client("admin").post(url, {"score": "5", "evidence": "Changed my mind"})
    assert answer.status_code == 400
    assert "govuk-error-summary" in answer.content.decode()
    assert DimensionScore.objects.get(assessment=years.last, dimension=dimension).score == 2


def test_only_editors_add_to_and_close_the_plan(years: Years) -> None:
    url = f"/intelligence/self-assessment/{years.current.pk}/actions/new/"
    assert years.statuses(url) == _editors_only()
    due = timezone.localdate() + dt.timedelta(days=30)
    body = {
        "description": "Train the panel",
        "owner": years.world.outsider.pk,
        "due_date_day": due.day,
        "due_date_month": due.month,
        "due_date_year": due.year,
    }
    assert years.statuses(url, body, post=True) == _editors_only(ok=302)
    assert AssessmentAction.objects.filter(description="Train the panel").count() == len(EDITORS)
    close = f"/intelligence/self-assessment/{years.current.pk}/actions/{years.action.pk}/close/"
    refused = {
        name: years.client(name).post(close, {"status": "done"}).status_code
        for name in ALL_PEOPLE
        if name not in EDITORS
    }
    assert refused == {name: code for name, code in _editors_only().items() if name not in EDITORS}
    assert AssessmentAction.objects.get(pk=years.action.pk).status == ActionStatus.OPEN
    elsewhere = f"/intelligence/self-assessment/{years.last.pk}/actions/{years.action.pk}/close/"
    assert years.client("admin").post(elsewhere, {"status": "done"}).status_code == 404
    assert years.client("chair").post(close, {"status": "done"}).status_code == 302
    assert AssessmentAction.objects.get(pk=years.action.pk).status == ActionStatus.DONE


def test_only_editors_complete_a_year(years: Years) -> None:
    for dimension in years.dimensions[1:]:
        services.score_dimension(
            actor=years.world.admin, assessment_id=years.current.pk, dimension=dimension, score=3, evidence="Done"
        )
    url = f"/intelligence/self-assessment/{years.current.pk}/complete/"
    refused = {name: years.client(name).post(url).status_code for name in ALL_PEOPLE if name not in EDITORS}
    assert refused == {name: code for name, code in _editors_only().items() if name not in EDITORS}
    assert SelfAssessment.objects.get(pk=years.current.pk).status == AssessmentStatus.DRAFT
    assert years.client("admin").post(url).status_code == 302
    assert SelfAssessment.objects.get(pk=years.current.pk).status == AssessmentStatus.COMPLETED


def test_only_editors_adapt_the_descriptors(years: Years) -> None:
    dimension = years.dimensions[0]
    url = f"/intelligence/self-assessment/framework/{dimension.pk}/"
    assert years.statuses(url) == _editors_only()
    before = list(LevelDescriptor.objects.filter(dimension=dimension).order_by("score").values_list("text", flat=True))
    wording = {"title": "Knowing our neighbourhoods"} | {f"level_{s}": f"Level {s}, in our words" for s in range(1, 6)}
    refused = {name: years.client(name).post(url, wording).status_code for name in ALL_PEOPLE if name not in EDITORS}
    assert refused == {name: code for name, code in _editors_only().items() if name not in EDITORS}

    def current() -> list[str]:
        return list(
            LevelDescriptor.objects.filter(dimension=dimension).order_by("score").values_list("text", flat=True)
        )

    assert current() == before
    bad = years.client("chair").post(url, wording | {"level_3": ""})
    assert bad.status_code == 400
    assert "Enter what a score of 3 means" in bad.content.decode()
    assert current() == before
    assert years.client("chair").post(url, wording).status_code == 302
    assert current() == [f"Level {s}, in our words" for s in range(1, 6)]
    assert AssessmentDimension.objects.get(pk=dimension.pk).title == "Knowing our neighbourhoods"
    # the years already scored keep the wording they were scored against
    kept = DimensionScore.objects.get(assessment=years.last, dimension=dimension).descriptor
    assert kept == before[1]


def test_plan_reminders_go_to_members_only(years: Years) -> None:
    kinds = ("self_assessment_action_due_soon", "self_assessment_action_overdue")
    told = set(
        Reminder.objects.filter(object_id=years.action.pk, kind__in=kinds).values_list("recipient_id", flat=True)
    )
    assert told == {years.world.teacher.pk}
    for name in ("admin", "teacher"):
        assert years.client(name).get("/intelligence/").status_code == 200
    assert years.client(ROLELESS).get("/intelligence/").status_code == 404
