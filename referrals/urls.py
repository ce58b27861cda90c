from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("new/", views.start, name="start"),
    path("mine/", views.mine, name="mine"),
    path("screening/", views.screening_queue, name="screening_queue"),
    path("caseload/", views.caseload, name="caseload"),
    path("search/", views.search, name="search"),
    path("break-glass/", views.break_glass, name="break_glass"),
    # Cases, information requests, the chronology and the outcomes report (issue 4)
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
    path("reports/outcomes/", views.outcomes_report, name="outcomes_report"),
    path("attachments/<int:attachment_id>/download/", views.attachment_download, name="attachment_download"),
    path("<int:referral_id>/", views.detail, name="detail"),
    path("<int:referral_id>/draft/", views.resume, name="resume"),
    path("<int:referral_id>/draft/check-your-answers/", views.check_answers, name="check_answers"),
    path("<int:referral_id>/draft/attachments/", views.draft_attachments, name="draft_attachments"),
    path(
        "<int:referral_id>/draft/attachments/<int:attachment_id>/remove/",
        views.remove_attachment,
        name="remove_attachment",
    ),
    path("<int:referral_id>/draft/<slug:step>/", views.draft_step, name="draft_step"),
    path("<int:referral_id>/submit/", views.submit, name="submit"),
    path("<int:referral_id>/confirmation/", views.confirmation, name="confirmation"),
    path("<int:referral_id>/share/", views.share, name="share"),
    # Screening (issue 4)
    path("<int:referral_id>/screening/", views.screening, name="screening"),
    path("<int:referral_id>/screening/start/", views.screening_start, name="screening_start"),
    path("<int:referral_id>/screening/notes/", views.screening_note, name="screening_note"),
    path("<int:referral_id>/screening/rag/", views.screening_rag, name="screening_rag"),
    path("<int:referral_id>/screening/decision/", views.screening_decision, name="screening_decision"),
    path("<int:referral_id>/chronology/", views.referral_chronology, name="referral_chronology"),
    path(
        "<int:referral_id>/chronology/export/<slug:fmt>/",
        views.referral_chronology_export,
        name="referral_chronology_export",
    ),
    path("<int:referral_id>/shares/<int:share_id>/revoke/", views.revoke_share, name="revoke_share"),
]
