from django.urls import path

from intelligence.api import views

urlpatterns = [
    path("tension-reports/", views.TensionReportListView.as_view(), name="tension-report-list"),
    path("tension-reports/<int:report_id>/", views.TensionReportDetailView.as_view(), name="tension-report-detail"),
    path(
        "tension-reports/<int:report_id>/shares/",
        views.TensionReportShareListView.as_view(),
        name="tension-report-share-list",
    ),
    path("self-assessments/", views.SelfAssessmentListView.as_view(), name="self-assessment-list"),
    path(
        "self-assessments/<int:assessment_id>/",
        views.SelfAssessmentDetailView.as_view(),
        name="self-assessment-detail",
    ),
]
