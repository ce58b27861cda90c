"""Reads for panels, one module per page family: the panels, meetings and agendas a viewer may open
(``agenda``), the live meeting record (``meeting_record``), the actions a meeting carries forward
(``actions``), a case's panel record (``case_record``),
the panel pack (``pack``) and the chair's dashboard (``dashboard``). Every read of case content goes
through ``sharing.policy`` for THIS viewer, and what the viewer may do comes from
``panels.permissions``. Callers use ``from panels import selectors``."""

from panels.selectors.actions import ActionOutcomes, ActionReview, actions_review_for
from panels.selectors.agenda import (
    Agenda,
    AgendaRow,
    access_action,
    access_agenda_item,
    access_intervention,
    access_meeting,
    access_panel,
    agenda_for,
    attending_agencies,
    meetings_for,
    panels_for,
    panels_with_members_for,
    readable_case_ids,
    schedule_for,
)
from panels.selectors.brief import ItemBrief, item_brief, possible_guests
from panels.selectors.case_record import (
    CASE_CAPABILITIES,
    AssessmentVersion,
    CasePanelRecord,
    actions_for_case,
    case_panel_record,
    consents_for_case,
    support_plan_for,
)
from panels.selectors.dashboard import Dashboard, chair_dashboard
from panels.selectors.meeting_record import (
    MEETING_CAPABILITIES,
    AttendanceRow,
    MeetingItem,
    MeetingRecord,
    SignBlockers,
    item_record,
    meeting_record,
    sign_blockers,
)
from panels.selectors.pack import PackCase, PanelPack, assessment_changes, pack_chronologies, panel_pack_for

__all__ = [
    "CASE_CAPABILITIES",
    "MEETING_CAPABILITIES",
    "ActionOutcomes",
    "ActionReview",
    "Agenda",
    "AgendaRow",
    "AssessmentVersion",
    "AttendanceRow",
    "CasePanelRecord",
    "Dashboard",
    "ItemBrief",
    "MeetingItem",
    "MeetingRecord",
    "PackCase",
    "PanelPack",
    "SignBlockers",
    "access_action",
    "access_agenda_item",
    "access_intervention",
    "access_meeting",
    "access_panel",
    "actions_for_case",
    "actions_review_for",
    "agenda_for",
    "assessment_changes",
    "attending_agencies",
    "case_panel_record",
    "chair_dashboard",
    "consents_for_case",
    "item_brief",
    "item_record",
    "meeting_record",
    "meetings_for",
    "pack_chronologies",
    "panel_pack_for",
    "panels_for",
    "panels_with_members_for",
    "possible_guests",
    "readable_case_ids",
    "schedule_for",
    "sign_blockers",
    "support_plan_for",
]
