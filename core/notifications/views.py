"""The notification centre: your notifications (unread first), mark one or all as read,
and choose email or in-app only per kind of reminder. Thin: the writes live in
core.notifications.inbox and core.notifications.preferences."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.models import Notification
from core.notifications import inbox
from core.notifications.kinds import ReminderKind, mandatory_kinds, reminder_kinds
from core.notifications.preferences import email_preferences, set_email_preferences

PAGE_SIZE = 25
EMAIL = "email"
IN_APP_ONLY = "in_app"


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    rows = Notification.objects.filter(recipient_id=request.user.pk).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page, "notifications": page.object_list})


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = inbox.mark_read(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404("Not found.")
    target = notification.link
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = inbox.mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notifications:list")


class PreferencesForm(forms.Form):
    """One email-or-in-app-only choice per kind; mandatory kinds are shown, not asked."""

    def __init__(
        self,
        *args: object,
        kinds: dict[str, ReminderKind],
        current: dict[str, bool],
        mandatory: frozenset[str],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for code, kind in kinds.items():
            if code in mandatory:
                continue
            self.fields[code] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.description,
                choices=[(EMAIL, "Email and in Convene"), (IN_APP_ONLY, "In Convene only")],
                widget=forms.RadioSelect,
                initial=EMAIL if current.get(code, True) else IN_APP_ONLY,
            )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    kinds = reminder_kinds()
    mandatory = mandatory_kinds()
    current = email_preferences(request.user)
    form = PreferencesForm(request.POST or None, kinds=kinds, current=current, mandatory=mandatory)
    if request.method == "POST" and form.is_valid():
        set_email_preferences(
            user=request.user, choices={code: value == EMAIL for code, value in form.cleaned_data.items()}
        )
        messages.success(request, "Your reminder choices have been saved.")
        return redirect("notifications:preferences")
    fixed = [kinds[code] for code in kinds if code in mandatory]
    return render(
        request,
        "core/notifications_preferences.html",
        {"form": form, "fixed": fixed},
        status=400 if form.errors else 200,
    )
