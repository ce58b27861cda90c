"""Panels API: thin views over panels.services and panels.selectors. Unknown ids, other panels'
meetings and cases the caller may not read all answer 404, like the referrals API; a caller who
may open the meeting but not do this (``panels.permissions``) gets 403 before their input is read;
bad input is a 400 with field messages; a move the meeting's state refuses is a 409."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases.models import Case
from core.api_views import RecordActionView, listed
from panels import selectors, services
from panels.api.serializers import (
    ActionCloseSerializer,
    ActionCreateSerializer,
    ActionSerializer,
    AgendaAddSerializer,
    AgendaItemSerializer,
    AgendaSerializer,
    AttendanceCreateSerializer,
    AttendanceRowSerializer,
    ConsentCreateSerializer,
    ConsentSerializer,
    DecisionCreateSerializer,
    DecisionSerializer,
    MeetingCreateSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    PanelSerializer,
    QuorumSerializer,
    ReasonSerializer,
    SupportPlanSerializer,
)
from panels.models import Action, AgendaItem, ConsentPurpose, ConsentStatus, Meeting
from panels.permissions import PanelCapability, require
from partnership.api.authentication import AuthenticatedRequest
from partnership.models import Panel


def _meeting(request: AuthenticatedRequest, meeting_id: int, may: PanelCapability | None = None) -> Meeting:
    """The meeting (404 when the caller may not open it); 403 when they may open it but not do ``may``."""
    meeting = selectors.access_meeting(viewer=request.user, meeting_id=meeting_id)
    if may is not None:
        require(request.user, may, meeting.panel)
    return meeting


def _case(request: AuthenticatedRequest, case_id: int, *, audit: bool = True) -> Case:
    """The case (404 when the caller may not read it); its read audited unless it only leads to a write."""
    return case_selectors.access_case(viewer=request.user, case_id=case_id, audit=audit)


def _action(request: AuthenticatedRequest, action_id: int) -> Action:
    """The action as the caller may see it now (404 when they may not)."""
    return selectors.access_action(viewer=request.user, action_id=action_id)


def _agenda(request: AuthenticatedRequest, meeting_id: int) -> dict[str, object]:
    meeting = _meeting(request, meeting_id)
    record = selectors.meeting_record(viewer=request.user, meeting=meeting)
    return {"meeting": meeting.pk, "items": record.items, "withheld": record.agenda.withheld}


# The POSTs below open their record first: the meeting, the case or the action (404 when the caller may not),
# before the body is read.


class _MeetingAction(RecordActionView):
    may: ClassVar[PanelCapability | None] = None
    """The capability the caller needs on the meeting's panel before the body is read (None: the service decides)."""

    def opened(self, request: AuthenticatedRequest) -> Meeting:
        return _meeting(request, self.kwargs["meeting_id"], may=self.may)


class _CaseAction(RecordActionView):
    # The case's read is not audited: it only leads to the write, which the service audits.
    def opened(self, request: AuthenticatedRequest) -> Case:
        return _case(request, self.kwargs["case_id"], audit=False)


class _CaseLedger(_CaseAction):
    # A case's rows of one kind: GET lists those the caller may see (``rows_for``, a selector given the viewer and
    # the case), POST adds one (201); both answer in ``answer``'s shape.
    answer_status = status.HTTP_201_CREATED
    rows_for: ClassVar[Callable[..., Iterable[Any]]]
    rows_summary: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(get=extend_schema(responses=cls.answer(many=True), summary=cls.rows_summary))(cls)

    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        rows_for = type(self).rows_for  # a plain function: through the class, never bound to the view
        return listed(self.answer, rows_for(viewer=request.user, case=_case(request, case_id)))


class _ClosingAction(RecordActionView):
    # Closing an action answers with the action as the caller may see it afterwards.
    answer = ActionSerializer

    def opened(self, request: AuthenticatedRequest) -> Action:
        return _action(request, self.kwargs["action_id"])


class PanelListView(APIView):
    @extend_schema(responses=PanelSerializer(many=True), summary="Panels the caller chairs or is a member of")
    def get(self, request: AuthenticatedRequest) -> Response:
        return listed(PanelSerializer, selectors.panels_with_members_for(viewer=request.user))


