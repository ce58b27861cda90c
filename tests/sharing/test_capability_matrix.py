"""The capability matrix (DESIGN.md rule 11): role x relation x action, through the services.

One world for the module (``tests.sharing.case_world``): one case, and in every agency with a
relation to it (referring, screening, case owner's, panel member, requested, unrelated, break-glass
only) someone in every role (practitioner, screening officer, SPOC, chair of this panel, chair of
another panel, panel member, admin, auditor). Each test is one (relation, role): it attempts every
action through its service (each attempt rolled back) and asks the capability predicates the pages
and API ask, and compares both with ``tests.sharing.capability_rules``, written from DESIGN.md.
A failure names the actions whose answer differs. A sample goes through the API as well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases import services as case_services
from cases.models import Case, InformationRequest
from core.errors import NotFound, PermissionDenied
from partnership.models import User
from referrals import permissions as referral_permissions
from referrals import services as referral_services
from referrals.models import ChronologyEntry, Referral
from sharing import policy
from sharing import services as sharing_services
from tests.partnership.api_helpers import token_headers
from tests.sharing import capability_rules as rules
from tests.sharing import case_world, worlds
from tests.sharing.case_world import RELATIONS, ROLES, World

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    media = tmp_path_factory.mktemp("capability-media")
    with worlds.kept_for_the_module(django_db_blocker), override_settings(MEDIA_ROOT=str(media)):
        yield case_world.build()


# --- each action through its service -----------------------------------------------------------------


def _referral(w: World) -> Referral:
    return Referral.objects.get(pk=w.referral.pk)


def _request(w: World) -> InformationRequest:
    return InformationRequest.objects.get(pk=w.request.pk)


SERVICES: dict[str, Callable[[World, User], object]] = {
    rules.READ: lambda w, u: case_selectors.access_case(viewer=u, case_id=w.case.pk),
    "screen": lambda w, u: referral_services.record_screening_note(
        actor=u, referral_id=w.referral.pk, text="Checked again", classification=1
    ),
    "share": lambda w, u: referral_services.share_referral(
        actor=u, referral_id=w.referral.pk, agency=w.target, reason="They may help"
    ),
    "revoke_share": lambda w, u: referral_services.revoke_referral_share(
        actor=u, referral_id=w.referral.pk, share_id=w.share.pk, reason="No longer needed"
    ),
    "export_chronology": lambda w, u: case_selectors.export_chronology(viewer=u, referral=_referral(w), fmt="csv"),
    "break_glass": lambda w, u: sharing_services.open_break_glass(
        actor=u, record=_referral(w), reason=case_world.BREAK_GLASS_REASON
    ),
    "transition_case": lambda w, u: case_services.transition_case(
        actor=u, case_id=w.case.pk, to_status="discussed", reason="Discussed at panel"
    ),
    "request_information": lambda w, u: case_services.request_information(
        actor=u, case_id=w.case.pk, agency_ids=[w.target.pk], question="Anything known?"
    ),
    "assign_request": lambda w, u: case_services.assign_request(actor=u, request_id=w.request.pk, assignee=w.assignee),
    "contribute": lambda w, u: case_services.return_contribution(
        actor=u, request_id=w.request.pk, text="Nothing more known", classification=1
    ),
    "chase_request": lambda w, u: case_services.chase_request(actor=u, request_id=w.request.pk),
    "extend_request": lambda w, u: case_services.extend_request(
        actor=u, request_id=w.request.pk, due_date=_request(w).due_date + dt.timedelta(days=7)
    ),
    "close_request": lambda w, u: case_services.close_request(actor=u, request_id=w.request.pk),
    "add_case_note": lambda w, u: case_services.add_case_note(
        actor=u, referral_id=w.referral.pk, text="A note", classification=1
    ),
    "mark_significant": lambda w, u: case_services.mark_significant(actor=u, entry_id=w.note.pk, significant=True),
    "export": lambda w, u: case_selectors.export_chronology(
        viewer=u, referral=Case.objects.get(pk=w.case.pk).referral, fmt="pdf"
    ),
}


def _attempt(call: Callable[[], object]) -> str:
    """What a service answers, its writes thrown away: allowed, not found, or refused."""
    try:
        with worlds.rolled_back():
            call()
    except NotFound:
        return rules.NOT_FOUND
    except PermissionDenied:
        return rules.REFUSED
    return rules.ALLOWED


# --- and the predicates the pages, the API and navigation ask ------------------------------------------

RC, CC = referral_permissions.Capability, case_permissions.Capability
REFERRAL_CAPABILITIES = {
    "screen": RC.SCREEN,
    "share": RC.SHARE,
    "revoke_share": RC.REVOKE_SHARE,
    "export_chronology": RC.EXPORT_CHRONOLOGY,
    "break_glass": RC.BREAK_GLASS,
}
CASE_CAPABILITIES: dict[str, tuple[case_permissions.Capability, Callable[[World], Any]]] = {
    "transition_case": (CC.TRANSITION_CASE, lambda w: Case.objects.get(pk=w.case.pk)),
    "request_information": (CC.REQUEST_INFORMATION, lambda w: Case.objects.get(pk=w.case.pk)),
    "assign_request": (CC.ASSIGN_REQUEST, _request),
    "contribute": (CC.CONTRIBUTE, _request),
    "chase_request": (CC.CHASE_REQUEST, _request),
    "extend_request": (CC.EXTEND_REQUEST, _request),
    "close_request": (CC.CLOSE_REQUEST, _request),
    "add_case_note": (CC.ADD_CASE_NOTE, _referral),
    "mark_significant": (CC.MARK_SIGNIFICANT, lambda w: ChronologyEntry.objects.get(pk=w.note.pk)),
    "export": (CC.EXPORT, lambda w: Case.objects.get(pk=w.case.pk)),
}


def _predicate(w: World, user: User, action: str) -> bool:
    if action == rules.READ:
        return policy.can(user, policy.Action.VIEW, _referral(w))
    if action in REFERRAL_CAPABILITIES:
        return referral_permissions.can(user, REFERRAL_CAPABILITIES[action], _referral(w))
    capability, target = CASE_CAPABILITIES[action]
    return case_permissions.can(user, capability, target(w))


def test_every_action_has_a_service_a_predicate_and_a_rule() -> None:
    assert set(SERVICES) == set(rules.ACTIONS)
    assert set(REFERRAL_CAPABILITIES) | set(CASE_CAPABILITIES) | {rules.READ} == set(rules.ACTIONS)
    # Every capability of both apps is in the matrix (drafts' own are tested with the intake journey).
    assert set(REFERRAL_CAPABILITIES.values()) == set(RC) - {RC.EDIT_DRAFT, RC.SUBMIT}
    assert {c for c, _ in CASE_CAPABILITIES.values()} == set(CC)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_capability_matrix(world: World, relation: str, role: str) -> None:
    user = case_world.become(world, relation, role)
    actor = case_world.facts(world, relation, role)
    expected = {action: rules.outcome(actor, action) for action in rules.ACTIONS}
    observed = {action: _attempt(lambda action=action: SERVICES[action](world, user)) for action in rules.ACTIONS}
    assert observed == expected
    offered = {action: _predicate(world, user, action) for action in rules.ACTIONS}
    assert offered == {action: answer == rules.ALLOWED for action, answer in expected.items()}


def test_the_matrix_is_not_vacuous(world: World) -> None:
    """Every action is allowed to someone and refused to someone, and each kind of refusal happens."""
    answers: dict[str, set[str]] = {action: set() for action in rules.ACTIONS}
    for relation in RELATIONS:
        for role in ROLES:
            actor = case_world.facts(world, relation, role)
            for action in rules.ACTIONS:
                answers[action].add(rules.outcome(actor, action))
    for action, seen in answers.items():
        assert rules.ALLOWED in seen, action
        assert rules.NOT_FOUND in seen, action
        if action not in (rules.READ, "break_glass"):
            assert rules.REFUSED in seen, action


# --- a sample through the API ---------------------------------------------------------------------------

API_SAMPLE = [
    (relation, role)
    for relation in ("case_owner", "requested_agency", "screening", "break_glass_only", "unrelated")
    for role in ("practitioner", "spoc", "chair_of_this_panel", "chair_of_another_panel", "auditor")
]
STATUS = {rules.ALLOWED: {200, 201}, rules.NOT_FOUND: {404}, rules.REFUSED: {403}}


def _api(client: Client, w: World, headers: dict[str, str]) -> dict[str, Callable[[], Any]]:
    case_url = f"/api/v1/cases/{w.case.pk}/"

    def transition() -> Any:
        version = Case.objects.get(pk=w.case.pk).version
        body = {"status": "discussed", "reason": "Discussed at panel"}
        return client.post(
            f"{case_url}transitions/", body, content_type="application/json", HTTP_IF_MATCH=f'"{version}"', **headers
        )

    def post(url: str, body: dict[str, Any]) -> Callable[[], Any]:
        return lambda: client.post(url, body, content_type="application/json", **headers)

    return {
        rules.READ: lambda: client.get(case_url, **headers),
        "share": post(f"/api/v1/referrals/{w.referral.pk}/shares/", {"agency": w.target.pk, "reason": "They may help"}),
        "transition_case": transition,
        "request_information": post(
            f"{case_url}information-requests/", {"agencies": [w.target.pk], "question": "Anything known?"}
        ),
        "contribute": post(
            f"/api/v1/information-requests/{w.request.pk}/contributions/",
            {"text": "Nothing more known", "classification": 1, "releasable_summary": ""},
        ),
    }


@pytest.mark.parametrize(("relation", "role"), API_SAMPLE)
def test_capability_matrix_through_the_api(world: World, client: Client, relation: str, role: str) -> None:
    user = case_world.become(world, relation, role)
    actor = case_world.facts(world, relation, role)
    headers = token_headers(user)
    calls = _api(client, world, headers)
    observed, expected = {}, {}
    for action, call in calls.items():
        with worlds.rolled_back():
            response = call()
        observed[action] = response.status_code
        expected[action] = rules.outcome(actor, action)
    assert {a: observed[a] in STATUS[e] for a, e in expected.items()} == dict.fromkeys(expected, True), (
        observed,
        expected,
    )
