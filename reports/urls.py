from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("reports/outcomes/", views.outcomes_report, name="outcomes_report"),
    path("reports/today/", views.operations_report, name="operations_report"),
    path("reports/home-office-return.csv", views.home_office_return, name="home_office_return"),
    path("reports/partnership-statistics.pdf", views.partnership_report, name="partnership_report"),
]
