"""The meeting pages follow the API's rules: a meeting starts on its day, and while it is not quorate
the chair can neither decide nor sign until they record a quorum override with a reason. The pages
say so with a warning instead of offering the buttons."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from core.models import AuditEvent, AuditVerb
from panels import services
from panels.models import Discussion, Meeting, MeetingStatus
from tests.world import PanelSitting, client_for

pytestmark = pytest.mark.django_db

NOT_QUORATE_WARNING = "This meeting is not quorate."


def _decision(day: dt.date) -> dict[str, str]:
    return {
        "decision-decision": "adopt",
        "decision-classification": "1",
        "decision-next_review_date_day": str(day.day),
        "decision-next_review_date_month": str(day.month),
        "decision-next_review_date_year": str(day.year),
    }


@pytest.fixture
def pw(db: Any) -> PanelSitting:
    return PanelSitting()


def test_the_start_button_waits_for_the_meetings_day(pw: PanelSitting) -> None:
    later = services.add_meeting(
        actor=pw.chair, panel=pw.panel, scheduled_at=timezone.now() + dt.timedelta(days=2), reason="Extra"
    )
    chair = client_for(pw.chair)
    page = chair.get(f"/panels/meetings/{later.pk}/").content.decode()
    assert "Start the meeting" not in page
    assert "The meeting can be started on its day" in page
    response = chair.post(f"/panels/meetings/{later.pk}/start/", follow=True)
    assert "cannot start before its day" in response.content.decode()
    assert Meeting.objects.get(pk=later.pk).status == MeetingStatus.SCHEDULED
    assert "Start the meeting" in chair.get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()


def test_not_quorate_the_chair_is_warned_and_cannot_decide_or_sign_until_the_override(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    pw.start()
    chair = client_for(pw.chair)
    m, item = pw.meeting.pk, pw.item(case)

    page = chair.get(f"/panels/meetings/{m}/").content.decode()
    assert NOT_QUORATE_WARNING in page
    assert "Close meeting and sign minutes" not in page
    assert "Record the quorum override" in page
    item_page = chair.get(f"/panels/meetings/{m}/items/{item.pk}/").content.decode()
    assert NOT_QUORATE_WARNING in item_page
    assert "Record decision" not in item_page

    future = timezone.localdate() + dt.timedelta(days=42)
    response = chair.post(f"/panels/meetings/{m}/items/{item.pk}/decision/", _decision(future), follow=True)
    assert "The meeting is not quorate" in response.content.decode()
    assert not Discussion.objects.exists()
    services.defer_item(actor=pw.chair, item_id=item.pk, reason="Awaiting records")
    response = chair.post(f"/panels/meetings/{m}/sign/", {"confirm": "on"}, follow=True)
    assert "The meeting is not quorate" in response.content.decode()
    assert not Meeting.objects.get(pk=m).is_sealed
    # A member sees no override form.
    assert "Record the quorum override" not in client_for(pw.member).get(f"/panels/meetings/{m}/").content.decode()
    assert (
        client_for(pw.member).post(f"/panels/meetings/{m}/quorum-override/", {"override-reason": "x"}).status_code
        == 403
    )

    response = chair.post(f"/panels/meetings/{m}/quorum-override/", {"override-reason": ""})
    assert response.status_code == 400
    assert "Enter why the meeting goes ahead without a quorum" in response.content.decode()
    response = chair.post(
        f"/panels/meetings/{m}/quorum-override/", {"override-reason": "Police sent apologies"}, follow=True
    )
    body = response.content.decode()
    assert "The quorum override is recorded" in body
    assert "Quorum overridden by the chair" in body
    assert "Police sent apologies" in body
    assert NOT_QUORATE_WARNING not in body
    assert "Close meeting and sign minutes" in body
    assert AuditEvent.objects.filter(verb=AuditVerb.CHANGED, object_id=str(m), reason="Police sent apologies").exists()
    response = chair.post(f"/panels/meetings/{m}/sign/", {"confirm": "on"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=m).is_sealed


def test_quorate_the_chair_decides_without_any_warning(pw: PanelSitting) -> None:
    case = pw.case()
    pw.build()
    pw.start()
    pw.quorate()
    chair = client_for(pw.chair)
    item = pw.item(case)
    page = chair.get(f"/panels/meetings/{pw.meeting.pk}/items/{item.pk}/").content.decode()
    assert NOT_QUORATE_WARNING not in page
    assert "Record decision" in page
    assert "Record the quorum override" not in chair.get(f"/panels/meetings/{pw.meeting.pk}/").content.decode()
    future = timezone.localdate() + dt.timedelta(days=42)
    response = chair.post(f"/panels/meetings/{pw.meeting.pk}/items/{item.pk}/decision/", _decision(future))
    assert response.status_code == 302
    assert Discussion.objects.get().item == item
