from django.urls import path

app_name = "referrals"

# Pages are added by referrals.views (see the referral journey).
urlpatterns: list = []
