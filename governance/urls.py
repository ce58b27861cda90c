from django.urls import path

from governance import views

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
]
