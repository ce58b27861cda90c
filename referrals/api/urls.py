from django.urls import path

from referrals.api import case_views, views

urlpatterns = [
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<int:referral_id>/", views.ReferralDetailView.as_view(), name="referral-detail"),
    path("referrals/<int:referral_id>/shares/", views.ReferralShareListView.as_view(), name="referral-share-list"),
    path(
        "referrals/<int:referral_id>/shares/<int:share_id>/",
        views.ReferralShareDetailView.as_view(),
        name="referral-share-detail",
    ),
    path(
        "referrals/<int:referral_id>/screening-decision/",
        case_views.ScreeningDecisionView.as_view(),
        name="referral-screening-decision",
    ),
    path("cases/", case_views.CaseListView.as_view(), name="case-list"),
    path("cases/<int:case_id>/", case_views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:case_id>/transitions/", case_views.CaseTransitionView.as_view(), name="case-transition"),
    path("cases/<int:case_id>/chronology/", case_views.ChronologyView.as_view(), name="case-chronology"),
    path(
        "cases/<int:case_id>/information-requests/",
        case_views.CaseInformationRequestsView.as_view(),
        name="case-information-requests",
    ),
    path("information-requests/", case_views.AgencyInformationRequestsView.as_view(), name="information-requests"),
    path(
        "information-requests/<int:request_id>/contributions/",
        case_views.ContributionView.as_view(),
        name="information-request-contributions",
    ),
]
