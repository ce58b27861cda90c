"""An action closes as done, not done, or could not be done; the last two only with a reason. Each
close is audited, a closed action stays closed, and only its owning agency or the chair may close it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.models import AuditEvent, AuditVerb
from panels import lifecycle, services
from panels.models import Action, ActionStatus
from partnership.models import Role
from tests.world import Api, PanelSitting, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    """The sitting panel, with a police panel member cleared to read the Security Check case."""
    world = PanelSitting()
    return world.people(police_sc=(world.police, 2, Role.PANEL_MEMBER))


def _action(pw: PanelSitting, case: Case) -> Action:
    """Health's action on ``case``, agreed at the meeting (recorded by health's panel member)."""
    return services.add_action(
        actor=pw.member,
        case_id=case.pk,
        meeting_id=pw.meeting.pk,
        description="Offer the family a mentoring assessment",
        owner_agency_id=pw.health.pk,
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )


@pytest.fixture
def action(pw: PanelSitting) -> Action:
    case = pw.case(classification=2)
    pw.build()
    return _action(pw, case)


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (ActionStatus.DONE, ""),
        (ActionStatus.DONE, "Assessment booked for 3 March"),
        (ActionStatus.NOT_DONE, "The family asked to wait until after exams"),
        (ActionStatus.NOT_POSSIBLE, "The mentoring provider has closed"),
    ],
)
def test_each_outcome_closes_the_action_and_is_audited(
    pw: PanelSitting, action: Action, outcome: str, reason: str
) -> None:
    services.close_action(actor=pw.member, action_id=action.pk, outcome=outcome, reason=f"  {reason}  ")
    action.refresh_from_db()
    assert (action.status, action.outcome_reason) == (outcome, reason)
    assert action.completed_at is not None
    event = AuditEvent.objects.filter(verb=AuditVerb.CHANGED, object_id=str(action.pk)).latest("seq")
    assert event.actor_id == pw.member.pk
    assert event.details["outcome"] == outcome
    assert event.reason == reason


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (ActionStatus.NOT_DONE, "Say why the action was not done"),
        (ActionStatus.NOT_POSSIBLE, "Say why the action could not be done"),
    ],
)
def test_not_done_and_could_not_be_done_need_a_reason(
    pw: PanelSitting, action: Action, outcome: str, message: str
) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.close_action(actor=pw.member, action_id=action.pk, outcome=outcome, reason="   ")
    assert refused.value.message_dict == {"reason": [message]}
    action.refresh_from_db()
    assert (action.status, action.completed_at) == (ActionStatus.OPEN, None)
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("outcome", [ActionStatus.OPEN, ActionStatus.CANCELLED, "finished"])
def test_anything_but_the_three_outcomes_is_refused(pw: PanelSitting, action: Action, outcome: str) -> None:
    with pytest.raises(ValidationError) as refused:
        services.close_action(actor=pw.member, action_id=action.pk, outcome=outcome, reason="Because")
    assert "outcome" in refused.value.message_dict
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN


@pytest.mark.parametrize("first", [ActionStatus.DONE, ActionStatus.NOT_DONE, ActionStatus.NOT_POSSIBLE])
@pytest.mark.parametrize("then", [ActionStatus.DONE, ActionStatus.NOT_DONE, ActionStatus.NOT_POSSIBLE])
def test_a_closed_action_stays_closed(pw: PanelSitting, action: Action, first: str, then: str) -> None:
    services.close_action(actor=pw.member, action_id=action.pk, outcome=first, reason="First reason")
    with pytest.raises(InvalidTransition, match="This action is not open"):
        services.close_action(actor=pw.chair, action_id=action.pk, outcome=then, reason="Second reason")
    action.refresh_from_db()
    assert (action.status, action.outcome_reason) == (first, "First reason")


def test_who_may_close_an_action_in_the_service(pw: PanelSitting, action: Action) -> None:
    # Another member agency reads the case but does not own the action.
    with pytest.raises(PermissionDenied):
        services.close_action(actor=pw.police_sc, action_id=action.pk, outcome=ActionStatus.DONE)
    # Not on the panel, below the case's clearance, or an admin: the action does not exist for them.
    for reader in (pw.outsider, pw.junior, pw.admin):
        with pytest.raises(NotFound):
            services.close_action(actor=reader, action_id=action.pk, outcome=ActionStatus.NOT_DONE, reason="x")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN
    services.close_action(actor=pw.chair, action_id=action.pk, outcome=ActionStatus.NOT_POSSIBLE, reason="Moved")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.NOT_POSSIBLE


CLOSE_PAGE = {
    # reader: status of the page, and of a valid post
    "member": (200, 302),
    "chair": (200, 302),
    "police_sc": (403, 403),
    "outsider": (404, 404),
    "junior": (404, 404),
    "admin": (404, 404),
    "auditor": (404, 404),
}


@pytest.mark.parametrize(("reader", "expected"), CLOSE_PAGE.items())
def test_who_may_open_and_use_the_close_page(
    pw: PanelSitting, action: Action, reader: str, expected: tuple[int, int]
) -> None:
    client = client_for(pw.user(reader))
    url = f"/panels/actions/{action.pk}/close/"
    assert client.get(url).status_code == expected[0]
    response = client.post(url, {"outcome": "not_possible", "reason": "The provider closed"})
    assert response.status_code == expected[1]
    closed = expected[1] == 302
    assert Action.objects.get(pk=action.pk).status == (ActionStatus.NOT_POSSIBLE if closed else ActionStatus.OPEN)


def test_the_close_page_asks_for_the_reason_and_keeps_what_was_typed(pw: PanelSitting, action: Action) -> None:
    member = client_for(pw.member)
    url = f"/panels/actions/{action.pk}/close/"
    response = member.post(url, {"outcome": "not_done", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Say why the action was not done" in page
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN
    back = f"/panels/meetings/{pw.meeting.pk}/"
    response = member.post(url, {"outcome": "not_done", "reason": "Family away", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    # Closed already: a banner on the page the member came from, not an error page.
    response = member.post(url, {"outcome": "done", "next": back}, follow=True)
    assert "This action is not open." in response.content.decode()


def test_the_actions_table_shows_how_each_action_closed(pw: PanelSitting, action: Action) -> None:
    case = action.case
    other = _action(pw, case)
    services.close_action(actor=pw.member, action_id=action.pk, outcome=ActionStatus.NOT_DONE, reason="Family away")
    page = client_for(pw.member).get(f"/panels/cases/{case.pk}/").content.decode()
    assert "Not done" in page
    assert "Family away" in page
    assert f"/panels/actions/{other.pk}/close/" in page
    assert f"/panels/actions/{action.pk}/close/" not in page


# --- The API ----------------------------------------------------------------------------------------

CLOSE_API = {
    # reader: status of a valid close
    "member": 200,
    "chair": 200,
    "police_sc": 403,
    "outsider": 404,
    "junior": 404,
    "admin": 404,
    "auditor": 404,
}


@pytest.mark.parametrize(("reader", "expected"), CLOSE_API.items())
def test_who_may_close_an_action_through_the_api(pw: PanelSitting, action: Action, reader: str, expected: int) -> None:
    response = Api(pw.user(reader)).post(
        f"actions/{action.pk}/close/", {"outcome": "not_done", "reason": "The family moved"}
    )
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert (body["status"], body["outcome_reason"]) == ("not_done", "The family moved")
    else:
        assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_the_api_asks_for_the_reason_and_refuses_a_second_close(pw: PanelSitting, action: Action) -> None:
    api = Api(pw.member)
    response = api.post(f"actions/{action.pk}/close/", {"outcome": "not_possible"})
    assert response.status_code == 400
    assert response.json()["reason"] == ["Say why the action could not be done"]
    assert api.post(f"actions/{action.pk}/close/", {"outcome": "finished"}).status_code == 400
    assert api.post(f"actions/{action.pk}/close/", {"outcome": "done"}).status_code == 200
    response = api.post(f"actions/{action.pk}/close/", {"outcome": "not_done", "reason": "Late"})
    assert response.status_code == 409
    assert response.json() == {"detail": "This action is not open."}
    assert Action.objects.get(pk=action.pk).status == ActionStatus.DONE


def test_the_action_workflow_is_declared_once() -> None:
    assert {
        "open": {"done", "not_done", "not_possible", "cancelled"},
        "done": set(),
        "not_done": set(),
        "not_possible": set(),
        "cancelled": set(),
    } == lifecycle.ACTION_TRANSITIONS
    assert set(lifecycle.ACTION_REASON_NEEDED) == {"not_done", "not_possible"}
    assert [str(o) for o in lifecycle.ACTION_OUTCOMES] == ["done", "not_done", "not_possible"]
