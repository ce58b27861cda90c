from django.urls import path

from panels import views

app_name = "panels"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:panel_id>/meetings/", views.schedule, name="schedule"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:meeting_id>/move/", views.move_meeting, name="move_meeting"),
    path("meetings/<int:meeting_id>/cancel/", views.cancel_meeting, name="cancel_meeting"),
    path("meetings/<int:meeting_id>/start/", views.start_meeting, name="start_meeting"),
    path("meetings/<int:meeting_id>/agenda/build/", views.build_agenda, name="build_agenda"),
    path("meetings/<int:meeting_id>/agenda/add/", views.add_to_agenda, name="add_to_agenda"),
    path("meetings/<int:meeting_id>/agenda/<int:item_id>/move/", views.move_item, name="move_item"),
    path("meetings/<int:meeting_id>/attendance/<int:agency_id>/", views.record_attendance, name="attendance"),
    path("meetings/<int:meeting_id>/quorum-override/", views.override_quorum, name="override_quorum"),
    path("meetings/<int:meeting_id>/declarations/", views.declare_interest, name="declare_interest"),
    path("meetings/<int:meeting_id>/items/<int:item_id>/", views.meeting_item, name="meeting_item"),
    path("meetings/<int:meeting_id>/items/<int:item_id>/decision/", views.record_decision, name="record_decision"),
    path("meetings/<int:meeting_id>/items/<int:item_id>/defer/", views.defer_item, name="defer_item"),
    path("meetings/<int:meeting_id>/items/<int:item_id>/actions/", views.add_item_action, name="add_item_action"),
    path("meetings/<int:meeting_id>/sign/", views.sign_minutes, name="sign_minutes"),
    path("meetings/<int:meeting_id>/addenda/", views.add_addendum, name="add_addendum"),
    path("meetings/<int:meeting_id>/pack/", views.pack, name="pack"),
    path("meetings/<int:meeting_id>/pack.pdf", views.pack_pdf, name="pack_pdf"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/consent/", views.record_consent, name="record_consent"),
    path("cases/<int:case_id>/assessment/", views.record_assessment, name="record_assessment"),
    path("cases/<int:case_id>/plan/activate/", views.activate_plan, name="activate_plan"),
    path("cases/<int:case_id>/interventions/new/", views.add_intervention, name="add_intervention"),
    path("cases/<int:case_id>/actions/", views.add_case_action, name="add_case_action"),
    path("interventions/<int:intervention_id>/", views.update_intervention, name="update_intervention"),
    path("actions/<int:action_id>/complete/", views.complete_action, name="complete_action"),
]
