from django.urls import URLPattern, URLResolver, include, path

from panels import case_views, views

app_name = "panels"

# Paths below /panels/meetings/<id>/ (and its agenda items) and /panels/cases/<id>/.
item_patterns = [
    path("", views.meeting_item, name="meeting_item"),
    path("decision/", views.record_decision, name="record_decision"),
    path("defer/", views.defer_item, name="defer_item"),
    path("actions/", views.add_item_action, name="add_item_action"),
    path("guests/", views.invite_guest, name="invite_guest"),
]
meeting_patterns: list[URLPattern | URLResolver] = [
    path("", views.meeting_detail, name="meeting"),
    path("move/", views.move_meeting, name="move_meeting"),
    path("cancel/", views.cancel_meeting, name="cancel_meeting"),
    path("start/", views.start_meeting, name="start_meeting"),
    path("agenda/build/", views.build_agenda, name="build_agenda"),
    path("agenda/add/", views.add_to_agenda, name="add_to_agenda"),
    path("agenda/<int:item_id>/move/", views.move_item, name="move_item"),
    path("attendance/<int:agency_id>/", views.record_attendance, name="attendance"),
    path("invitations/members/", views.invite_members, name="invite_members"),
    path("invitations/", views.invite_person, name="invite_person"),
    path("invitations/<int:invitation_id>/attendance/", views.record_attendee, name="record_attendee"),
    path("confidentiality/", views.confirm_confidentiality, name="confirm_confidentiality"),
    path("quorum-override/", views.override_quorum, name="override_quorum"),
    path("declarations/", views.declare_interest, name="declare_interest"),
    path("items/<int:item_id>/", include(item_patterns)),
    path("sign/", views.sign_minutes, name="sign_minutes"),
    path("addenda/", views.add_addendum, name="add_addendum"),
    path("pack/", views.pack, name="pack"),
    path("pack.pdf", views.pack_pdf, name="pack_pdf"),
]
case_patterns = [
    path("", case_views.case_detail, name="case"),
    path("consent/", case_views.record_consent, name="record_consent"),
    path("assessment/", case_views.record_assessment, name="record_assessment"),
    path("plan/activate/", case_views.activate_plan, name="activate_plan"),
    path("interventions/new/", case_views.add_intervention, name="add_intervention"),
    path("actions/", case_views.add_case_action, name="add_case_action"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:panel_id>/meetings/", views.schedule, name="schedule"),
    path("meetings/<int:meeting_id>/", include(meeting_patterns)),
    path("cases/<int:case_id>/", include(case_patterns)),
    path("interventions/<int:intervention_id>/", case_views.update_intervention, name="update_intervention"),
    path("actions/<int:action_id>/complete/", case_views.complete_action, name="complete_action"),
    path("actions/<int:action_id>/close/", case_views.close_action, name="close_action"),
]
