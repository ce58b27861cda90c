from django.urls import path

from governance import retention_views, views

app_name = "governance"

urlpatterns = [
    path("audit/", views.audit_search, name="audit"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("integrity/", views.trail_integrity, name="integrity"),
    path("break-glass/", views.break_glass_queue, name="break_glass"),
    path("break-glass/<int:event_id>/", views.break_glass_opening, name="break_glass_opening"),
    path("records/<str:reference>/", views.record_access, name="record_access"),
    path("users/<path:username>/", views.user_activity, name="user_activity"),
    path("subject-access/", views.subject_access_start, name="subject_access_start"),
    path("subject-access/<str:reference>/", views.subject_access, name="subject_access"),
    path(
        "subject-access/<str:reference>/bundle.<str:output>",
        views.subject_access_bundle,
        name="subject_access_bundle",
    ),
    path("retention/", retention_views.retention_overview, name="retention"),
    path("retention/schedule/", retention_views.retention_schedule, name="retention_schedule"),
    path("retention/batches/<int:batch_id>/", retention_views.disposal_batch, name="disposal_batch"),
    path("retention/log/", retention_views.disposal_log, name="disposal_log"),
    path("retention/holds/", retention_views.legal_holds, name="legal_holds"),
    path("retention/holds/<int:hold_id>/lift/", retention_views.lift_legal_hold, name="lift_legal_hold"),
]
