from django.urls import path

from partnership.api import views

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("agencies/", views.AgencyListView.as_view(), name="agency-list"),
    path("clearance-levels/", views.ClearanceLevelListView.as_view(), name="clearance-level-list"),
    path("users/", views.UserListView.as_view(), name="user-list"),
    path("users/<int:user_id>/", views.UserDetailView.as_view(), name="user-detail"),
]
