from django.urls import include, path

from cases.api import views

case_patterns = [
    path("", views.CaseDetailView.as_view(), name="case-detail"),
    path("transitions/", views.CaseTransitionView.as_view(), name="case-transition"),
    path("chronology/", views.ChronologyView.as_view(), name="case-chronology"),
    path("information-requests/", views.CaseInformationRequestsView.as_view(), name="case-information-requests"),
]

urlpatterns = [
    path(
        "referrals/<int:referral_id>/screening-decision/",
        views.ScreeningDecisionView.as_view(),
        name="referral-screening-decision",
    ),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", include(case_patterns)),
    path("information-requests/", views.AgencyInformationRequestsView.as_view(), name="information-requests"),
    path(
        "information-requests/<int:request_id>/contributions/",
        views.ContributionView.as_view(),
        name="information-request-contributions",
    ),
]
