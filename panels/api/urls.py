from django.urls import include, path

from panels.api import views

meeting_patterns = [
    path("", views.MeetingDetailView.as_view(), name="meeting-detail"),
    path("agenda/", views.MeetingAgendaView.as_view(), name="meeting-agenda"),
    path("agenda/build/", views.BuildAgendaView.as_view(), name="meeting-agenda-build"),
    path("start/", views.MeetingStartView.as_view(), name="meeting-start"),
    path("attendance/", views.MeetingAttendanceView.as_view(), name="meeting-attendance"),
    path("quorum-override/", views.QuorumOverrideView.as_view(), name="meeting-quorum-override"),
]

urlpatterns = [
    path("panels/", views.PanelListView.as_view(), name="panel-list"),
    path("panels/<int:panel_id>/meetings/", views.PanelMeetingsView.as_view(), name="panel-meetings"),
    path("meetings/<int:meeting_id>/", include(meeting_patterns)),
    path("agenda-items/<int:item_id>/decision/", views.AgendaItemDecisionView.as_view(), name="agenda-item-decision"),
    path("cases/<int:case_id>/actions/", views.CaseActionsView.as_view(), name="case-actions"),
    path("actions/<int:action_id>/complete/", views.CompleteActionView.as_view(), name="action-complete"),
    path("actions/<int:action_id>/close/", views.CloseActionView.as_view(), name="action-close"),
    path("cases/<int:case_id>/support-plan/", views.SupportPlanView.as_view(), name="case-support-plan"),
    path("cases/<int:case_id>/consent/", views.CaseConsentView.as_view(), name="case-consent"),
]
