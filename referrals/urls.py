from django.urls import URLPattern, URLResolver, include, path

from referrals import search_views, views

app_name = "referrals"

# Paths below /referrals/<id>/.
draft_patterns = [
    path("", views.resume, name="resume"),
    path("check-your-answers/", views.check_answers, name="check_answers"),
    path("attachments/", views.draft_attachments, name="draft_attachments"),
    path("delete/", views.delete_draft, name="delete_draft"),
    path("attachments/<int:attachment_id>/remove/", views.remove_attachment, name="remove_attachment"),
    path("<slug:step>/", views.draft_step, name="draft_step"),
]
screening_patterns = [
    path("", views.screening, name="screening"),
    path("start/", views.screening_start, name="screening_start"),
    path("deconfliction/", views.screening_deconfliction, name="screening_deconfliction"),
    path("notes/", views.screening_notes, name="screening_notes"),
    path("rag/", views.screening_rag, name="screening_rag"),
    path("needs-and-consent/", views.screening_needs, name="screening_needs"),
]
referral_patterns: list[URLPattern | URLResolver] = [
    path("", views.detail, name="detail"),
    path("draft/", include(draft_patterns)),
    path("submit/", views.submit, name="submit"),
    path("confirmation/", views.confirmation, name="confirmation"),
    path("share/", views.share, name="share"),
    path("screening/", include(screening_patterns)),
    path("shares/<int:share_id>/revoke/", views.revoke_share, name="revoke_share"),
]

urlpatterns = [
    path("new/", views.start, name="start"),
    path("mine/", views.mine, name="mine"),
    path("screening/", views.screening_queue, name="screening_queue"),
    path("caseload/", views.caseload, name="caseload"),
    path("search/", search_views.search_page, name="search"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("attachments/<int:attachment_id>/download/", views.attachment_download, name="attachment_download"),
    path("<int:referral_id>/", include(referral_patterns)),
]
