from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/outcomes/", views.outcomes_report, name="outcomes_report"),
]
