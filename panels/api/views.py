"""Panels API: thin views over panels.services and panels.selectors. Unknown ids, other panels'
meetings and cases the caller may not read all answer 404, like the referrals API; a caller who
may open the meeting but not do this (``panels.permissions``) gets 403 before their input is read;
bad input is a 400 with field messages; a move the meeting's state refuses is a 409."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from cases.models import Case
from core.api import created, validated
from core.api_views import listed
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
from panels.models import Action, ConsentPurpose, ConsentStatus, Meeting
from panels.permissions import PanelCapability, require
from partnership.api.authentication import AuthenticatedRequest


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


class PanelListView(APIView):
    @extend_schema(responses=PanelSerializer(many=True), summary="Panels the caller chairs or is a member of")
    def get(self, request: AuthenticatedRequest) -> Response:
        return listed(PanelSerializer, selectors.panels_with_members_for(viewer=request.user))


class PanelMeetingsView(APIView):
    @extend_schema(responses=MeetingSerializer(many=True), summary="A panel's meetings, earliest first")
    def get(self, request: AuthenticatedRequest, panel_id: int) -> Response:
        panel = selectors.access_panel(viewer=request.user, panel_id=panel_id)
        return listed(MeetingSerializer, selectors.schedule_for(viewer=request.user, panel=panel))

    @extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer},
        operation_id="v1_panels_meetings_create",
        summary="The chair adds a meeting (extraordinary or rescheduled), today or later",
    )
    def post(self, request: AuthenticatedRequest, panel_id: int) -> Response:
        panel = selectors.access_panel(viewer=request.user, panel_id=panel_id)
        require(request.user, PanelCapability.MANAGE_MEETING, panel)
        data = validated(MeetingCreateSerializer, request)
        meeting = services.add_meeting(actor=request.user, panel=panel, **data)
        return created(MeetingSerializer, meeting)


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


class MeetingAgendaView(APIView):
    @extend_schema(
        responses=AgendaSerializer,
        summary="The agenda items the caller may read, and how many are withheld",
    )
    def get(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        return Response(AgendaSerializer(_agenda(request, meeting_id)).data)

    @extend_schema(
        request=AgendaAddSerializer,
        responses={201: AgendaItemSerializer},
        operation_id="v1_meetings_agenda_create",
        summary="The chair adds a case they may read to the agenda, saying why; 409 when the meeting is closed",
    )
    def post(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id, may=PanelCapability.ADD_TO_AGENDA)
        data = validated(AgendaAddSerializer, request)
        item = services.add_to_agenda(
            actor=request.user, meeting_id=meeting.pk, case_id=data["case"], reason=data["reason"]
        )
        entry = selectors.meeting_record(viewer=request.user, meeting=meeting).item(item.pk)
        return created(AgendaItemSerializer, entry)


class MeetingStartView(APIView):
    @extend_schema(
        request=None,
        responses={200: MeetingSerializer},
        operation_id="v1_meetings_start_create",
        summary="The chair starts the meeting; 409 before its day (London), or when it is cancelled or closed",
    )
    def post(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        meeting = services.start_meeting(actor=request.user, meeting_id=meeting.pk)
        return Response(MeetingSerializer(meeting).data)


class MeetingAttendanceView(APIView):
    @extend_schema(
        request=AttendanceCreateSerializer,
        responses={200: AttendanceRowSerializer},
        operation_id="v1_meetings_attendance_create",
        summary="The chair records whether an agency attended, and who for it; 409 when the minutes are signed",
    )
    def post(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id, may=PanelCapability.RECORD_ATTENDANCE)
        data = validated(AttendanceCreateSerializer, request)
        row = services.record_attendance(
            actor=request.user,
            meeting_id=meeting.pk,
            agency_id=data["agency"],
            present=data["present"],
            attendee=data["attendee"],
        )
        return Response(AttendanceRowSerializer(row).data)


class QuorumOverrideView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={200: QuorumSerializer},
        operation_id="v1_meetings_quorum_override_create",
        summary="The chair lets a meeting that is not quorate decide, saying why; 409 when it is quorate or closed",
    )
    def post(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id, may=PanelCapability.OVERRIDE_QUORUM)
        data = validated(ReasonSerializer, request)
        meeting = services.override_quorum(actor=request.user, meeting_id=meeting.pk, reason=data["reason"])
        return Response(QuorumSerializer(services.quorum(meeting)).data)


class BuildAgendaView(APIView):
    @extend_schema(
        request=None,
        responses={200: AgendaSerializer},
        summary="Add every due case to the agenda (the chair); 409 when the minutes are signed",
    )
    def post(self, request: AuthenticatedRequest, meeting_id: int) -> Response:
        meeting = _meeting(request, meeting_id)
        services.build_agenda(actor=request.user, meeting_id=meeting.pk)
        return Response(AgendaSerializer(_agenda(request, meeting.pk)).data)


class AgendaItemDecisionView(APIView):
    @extend_schema(
        request=DecisionCreateSerializer,
        responses={201: DecisionSerializer},
        summary=(
            "Record the panel's decision on an agenda item (the chair, meeting in progress); "
            "409 while the meeting is not quorate, unless the chair recorded a quorum override"
        ),
    )
    def post(self, request: AuthenticatedRequest, item_id: int) -> Response:
        item = selectors.access_agenda_item(viewer=request.user, item_id=item_id)
        data = validated(DecisionCreateSerializer, request)
        discussion = services.record_decision(actor=request.user, item_id=item.pk, **data)
        return created(DecisionSerializer, discussion)


class CaseActionsView(APIView):
    @extend_schema(responses=ActionSerializer(many=True), summary="Actions on a case")
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        return listed(ActionSerializer, selectors.actions_for_case(viewer=request.user, case=_case(request, case_id)))

    @extend_schema(
        request=ActionCreateSerializer,
        responses={201: ActionSerializer},
        summary="Add an action with an owning agency (and person) and a due date (panel members)",
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = _case(request, case_id, audit=False)
        data = validated(ActionCreateSerializer, request)
        action = services.add_action(
            actor=request.user,
            case_id=case.pk,
            description=data["description"],
            owner_agency_id=data["owner_agency"],
            owner=data["owner"],
            due_date=data["due_date"],
            meeting_id=data["meeting"],
        )
        return created(ActionSerializer, _action(request, action.pk))


class CompleteActionView(APIView):
    @extend_schema(
        request=None,
        responses={200: ActionSerializer},
        summary="Mark an action done (its owning agency or the chair); 409 when it is not open",
    )
    def post(self, request: AuthenticatedRequest, action_id: int) -> Response:
        action = _action(request, action_id)
        services.complete_action(actor=request.user, action_id=action.pk)
        return Response(ActionSerializer(_action(request, action.pk)).data)


class CloseActionView(APIView):
    @extend_schema(
        request=ActionCloseSerializer,
        responses={200: ActionSerializer},
        summary=(
            "Close an action as done, not done or could not be done (its owning agency or the chair); "
            "the last two need a reason (400 without); 409 when it is not open"
        ),
    )
    def post(self, request: AuthenticatedRequest, action_id: int) -> Response:
        action = _action(request, action_id)
        data = validated(ActionCloseSerializer, request)
        services.close_action(actor=request.user, action_id=action.pk, outcome=data["outcome"], reason=data["reason"])
        return Response(ActionSerializer(_action(request, action.pk)).data)


class SupportPlanView(APIView):
    @extend_schema(responses=SupportPlanSerializer, summary="A case's support plan and interventions")
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = _case(request, case_id)
        plan, interventions = selectors.support_plan_for(viewer=request.user, case=case)
        ledger = selectors.consents_for_case(viewer=request.user, case=case)
        channel = [c.status for c in ledger if c.purpose == ConsentPurpose.CHANNEL_SUPPORT]
        consent = channel[-1] if channel else ConsentStatus.NOT_SOUGHT
        return Response(SupportPlanSerializer(SupportPlanSerializer.build(case.pk, plan, interventions, consent)).data)


class CaseConsentView(APIView):
    @extend_schema(responses=ConsentSerializer(many=True), summary="A case's consent ledger, oldest first")
    def get(self, request: AuthenticatedRequest, case_id: int) -> Response:
        return listed(ConsentSerializer, selectors.consents_for_case(viewer=request.user, case=_case(request, case_id)))

    @extend_schema(
        request=ConsentCreateSerializer,
        responses={201: ConsentSerializer},
        summary="Record consent given, refused or withdrawn (the case owner or chair; a parent or guardian for under-18s)",
    )
    def post(self, request: AuthenticatedRequest, case_id: int) -> Response:
        case = _case(request, case_id, audit=False)
        data = validated(ConsentCreateSerializer, request)
        record = services.record_consent(actor=request.user, case_id=case.pk, **data)
        return created(ConsentSerializer, record)