class PanelMeetingsView(RecordActionView):
    body = MeetingCreateSerializer
    answer = MeetingSerializer
    answer_status = status.HTTP_201_CREATED
    operation_id = "v1_panels_meetings_create"
    summary = "The chair adds a meeting (extraordinary or rescheduled), today or later"

    @extend_schema(responses=MeetingSerializer(many=True), summary="A panel's meetings, earliest first")
    def get(self, request: AuthenticatedRequest, panel_id: int) -> Response:
        panel = selectors.access_panel(viewer=request.user, panel_id=panel_id)
        return listed(MeetingSerializer, selectors.schedule_for(viewer=request.user, panel=panel))

    def opened(self, request: AuthenticatedRequest) -> Panel:
        panel = selectors.access_panel(viewer=request.user, panel_id=self.kwargs["panel_id"])
        require(request.user, PanelCapability.MANAGE_MEETING, panel)
        return panel

    def act(self, request: AuthenticatedRequest, panel: Panel, data: dict[str, Any]) -> Meeting:
        return services.add_meeting(actor=request.user, panel=panel, **data)


class MeetingDetailView(APIView):
    @extend_schema(
        responses=inline_serializer(
            "MeetingDetailWithAttendance",
            {
                "meeting": MeetingDetailSerializer(),
                "attendance": AttendanceRowSerializer(many=True),
                "quorum": QuorumSerializer(),
            },
        ),
        summary="One meeting: when, where, state, attendance and quorum",
    )
    def get(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        record = selectors.meeting_record(viewer=request.user, meeting=meeting)
        attendance = [
            {
                "agency": row.agency,
                "present": row.record.present if row.record else None,
                "attendee": row.record.attendee if row.record else None,
            }
            for row in record.attendance
        ]
        return Response(
            {
                "meeting": MeetingDetailSerializer(meeting).data,
                "attendance": AttendanceRowSerializer(attendance, many=True).data,
                "quorum": QuorumSerializer(record.quorum).data,
            }
        )


class MeetingAgendaView(_MeetingAction):
    may = PanelCapability.ADD_TO_AGENDA
    body = AgendaAddSerializer
    answer = AgendaItemSerializer
    answer_status = status.HTTP_201_CREATED
    operation_id = "v1_meetings_agenda_create"
    summary = "The chair adds a case they may read to the agenda, saying why; 409 when the meeting is closed"

    @extend_schema(
        responses=AgendaSerializer,
        summary="The agenda items the caller may read, and how many are withheld",
    )
    def get(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        return Response(AgendaSerializer(_agenda(request, meeting_id)).data)

    def act(self, request: AuthenticatedRequest, meeting: Meeting, data: dict[str, Any]) -> Any:
        item = services.add_to_agenda(
            actor=request.user, meeting_id=meeting.pk, case_id=data["case"], reason=data["reason"]
        )
        return selectors.meeting_record(viewer=request.user, meeting=meeting).item(item.pk)


class MeetingStartView(_MeetingAction):
    answer = MeetingSerializer
    operation_id = "v1_meetings_start_create"
    summary = "The chair starts the meeting; 409 before its day (London), or when it is cancelled or closed"

    def act(self, request: AuthenticatedRequest, meeting: Meeting, data: dict[str, Any]) -> Meeting:
        return services.start_meeting(actor=request.user, meeting_id=meeting.pk)


class MeetingAttendanceView(_MeetingAction):
    may = PanelCapability.RECORD_ATTENDANCE
    body = AttendanceCreateSerializer
    answer = AttendanceRowSerializer
    operation_id = "v1_meetings_attendance_create"
    summary = "The chair records whether an agency attended, and who for it; 409 when the minutes are signed"

    def act(self, request: AuthenticatedRequest, meeting: Meeting, data: dict[str, Any]) -> Any:
        return services.record_attendance(
            actor=request.user,
            meeting_id=meeting.pk,
            agency_id=data["agency"],
            present=data["present"],
            attendee=data["attendee"],
        )


class QuorumOverrideView(_MeetingAction):
    may = PanelCapability.OVERRIDE_QUORUM
    body = ReasonSerializer
    answer = QuorumSerializer
    operation_id = "v1_meetings_quorum_override_create"
    summary = "The chair lets a meeting that is not quorate decide, saying why; 409 when it is quorate or closed"

    def act(self, request: AuthenticatedRequest, meeting: Meeting, data: dict[str, Any]) -> Any:
        meeting = services.override_quorum(actor=request.user, meeting_id=meeting.pk, reason=data["reason"])
        return services.quorum(meeting)


class BuildAgendaView(_MeetingAction):
    answer = AgendaSerializer
    summary = "Add every due case to the agenda (the chair); 409 when the minutes are signed"

    def act(self, request: AuthenticatedRequest, meeting: Meeting, data: dict[str, Any]) -> dict[str, object]:
        services.build_agenda(actor=request.user, meeting_id=meeting.pk)
        return _agenda(request, meeting.pk)


class AgendaItemDecisionView(RecordActionView):
    body = DecisionCreateSerializer
    answer = DecisionSerializer
    answer_status = status.HTTP_201_CREATED
    summary = (
        "Record the panel's decision on an agenda item (the chair, meeting in progress); "
        "409 while the meeting is not quorate, unless the chair recorded a quorum override"
    )

    def opened(self, request: AuthenticatedRequest) -> AgendaItem:
        return selectors.access_agenda_item(viewer=request.user, item_id=self.kwargs["item_id"])

    def act(self, request: AuthenticatedRequest, item: AgendaItem, data: dict[str, Any]) -> Any:
        return services.record_decision(actor=request.user, item_id=item.pk, **data)


class CaseActionsView(_CaseLedger):
    rows_for = selectors.actions_for_case
    rows_summary = "Actions on a case"
    body = ActionCreateSerializer
    answer = ActionSerializer
    summary = "Add an action with an owning agency (and person) and a due date (panel members)"

    def act(self, request: AuthenticatedRequest, case: Case, data: dict[str, Any]) -> Action:
        action = services.add_action(
            actor=request.user,
            case_id=case.pk,
            description=data["description"],
            owner_agency_id=data["owner_agency"],
            owner=data["owner"],
            due_date=data["due_date"],
            meeting_id=data["meeting"],
        )
        return _action(request, action.pk)


class CompleteActionView(_ClosingAction):
    summary = "Mark an action done (its owning agency or the chair); 409 when it is not open"

    def act(self, request: AuthenticatedRequest, action: Action, data: dict[str, Any]) -> Action:
        services.complete_action(actor=request.user, action_id=action.pk)
        return _action(request, action.pk)


class CloseActionView(_ClosingAction):
    body = ActionCloseSerializer
    summary = (
        "Close an action as done, not done or could not be done (its owning agency or the chair); "
        "the last two need a reason (400 without); 409 when it is not open"
    )

    def act(self, request: AuthenticatedRequest, action: Action, data: dict[str, Any]) -> Action:
        services.close_action(actor=request.user, action_id=action.pk, outcome=data["outcome"], reason=data["reason"])
        return _action(request, action.pk)


class SupportPlanView(APIView):
    @extend_schema(responses=SupportPlanSerializer, summary="A case's support plan and interventions")
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = _case(request, case_id)
        plan, interventions = selectors.support_plan_for(viewer=request.user, case=case)
        ledger = selectors.consents_for_case(viewer=request.user, case=case)
        channel = [c.status for c in ledger if c.purpose == ConsentPurpose.CHANNEL_SUPPORT]
        consent = channel[-1] if channel else ConsentStatus.NOT_SOUGHT
        return Response(SupportPlanSerializer(SupportPlanSerializer.build(case.pk, plan, interventions, consent)).data)


class CaseConsentView(_CaseLedger):
    rows_for = selectors.consents_for_case
    rows_summary = "A case's consent ledger, oldest first"
    body = ConsentCreateSerializer
    answer = ConsentSerializer
    summary = "Record consent given, refused or withdrawn (the case owner or chair; a parent or guardian for under-18s)"

    def act(self, request: AuthenticatedRequest, case: Case, data: dict[str, Any]) -> Any:
        return services.record_consent(actor=request.user, case_id=case.pk, **data)
