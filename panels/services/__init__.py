"""Writes for panels, one module per concern: meetings (the cadence, the live meeting, the
minutes), the agenda, decisions and the case transitions they cause, assessments, consent and
plans, actions. Each asks ``panels.permissions`` (built on the sharing policy) whether the actor
may, checks the lifecycles (``panels.lifecycle``) before it writes anything, and audits itself.
Callers use ``from panels import services``."""

from panels.rules import Quorum, is_under_18, quorum, quorum_of
from panels.services.actions import add_action, close_action, complete_action
from panels.services.agenda import (
    Candidate,
    add_to_agenda,
    agenda_candidates,
    build_agenda,
    defer_item,
    grant_panel_agencies,
    move_agenda_item,
    reorder_agenda,
)
from panels.services.assessments import record_assessment
from panels.services.attendees import confirm_confidentiality, invite_members, invite_person, record_attendee
from panels.services.decisions import record_decision, schedule_post_exit_reviews
from panels.services.meetings import (
    MEETINGS_AHEAD,
    add_addendum,
    add_meeting,
    cancel_meeting,
    check_quorum,
    declare_interest,
    generate_meetings,
    move_meeting,
    override_quorum,
    previous_meeting,
    record_attendance,
    sign_minutes,
    start_meeting,
)
from panels.services.plans import (
    activate_support_plan,
    add_intervention,
    cases_due_review,
    current_consent,
    record_consent,
    update_intervention,
)

__all__ = [
    "MEETINGS_AHEAD",
    "Candidate",
    "Quorum",
    "activate_support_plan",
    "add_action",
    "add_addendum",
    "add_intervention",
    "add_meeting",
    "add_to_agenda",
    "agenda_candidates",
    "build_agenda",
    "cancel_meeting",
    "cases_due_review",
    "check_quorum",
    "close_action",
    "complete_action",
    "confirm_confidentiality",
    "current_consent",
    "declare_interest",
    "defer_item",
    "generate_meetings",
    "grant_panel_agencies",
    "invite_members",
    "invite_person",
    "is_under_18",
    "move_agenda_item",
    "move_meeting",
    "override_quorum",
    "previous_meeting",
    "quorum",
    "quorum_of",
    "record_assessment",
    "record_attendance",
    "record_attendee",
    "record_consent",
    "record_decision",
    "reorder_agenda",
    "schedule_post_exit_reviews",
    "sign_minutes",
    "start_meeting",
    "update_intervention",
]
