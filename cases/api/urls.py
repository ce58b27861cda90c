from django.urls import path

from cases.api import views

urlpatterns = [
    path(
        "referrals/<int:referral_id>/screening-decision/",
        views.ScreeningDecisionView.as_view(),
        name="referral-screening-decision",
    ),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/transitions/", views.CaseTransitionView.as_view(), name="case-transition"),
    path("cases/<int:case_id>/chronology/", views.ChronologyView.as_view(), name="case-chronology"),
    path(
        "cases/<int:case_id>/information-requests/",
        views.CaseInformationRequestsView.as_view(),
        name="case-information-requests",
    ),
    path("information-requests/", views.AgencyInformationRequestsView.as_view(), name="information-requests"),
    path(
        "information-requests/<int:request_id>/contributions/",
        views.ContributionView.as_view(),
        name="information-request-contributions",
    ),
]
