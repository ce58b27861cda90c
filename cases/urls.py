from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/transition/", views.case_transition, name="case_transition"),
    path("cases/<int:case_id>/requests/", views.case_request_information, name="case_request_information"),
    path("cases/<int:case_id>/notes/", views.case_note, name="case_note"),
    path("cases/<int:case_id>/chronology/", views.case_chronology, name="case_chronology"),
    path(
        "cases/<int:case_id>/chronology/export/<slug:fmt>/",
        views.case_chronology_export,
        name="case_chronology_export",
    ),
    path("requests/", views.request_queue, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/assign/", views.request_assign, name="request_assign"),
    path("requests/<int:request_id>/contribution/", views.request_contribution, name="request_contribution"),
    path("requests/<int:request_id>/chase/", views.request_chase, name="request_chase"),
    path("requests/<int:request_id>/extend/", views.request_extend, name="request_extend"),
    path("requests/<int:request_id>/close/", views.request_close, name="request_close"),
    path("chronology/entries/<int:entry_id>/significant/", views.entry_significance, name="entry_significance"),
    path(
        "chronology/documents/<int:document_id>/download/",
        views.entry_document_download,
        name="entry_document_download",
    ),
    path("<int:referral_id>/screening/decision/", views.screening_decision, name="screening_decision"),
    path("<int:referral_id>/chronology/", views.referral_chronology, name="referral_chronology"),
    path(
        "<int:referral_id>/chronology/export/<slug:fmt>/",
        views.referral_chronology_export,
        name="referral_chronology_export",
    ),
]
