"""Sign-in, two-factor authentication, password pages and the home page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django.views.generic import View
from django_otp import login as otp_login
from django_otp import match_token

from core.web import form_page, form_status, handle_form, success_to
from partnership import password_reset, selectors, services, sso, two_factor
from partnership.forms import AgreementForm, SignInForm, SingleSignOnStartForm, TokenForm
from partnership.models import LawfulBasis
from partnership.session_times import stamp_new_session
from partnership.web import SignedInRequest


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _with_next(url_name: str, request: HttpRequest) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': _safe_next(request)})}"


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    extra_context = {"sso_form": SingleSignOnStartForm()}

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        return _allow_sign_on_forms(super().render_to_response(context, **kwargs))

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        auth_login(self.request, form.get_user())
        stamp_new_session(self.request)
        return redirect(f"{reverse('two_factor')}?{urlencode({'next': self.get_success_url()})}")


def _allow_sign_on_forms(response: HttpResponse) -> HttpResponse:
    """The work-account form's answer redirects to an agency's provider, which the browser checks
    against the page's ``form-action``: let the sign-in page's forms go there too."""
    if origins := sso.provider_origins():
        response._csp_update = {"form-action": ["'self'", *origins]}  # type: ignore[attr-defined]
    return response


SSO_REFUSED = (
    "You could not be signed in with your work account. Check you use the address your partnership admin "
    "set up for you, or ask them for help."
)


class SignInWithWorkAccountView(View):
    """The email-first step of single sign-on: the address's domain says which agency's provider
    signs the person in (no account is looked up here, so nothing is told about who exists)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SingleSignOnStartForm(request.POST)
        config = sso.sign_on_for_email(form.cleaned_data["email"]) if form.is_valid() else None
        if form.is_valid() and config is None:
            form.add_error(
                "email", "Your agency does not sign in with a work account here: use your username and password"
            )
        if config is None:
            return _sign_in_page(request, sso_form=form, status=400)
        try:
            return sso.start(
                request,
                config,
                login_hint=form.cleaned_data["email"],
                redirect_uri=request.build_absolute_uri(reverse("sso_callback")),
                next_url=_safe_next(request),
            )
        except sso.SignInRefused:
            form.add_error("email", "Your agency's sign-in service cannot be reached. Try again later")
            return _sign_in_page(request, sso_form=form, status=503)


def _sign_in_page(request: HttpRequest, *, sso_form: SingleSignOnStartForm, status: int) -> HttpResponse:
    context = {"form": SignInForm(request), "sso_form": sso_form, "error_form": sso_form, "next": _safe_next(request)}
    return _allow_sign_on_forms(render(request, "registration/login.html", context, status=status))


@never_cache
@require_http_methods(["GET"])
def sso_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the person back here with a code (or an error); see ``partnership.sso``."""
    try:
        signed_on = sso.finish(request)
    except sso.SignInRefused:
        return render(request, "registration/sso_refused.html", {"message": SSO_REFUSED}, status=403)
    next_url = signed_on.next_url or reverse("home")
    if signed_on.mfa:
        return redirect(next_url)
    return redirect(f"{reverse('two_factor')}?{urlencode({'next': next_url})}")


def _code_page(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A page that asks a signed-in person for a security code: never cached, the code kept out of error reports."""
    return never_cache(sensitive_post_parameters("token")(login_required(require_http_methods(["GET", "POST"])(view))))


def _verified(request: HttpRequest, device: Any) -> None:
    """The second factor checked: the session is verified through ``device`` and gets a new key."""
    otp_login(request, device)
    request.session.cycle_key()


@_code_page
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request))
    if two_factor.confirmed_totp_device(user) is None:  # type: ignore[arg-type]
        return redirect(_with_next("two_factor_setup", request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"])
        if device is not None:
            _verified(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", two_factor.refusal_message(user))  # type: ignore[arg-type]
    demo_code = two_factor.current_demo_code(user) if settings.CONVENE_DEMO_MODE else None  # type: ignore[arg-type]
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _safe_next(request), "demo_code": demo_code},
        status=form_status(form),
    )


@_code_page
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.confirmed_totp_device(user) is not None:  # type: ignore[arg-type]
        return redirect(_with_next("two_factor", request))
    device = two_factor.pending_totp_device(user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            _verified(request, device)
            request.session["convene_new_recovery_codes"] = codes
            return redirect(_with_next("two_factor_recovery_codes", request))
        form.add_error(
            "token", "The security code is not right. Check the time on your device and try the newest code."
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "next": _safe_next(request),
            "qr_data_uri": two_factor.qr_code_data_uri(device),
            "secret": two_factor.secret_for_manual_entry(device),
        },
        status=form_status(form),
    )


@never_cache
@login_required
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shown once, straight after enrolment."""
    codes = request.session.pop("convene_new_recovery_codes", None)
    if not codes:
        return redirect(_safe_next(request))
    return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": _safe_next(request)})


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, throttled per address and per IP address (``partnership.password_reset``).
    A refused request gets the same "if the address matches an account" page and no email."""

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        email = form.cleaned_data["email"]
        if password_reset.allow_reset_request(email=email, ip_address=self.request.META.get("REMOTE_ADDR")):
            return super().form_valid(form)
        return HttpResponseRedirect(self.get_success_url())


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Navigation comes from partnership.context_processors.navigation.
    return render(request, "core/home.html")


@require_http_methods(["GET"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Public: what Convene holds, on what basis, who controls it and for how long."""
    context = {"controllers": selectors.controller_names(), "lawful_bases": LawfulBasis.labels}
    return render(request, "partnership/privacy_notice.html", context)


@login_required
@require_http_methods(["GET"])
def agreement_register(request: SignedInRequest) -> HttpResponse:
    """Each agency's current data-sharing agreement, for partnership admins."""
    rows = selectors.agreement_register(viewer=request.user)
    return render(request, "partnership/agreement_register.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_record(request: SignedInRequest, agency_id: int) -> HttpResponseBase:
    """Record an agency's new or renewed data-sharing agreement."""
    agency, agreements = selectors.agreements_of(viewer=request.user, agency_id=agency_id)
    form = AgreementForm(request.POST or None)
    context = {"agency": agency, "agreements": agreements, "current": selectors.current_agreement(agency), "form": form}
    return handle_form(
        request,
        form,
        action=lambda: services.record_data_sharing_agreement(
            actor=request.user, agency=agency, values=form.cleaned_data
        ),
        success=success_to(request, f"Agreement recorded for {agency.name}.", reverse("agreements")),
        render=form_page(request, "partnership/agreement_record.html", context),
    )
