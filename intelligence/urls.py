from django.urls import path

from intelligence import views

app_name = "intelligence"

urlpatterns = [
    path("", views.index, name="index"),
    path("tensions/", views.tension_log, name="log"),
    path("tensions/new/", views.tension_new, name="report_new"),
    path("tensions/trends/", views.tension_trends, name="trends"),
    path("tensions/break-glass/", views.tension_break_glass, name="break_glass"),
    path("tensions/<int:report_id>/", views.tension_detail, name="report"),
    path("tensions/<int:report_id>/review/", views.tension_review, name="report_review"),
    path("tensions/<int:report_id>/share/", views.tension_share, name="report_share"),
    path(
        "tensions/<int:report_id>/shares/<int:share_id>/revoke/",
        views.tension_revoke_share,
        name="report_revoke_share",
    ),
    path("tensions/<int:report_id>/events/new/", views.event_new, name="event_new"),
    path("events/<int:event_id>/actions/new/", views.response_action_new, name="response_action_new"),
    path("response-actions/<int:action_id>/close/", views.response_action_close, name="response_action_close"),
    path("self-assessment/", views.assessments, name="assessments"),
    path("self-assessment/history/", views.assessment_history, name="assessment_history"),
    path("self-assessment/framework/<int:dimension_id>/", views.framework_edit, name="framework_edit"),
    path("self-assessment/<int:assessment_id>/", views.assessment_detail, name="assessment"),
    path(
        "self-assessment/<int:assessment_id>/dimensions/<int:dimension_id>/",
        views.assessment_score,
        name="assessment_score",
    ),
    path("self-assessment/<int:assessment_id>/actions/new/", views.assessment_action_new, name="assessment_action_new"),
    path(
        "self-assessment/<int:assessment_id>/actions/<int:action_id>/close/",
        views.assessment_action_close,
        name="assessment_action_close",
    ),
    path("self-assessment/<int:assessment_id>/complete/", views.assessment_complete, name="assessment_complete"),
]
