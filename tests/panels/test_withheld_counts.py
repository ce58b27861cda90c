"""How many agenda items (and decisions) are withheld at a higher classification is told to the
panel's chair and members only (DESIGN.md rules 6 and 7): to anyone else of a member agency who opens
the meeting, what they may not read does not exist, not even as a number."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from panels import services
from tests.world import Api, PanelSitting, client_for

pytestmark = pytest.mark.django_db


class WithheldWorld(PanelSitting):
    """Two cases on today's agenda: one at Baseline, one at Security Check (rank 2). The Baseline case
    has a decision recorded at rank 2."""

    def __init__(self) -> None:
        super().__init__()
        self.open_case = self.case(given_name="Zqopen")
        self.secret_case = self.case(classification=2, given_name="Zqsecret")
        self.build()
        self.start()
        self.quorate()
        services.record_decision(
            actor=self.chair,
            item_id=self.item(self.open_case).pk,
            decision="adopt",
            notes="Zqdecisionnotes",
            next_review_date=timezone.localdate() + dt.timedelta(days=42),
            classification=2,
        )
        # Baseline people of member agencies with no panel role: health's practitioner and the referrer.
        self.practitioner = self.health_baseline
        self.referrer = self.teacher


@pytest.fixture
def ww(db: Any) -> WithheldWorld:
    return WithheldWorld()


def test_a_baseline_panel_member_is_told_what_is_withheld(ww: WithheldWorld) -> None:
    agenda = Api(ww.junior).get(f"meetings/{ww.meeting.pk}/agenda/").json()
    assert [i["case"]["id"] for i in agenda["items"]] == [ww.open_case.pk]
    assert agenda["withheld"] == 1
    assert agenda["items"][0]["decision"] is None
    assert agenda["items"][0]["decision_withheld"] is True
    page = client_for(ww.junior).get(f"/panels/meetings/{ww.meeting.pk}/").content.decode()
    assert "1 agenda item is on cases you cannot read" in page
    assert "Recorded at a higher classification" in page


@pytest.mark.parametrize("who", ["practitioner", "referrer"])
def test_anyone_else_of_a_member_agency_is_told_nothing_withheld(ww: WithheldWorld, who: str) -> None:
    user = ww.user(who)
    agenda = Api(user).get(f"meetings/{ww.meeting.pk}/agenda/").json()
    assert [i["case"]["id"] for i in agenda["items"]] == [ww.open_case.pk]
    assert agenda["withheld"] is None
    assert agenda["items"][0]["decision"] is None
    assert agenda["items"][0]["decision_withheld"] is None
    body = str(agenda)
    assert "Zqsecret" not in body
    assert ww.secret_case.reference not in body
    client = client_for(user)
    page = client.get(f"/panels/meetings/{ww.meeting.pk}/").content.decode()
    assert "cases you cannot read" not in page
    assert "higher classification" not in page
    assert ww.secret_case.reference not in page
    item_page = client.get(f"/panels/meetings/{ww.meeting.pk}/items/{ww.item(ww.open_case).pk}/").content.decode()
    assert "higher classification" not in item_page
    assert "Zqdecisionnotes" not in item_page
    # The pack (with its withheld counts) is for the panel's members.
    assert client.get(f"/panels/meetings/{ww.meeting.pk}/pack/").status_code == 403
    assert client.get(f"/panels/meetings/{ww.meeting.pk}/pack.pdf").status_code == 403
    assert "Your panel pack" not in page


def test_an_empty_readable_agenda_says_the_same_with_or_without_withheld_items(ww: WithheldWorld) -> None:
    """To someone without the counts, an agenda of only unreadable items reads like any other they cannot read."""
    other = services.add_meeting(actor=ww.chair, panel=ww.panel, scheduled_at=timezone.now(), reason="Extra")
    services.add_to_agenda(actor=ww.chair, meeting_id=other.pk, case_id=ww.secret_case.pk, reason="Urgent")
    empty = services.add_meeting(actor=ww.chair, panel=ww.panel, scheduled_at=timezone.now(), reason="Spare")
    client = client_for(ww.practitioner)
    with_hidden = client.get(f"/panels/meetings/{other.pk}/").content.decode()
    nothing = client.get(f"/panels/meetings/{empty.pk}/").content.decode()
    sentence = "There are no agenda items you can read."
    assert sentence in with_hidden
    assert sentence in nothing
    assert "The agenda is empty." not in with_hidden + nothing
    assert Api(ww.practitioner).get(f"meetings/{other.pk}/agenda/").json() == {
        "meeting": other.pk,
        "items": [],
        "withheld": None,
    }
