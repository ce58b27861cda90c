"""Minutes that survive mistakes: open actions from earlier meetings come back at the next meeting
(page and pack) until they are closed, only to those who read their case; the minutes show actions
not done apart from those that could not be done; and the sign page lists what blocks signing
before its form and keeps the typed minutes on every error."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from panels import selectors, services
from panels.models import Action, ActionStatus, Meeting, MeetingStatus
from panels.pack_pdf import render_pack_pdf
from tests.world import PanelSitting, client_for

pytestmark = pytest.mark.django_db

CARRIED = "Carried forward from earlier meetings"
TYPED = "Quorate until 11:00; the police left early."


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    return PanelSitting()


def _in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _agree(pw: PanelSitting, case: Case, description: str, meeting: Meeting | None = None) -> Action:
    """The chair records health's action on ``case`` at ``meeting`` (today's unless said)."""
    return services.add_action(
        actor=pw.chair,
        case_id=case.pk,
        meeting_id=(meeting or pw.meeting).pk,
        description=description,
        owner_agency_id=pw.health.pk,
        due_date=_in_days(10),
    )


def _next_meeting(pw: PanelSitting) -> Meeting:
    return services.add_meeting(
        actor=pw.chair, panel=pw.panel, scheduled_at=timezone.now() + dt.timedelta(days=7), reason="Next sitting"
    )


def _page(pw: PanelSitting, user: str, meeting: Meeting, path: str = "") -> str:
    response = client_for(pw.user(user)).get(f"/panels/meetings/{meeting.pk}/{path}")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


# --- Carried forward ---------------------------------------------------------------------------------


def test_an_open_action_comes_back_at_the_next_meeting_until_it_is_closed(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    action = _agree(pw, case, "Book the mentor's first visit")
    later = _next_meeting(pw)

    carried = _section(_page(pw, "chair", later), CARRIED, 'id="attendance"')
    assert "Book the mentor's first visit" in carried
    assert case.reference in carried
    assert f"/panels/actions/{action.pk}/close/" in carried  # the chair may close it from here
    # At the meeting that agreed it, it is not "carried forward".
    assert "Book the mentor's first visit" not in _section(_page(pw, "chair", pw.meeting), CARRIED, 'id="attendance"')
    pack = _page(pw, "member", later, "pack/")
    assert "Book the mentor's first visit" in _section(pack, CARRIED, "</main>")

    services.close_action(actor=pw.member, action_id=action.pk, outcome=ActionStatus.NOT_DONE, reason="Mentor ill")
    carried = _section(_page(pw, "chair", later), CARRIED, 'id="attendance"')
    assert "No open actions from earlier meetings." in carried
    closed = _section(carried, "Closed since the previous meeting", "</div>\n</div>")
    assert "Not done (1)" in closed
    assert "Mentor ill" in closed
    assert "Could not be done" not in closed


def test_actions_on_cases_the_reader_cannot_read_are_neither_shown_nor_counted(pw: PanelSitting) -> None:
    shared = pw.case()
    secret = pw.case(classification=2)  # above the junior's Baseline clearance
    pw.build()
    unshared = pw.case()  # never on an agenda: the member agencies hold no grant on it
    _agree(pw, shared, "Visible to every member")
    _agree(pw, secret, "Above Baseline")
    _agree(pw, unshared, "The council's own case")
    later = _next_meeting(pw)

    review = selectors.actions_review_for(viewer=pw.chair, meeting=later)
    assert sorted(a.description for a in review.carried_forward) == [
        "Above Baseline",
        "The council's own case",
        "Visible to every member",
    ]
    for reader, seen in (
        ("member", {"Visible to every member", "Above Baseline"}),
        ("junior", {"Visible to every member"}),
    ):
        review = selectors.actions_review_for(viewer=pw.user(reader), meeting=later)
        assert {a.description for a in review.carried_forward} == seen
        page = _page(pw, reader, later) + _page(pw, reader, later, "pack/")
        assert "The council's own case" not in page
        assert unshared.reference not in page
        if reader == "junior":
            assert "Above Baseline" not in page
            assert secret.reference not in page
            carried = _section(_page(pw, reader, later), CARRIED, 'id="attendance"')
            assert carried.count('<tr class="govuk-table__row">') == 1 + 1  # the header row and one action
    # The agency that cannot read the case cannot open the action either.
    action = Action.objects.get(description="The council's own case")
    assert client_for(pw.member).get(f"/panels/actions/{action.pk}/close/").status_code == 404


@pytest.mark.parametrize("actions", [2, 6])
def test_the_next_meeting_page_query_count_is_pinned(
    pw: PanelSitting, actions: int, django_assert_num_queries: Any
) -> None:
    cases = [pw.case() for _ in range(2)]
    pw.build()
    for n in range(actions):
        _agree(pw, cases[n % 2], f"Action number {n}")
    later = _next_meeting(pw)
    client = client_for(pw.chair)
    url = f"/panels/meetings/{later.pk}/"
    client.get(url)
    # Nothing on its own agenda yet: the frame (one query, docs/adr/0031), the meeting, the agenda (no
    # audit, no decisions or item actions to read), the attending agencies, their attendance, their
    # people, the invited attendees, declarations, addenda, the actions it looks back on, the cases the
    # chair may add.
    with django_assert_num_queries(11):
        response = client.get(url)
    assert response.content.decode().count("/close/?next=") == actions


def test_the_pack_and_its_pdf_keep_not_done_apart_from_could_not_be_done(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    not_done = _agree(pw, case, "Call the school")
    impossible = _agree(pw, case, "Refer to the youth club")
    _agree(pw, case, "Still to do")
    services.close_action(actor=pw.chair, action_id=not_done.pk, outcome=ActionStatus.NOT_DONE, reason="No answer")
    services.close_action(
        actor=pw.chair, action_id=impossible.pk, outcome=ActionStatus.NOT_POSSIBLE, reason="The club has closed"
    )
    later = _next_meeting(pw)
    page = _page(pw, "member", later, "pack/")
    assert "Still to do" in _section(page, CARRIED, "Closed since the previous meeting")
    not_done_part = _section(page, "Not done (1)", "</ul>")
    assert "Call the school" in not_done_part
    assert "No answer" in not_done_part
    impossible_part = _section(page, "Could not be done (1)", "</ul>")
    assert "Refer to the youth club" in impossible_part
    assert "The club has closed" in impossible_part
    assert later.venue in page or "No venue set" in page

    pdf = render_pack_pdf(selectors.panel_pack_for(viewer=pw.member, meeting=later), compress=False)
    # ReportLab escapes the brackets of its strings.
    for text in (
        b"Carried forward from earlier meetings",
        b"Not done \\(1\\)",
        b"Could not be done \\(1\\)",
        b"No answer",
    ):
        assert text in pdf


def test_the_signed_minutes_show_each_outcome_of_the_actions_agreed(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    pw.start()
    pw.quorate()
    item = pw.item(case)
    services.defer_item(actor=pw.chair, item_id=item.pk, reason="Awaiting records")
    done, not_done, impossible = (_agree(pw, case, d) for d in ("Done thing", "Undone thing", "Impossible thing"))
    services.close_action(actor=pw.chair, action_id=done.pk, outcome=ActionStatus.DONE)
    services.close_action(actor=pw.chair, action_id=not_done.pk, outcome=ActionStatus.NOT_DONE, reason="No time")
    services.close_action(
        actor=pw.chair, action_id=impossible.pk, outcome=ActionStatus.NOT_POSSIBLE, reason="Provider gone"
    )
    services.sign_minutes(actor=pw.chair, meeting_id=pw.meeting.pk)
    minutes = _section(_page(pw, "member", pw.meeting), "Actions agreed at this meeting", 'id="addenda"')
    assert "Done (1)" in minutes
    assert "Undone thing" in _section(minutes, "Not done (1)", "</ul>")
    assert "Impossible thing" in _section(minutes, "Could not be done (1)", "</ul>")
    assert "Provider gone" in _section(minutes, "Could not be done (1)", "</ul>")


# --- The sign page ------------------------------------------------------------------------------------


def test_signing_with_undecided_items_keeps_the_typed_minutes_and_lists_the_blockers_first(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    pw.start()
    pw.quorate()
    chair = client_for(pw.chair)
    url = f"/panels/meetings/{pw.meeting.pk}/sign/"
    item = pw.item(case)

    page = html.unescape(chair.get(url).content.decode())
    assert page.index("Before the minutes can be signed") < page.index("<textarea")
    blockers = _section(page, "Before the minutes can be signed", "</ul>\n  </div>")
    assert "1 agenda item has no decision or deferral yet." in blockers
    assert f"/panels/meetings/{pw.meeting.pk}/items/{item.pk}/#defer" in blockers  # defer stays a choice
    assert "Attendance is not recorded for 1 agency:</strong> School." in blockers

    response = chair.post(url, {"minutes": TYPED, "confirm": "on"})
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "There is a problem" in page
    assert "1 agenda item has no decision or deferral yet." in _section(page, "There is a problem", "</div>")
    assert f"{TYPED}</textarea>" in page
    assert not Meeting.objects.get(pk=pw.meeting.pk).is_sealed

    # Forgetting to confirm keeps the text too.
    services.defer_item(actor=pw.chair, item_id=item.pk, reason="Awaiting records")
    response = chair.post(url, {"minutes": TYPED})
    assert response.status_code == 400
    assert f"{TYPED}</textarea>" in html.unescape(response.content.decode())

    page = html.unescape(chair.get(url).content.decode())
    assert "Before the minutes can be signed" not in page
    assert "Check before you sign" in page
    response = chair.post(url, {"minutes": TYPED, "confirm": "on"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=pw.meeting.pk).minutes == TYPED


def test_signing_without_a_quorum_keeps_the_typed_minutes(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    pw.start()
    services.defer_item(actor=pw.chair, item_id=pw.item(case).pk, reason="Awaiting records")
    chair = client_for(pw.chair)
    url = f"/panels/meetings/{pw.meeting.pk}/sign/"
    blockers = _section(html.unescape(chair.get(url).content.decode()), "Before the minutes", "</ul>\n  </div>")
    assert "The meeting is not quorate." in blockers
    assert "#quorum-override" in blockers
    response = chair.post(url, {"minutes": TYPED, "confirm": "on"})
    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    assert "The meeting is not quorate" in _section(page, "There is a problem", "</div>")
    assert f"{TYPED}</textarea>" in page


# --- The demo -----------------------------------------------------------------------------------------


def test_the_demo_carries_the_last_meetings_open_action_to_the_next(capsys: Any) -> None:
    call_command("seed_demo", "--json")
    capsys.readouterr()
    last = Meeting.objects.filter(status=MeetingStatus.CLOSED).latest("scheduled_at")
    upcoming = Meeting.objects.filter(scheduled_at__gt=timezone.now()).order_by("scheduled_at").first()
    assert upcoming is not None
    chair = last.panel.chair
    assert chair is not None
    review = selectors.actions_review_for(viewer=chair, meeting=upcoming)
    assert [a.meeting_id for a in review.carried_forward] == [last.pk]
    assert [a.status for a in review.closed_since.not_possible] == [ActionStatus.NOT_POSSIBLE]
    minutes = selectors.actions_review_for(viewer=chair, meeting=last).agreed_here
    assert (len(minutes.open), len(minutes.not_possible)) == (1, 1)
