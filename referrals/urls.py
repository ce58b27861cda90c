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
    path("<int:referral_id>/shares/<int:share_id>/revoke/", views.revoke_share, name="revoke_share"),
]
