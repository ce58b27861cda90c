from django.urls import include, path

from cases import screening_views, views

app_name = "cases"

# Paths below /referrals/cases/<id>/, /referrals/requests/<id>/ and /referrals/<referral id>/.
case_patterns = [
    path("", views.case_detail, name="case"),
    path("transition/", views.case_transition, name="case_transition"),
    path("requests/", views.case_request_information, name="case_request_information"),
    path("notes/", views.case_note, name="case_note"),
    path("chronology/", views.case_chronology, name="case_chronology"),
    path("chronology/export/<slug:fmt>/", views.case_chronology_export, name="case_chronology_export"),
]
request_patterns = [
    path("", views.request_detail, name="request"),
    path("assign/", views.request_assign, name="request_assign"),
    path("contribution/", views.request_contribution, name="request_contribution"),
    path("chase/", views.request_chase, name="request_chase"),
    path("extend/", views.request_extend, name="request_extend"),
    path("close/", views.request_close, name="request_close"),
]
referral_patterns = [
    path("screening/requests/", screening_views.screening_requests, name="screening_requests"),
    path("screening/decision/", screening_views.screening_decision, name="screening_decision"),
    path("screening/check-your-answers/", screening_views.screening_check, name="screening_check"),
    path("screening/decided/", screening_views.screening_confirmation, name="screening_confirmation"),
    path("chronology/", views.referral_chronology, name="referral_chronology"),
    path("chronology/export/<slug:fmt>/", views.referral_chronology_export, name="referral_chronology_export"),
]

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", include(case_patterns)),
    path("requests/", views.request_queue, name="requests"),
    path("requests/<int:request_id>/", include(request_patterns)),
    path("chronology/entries/<int:entry_id>/significant/", views.entry_significance, name="entry_significance"),
    path(
        "chronology/documents/<int:document_id>/download/",
        views.entry_document_download,
        name="entry_document_download",
    ),
    path("<int:referral_id>/", include(referral_patterns)),
]
