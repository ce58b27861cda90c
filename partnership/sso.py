"""Single sign-on through an agency's OpenID Connect provider (authlib; docs/adr/0026).

``start`` sends the browser to the provider (authorisation code with PKCE; authlib keeps state,
nonce and the code verifier in the session). ``finish`` takes the provider's answer: authlib checks
the state, exchanges the code and verifies the ID token's signature (the provider's JWKS), ``iss``
(the configured issuer, which the discovery document must also name), ``aud``, ``exp`` and the
nonce. ``person_for`` then matches the verified email claim to an EXISTING active user of that
agency in an allowed domain: nothing is created, no role or profile field comes from the provider,
and nothing from it (no access or refresh token) is kept. Every refusal is audited here; a sign-in
is audited by Django's ``user_logged_in`` signal (``sharing.auth_events``)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import OAuth
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django_otp import login as otp_login
from joserfc.errors import JoseError

from core.audit import record_event
from core.models import AuditVerb
from partnership.models import IdentityProviderDevice, SingleSignOn, User
from partnership.session_times import stamp_new_session

PENDING_AGENCY = "convene_sso_agency"
PENDING_NEXT = "convene_sso_next"
SCOPE = "openid email"
TIMEOUT_SECONDS = 10
LEEWAY_SECONDS = 60
BACKEND = "partnership.backends.PartnershipBackend"


# --- The client secret, encrypted at rest -----------------------------------------------------


def _fernet() -> MultiFernet:
    keys = list(settings.CONVENE_SSO_SECRET_KEYS)
    if not keys:
        digest = hashlib.sha256(f"partnership.sso.client-secret|{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SignInRefused("secret_unreadable") from exc


# --- Which agency signs this address in ------------------------------------------------------


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def sign_on_for_email(email: str) -> SingleSignOn | None:
    """The enabled single sign-on of an active agency that allows this address's domain (domains
    are unique across agencies: ``services.configure_single_sign_on`` refuses a second claim)."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        SingleSignOn.objects.select_related("agency")
        .filter(is_enabled=True, agency__is_active=True, allowed_email_domains__contains=[domain])
        .first()
    )


def provider_origins() -> list[str]:
    """The scheme and host of every enabled provider (where the sign-in page's form may lead)."""
    issuers = SingleSignOn.objects.filter(is_enabled=True, agency__is_active=True).values_list("issuer", flat=True)
    return sorted({"{0.scheme}://{0.netloc}".format(urlsplit(issuer)) for issuer in issuers})


def agency_uses_sign_on(agency_id: int | None) -> bool:
    return agency_id is not None and SingleSignOn.objects.filter(agency_id=agency_id, is_enabled=True).exists()


# --- The flow ----------------------------------------------------------------------------------


class SignInRefused(Exception):
    """A single sign-on that must not sign anyone in; ``reason`` is a code for the audit trail."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _client(config: SingleSignOn) -> Any:
    oauth = OAuth()
    return oauth.register(
        name=f"agency{config.agency_id}",
        client_id=config.client_id,
        client_secret=decrypt_secret(config.client_secret_encrypted),
        server_metadata_url=config.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def _metadata(client: Any, config: SingleSignOn) -> dict[str, Any]:
    try:
        metadata: dict[str, Any] = client.load_server_metadata()
    except (OSError, ValueError) as exc:  # requests' errors are OSErrors; a bad document is a ValueError
        raise SignInRefused("provider_unreachable") from exc
    if not constant_time_compare(str(metadata.get("issuer", "")), config.issuer):
        raise SignInRefused("issuer_mismatch")
    return metadata


def start(request: HttpRequest, config: SingleSignOn, *, login_hint: str, redirect_uri: str, next_url: str) -> Any:
    """The redirect to the provider's authorisation endpoint."""
    client = _client(config)
    _metadata(client, config)
    request.session[PENDING_AGENCY] = config.agency_id
    request.session[PENDING_NEXT] = next_url
    return client.authorize_redirect(request, redirect_uri, login_hint=login_hint)


@dataclass(frozen=True)
class SignedOn:
    user: User
    mfa: bool
    next_url: str


def _claims(request: HttpRequest, config: SingleSignOn) -> dict[str, Any]:
    client = _client(config)
    _metadata(client, config)
    options = {"iss": {"essential": True, "value": config.issuer}}
    try:
        token = client.authorize_access_token(request, claims_options=options, leeway=LEEWAY_SECONDS)
    except OAuthError as exc:
        refused = exc.error in {"access_denied", "login_required", "interaction_required"}
        raise SignInRefused("provider_refused" if refused else f"oauth_{exc.error or 'error'}"[:64]) from exc
    except JoseError as exc:
        raise SignInRefused(f"id_token_{exc.error}"[:64]) from exc
    except OSError as exc:
        raise SignInRefused("provider_unreachable") from exc
    userinfo = token.get("userinfo")
    if not userinfo:  # no ID token, so nothing was verified
        raise SignInRefused("no_id_token")
    return dict(userinfo)


def person_for(config: SingleSignOn, claims: dict[str, Any]) -> User:
    """The one active user of the agency with this verified address, in an allowed domain."""
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is not True:
        raise SignInRefused("email_not_verified")
    if email_domain(email) not in {d.lower() for d in config.allowed_email_domains}:
        raise SignInRefused("domain_not_allowed")
    matches = list(User.objects.select_related("agency").filter(email__iexact=email, agency_id=config.agency_id)[:2])
    if len(matches) != 1:
        raise SignInRefused("no_such_person" if not matches else "email_not_unique")
    user = matches[0]
    if not user.is_active or not user.agency or not user.agency.is_active:
        raise SignInRefused("person_inactive")
    return user


def mfa_satisfied(config: SingleSignOn, claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    amr_values = {str(value) for value in amr} if isinstance(amr, list) else set()
    return bool(amr_values & set(config.mfa_amr_values)) or str(claims.get("acr") or "") in set(config.mfa_acr_values)


def finish(request: HttpRequest) -> SignedOn:
    """Check the provider's answer and sign the person in; ``SignInRefused`` (audited) if not."""
    agency_id = request.session.get(PENDING_AGENCY)
    next_url = str(request.session.get(PENDING_NEXT) or "")
    config = None
    if isinstance(agency_id, int):
        config = SingleSignOn.objects.select_related("agency").filter(agency_id=agency_id).first()
    claims: dict[str, Any] = {}
    try:
        if config is None or not config.is_enabled or not config.agency.is_active:
            raise SignInRefused("no_sign_in_started")
        claims = _claims(request, config)
        user = person_for(config, claims)
    except SignInRefused as refusal:
        _audit_refusal(config, claims, refusal.reason)
        raise
    mfa = mfa_satisfied(config, claims)
    # A fresh session: nothing from before (no earlier second factor) carries over.
    request.session.flush()
    auth_login(request, user, backend=BACKEND)
    stamp_new_session(request)
    if mfa:
        device, _ = IdentityProviderDevice.objects.get_or_create(
            user=user, defaults={"name": f"{config.agency.name}'s sign-in", "confirmed": True}
        )
        otp_login(request, device)
    return SignedOn(user=user, mfa=mfa, next_url=next_url)


def _audit_refusal(config: SingleSignOn | None, claims: dict[str, Any], reason: str) -> None:
    """From where: ``sharing.middleware.AuditContextMiddleware`` has set the request's origin."""
    email = str(claims.get("email") or "")[:150]
    details = {"method": "single_sign_on", "reason": reason, "email": email}
    if config is not None:
        details["agency"] = config.agency.name
    record_event(actor=None, verb=AuditVerb.LOGIN_FAILED, username=email, details=details)
