from django.urls import path

from referrals.api import views

urlpatterns = [
    path("referrals/", views.ReferralListView.as_view(), name="referral-list"),
    path("referrals/<int:referral_id>/", views.ReferralDetailView.as_view(), name="referral-detail"),
    path("referrals/<int:referral_id>/shares/", views.ReferralShareListView.as_view(), name="referral-share-list"),
    path(
        "referrals/<int:referral_id>/shares/<int:share_id>/",
        views.ReferralShareDetailView.as_view(),
        name="referral-share-detail",
    ),
]
