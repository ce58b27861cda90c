from django.urls import path

from reports.api import views

urlpatterns = [
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
]
