"""Single sign-on through a REAL OpenID Connect provider (oidc-provider, run by node on loopback):
discovery, authorisation code with PKCE, state, nonce and the ID token checked; people matched by
verified email to an existing active user of that agency in an allowed domain, never created; the
provider's MFA counts as two-factor only when its amr says so; refusals and sign-ins audited."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client

from core.models import AuditEvent, AuditVerb
from partnership import services
from partnership.models import Agency, AgencyKind, SingleSignOn, User
from tests.oidc.harness import OidcProvider
from tests.pages import error_summary
from tests.partnership.factories import PASSWORD, enrol_totp
from tests.world import new_agency, new_user

pytestmark = pytest.mark.django_db

BACK_TO = "http://testserver/account/sign-in/work-account/callback/"
DOMAIN = "police.example.gov.uk"
CLIENT_ID = "convene-police"
CLIENT_SECRET = "police-client-secret-4f9a"
IDP_PASSWORD = "idp-password"

ACCOUNTS: dict[str, dict[str, Any]] = {
    "amy": {"email": f"amy@{DOMAIN}", "amr": ["pwd", "mfa"]},
    "ben": {"email": f"ben@{DOMAIN}", "amr": ["pwd"]},
    "carl": {"email": f"carl@{DOMAIN}", "amr": ["pwd", "mfa"]},
    "dora": {"email": "dora@mail.example.com", "amr": ["pwd", "mfa"]},
    "erin": {"email": f"erin@{DOMAIN}", "amr": ["pwd", "mfa"]},
    "fred": {"email": f"fred@{DOMAIN}", "amr": ["pwd", "mfa"]},
    "gina": {"email": f"gina@{DOMAIN}", "amr": ["pwd", "mfa"]},
    "hal": {"email": f"hal@{DOMAIN}", "amr": ["pwd", "mfa"], "email_verified": False},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    accounts = {login: {"password": IDP_PASSWORD, **account} for login, account in ACCOUNTS.items()}
    clients = [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [BACK_TO]}]
    with OidcProvider(clients=clients, accounts=accounts) as running:
        yield running


@pytest.fixture
def police(provider: OidcProvider) -> Agency:
    agency = new_agency("Northshire Police", AgencyKind.POLICE)
    configure(agency, issuer=provider.issuer)
    return agency


def configure(agency: Agency, **values: Any) -> SingleSignOn:
    defaults = {
        "is_enabled": True,
        "issuer": "",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_email_domains": [DOMAIN],
        "mfa_amr_values": ["mfa", "otp", "hwk"],
        "mfa_acr_values": [],
    }
    return services.configure_single_sign_on(actor=None, agency=agency, values={**defaults, **values})


def start(client: Client, email: str, next_url: str = "") -> str:
    """The email-first step; the provider's authorisation address it redirects to."""
    response = client.post("/account/sign-in/work-account/", {"email": email, "next": next_url})
    assert response.status_code == 302, response.content
    return str(response["Location"])


def sign_on(client: Client, provider: OidcProvider, login: str, *, email: str | None = None) -> Any:
    authorize = start(client, email or str(ACCOUNTS[login]["email"]))
    back = provider.sign_in(authorize, login=login, password=IDP_PASSWORD, back_to=BACK_TO)
    return client.get(back.removeprefix("http://testserver"))


def signed_in_as(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def summary_text(response: Any) -> str:
    return " ".join(text for _, text in error_summary(response))


def refusals() -> list[dict[str, Any]]:
    return [e.details for e in AuditEvent.objects.filter(verb=AuditVerb.LOGIN_FAILED).order_by("seq")]


# --- Signing in ----------------------------------------------------------------------------------


def test_the_authorisation_request_uses_pkce_state_nonce_and_the_hint(police: Agency, provider: OidcProvider) -> None:
    query = parse_qs(urlsplit(start(Client(), f"amy@{DOMAIN}")).query)
    assert urlsplit(start(Client(), f"amy@{DOMAIN}")).netloc == urlsplit(provider.issuer).netloc
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert all(query[name][0] for name in ("code_challenge", "state", "nonce"))
    assert query["login_hint"] == [f"amy@{DOMAIN}"]
    assert "openid" in query["scope"][0].split()


def test_with_the_providers_mfa_no_security_code_is_asked(police: Agency, provider: OidcProvider) -> None:
    amy = new_user(police, 2, email=f"amy@{DOMAIN}")
    client = Client()
    response = sign_on(client, provider, "amy")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_as(client) == amy.pk
    assert client.get("/").status_code == 200  # verified: no two-factor page
    login = AuditEvent.objects.get(verb=AuditVerb.LOGIN)
    assert login.actor_id == amy.pk
    assert login.details["method"] == "single_sign_on"
    assert refusals() == []
    # Nothing about the person changed because of the provider.
    amy_after = User.objects.get(pk=amy.pk)
    assert (amy_after.roles, amy_after.clearance_id, amy_after.first_name) == (
        amy.roles,
        amy.clearance_id,
        amy.first_name,
    )


def test_without_the_providers_mfa_the_convene_security_code_is_asked(police: Agency, provider: OidcProvider) -> None:
    ben = new_user(police, 1, email=f"ben@{DOMAIN}")
    enrol_totp(ben)
    client = Client()
    response = sign_on(client, provider, "ben")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")
    assert signed_in_as(client) == ben.pk
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/account/two-factor/")


def test_an_acr_configured_as_mfa_counts(provider: OidcProvider) -> None:
    agency = new_agency("Acr Police", AgencyKind.POLICE)
    configure(agency, issuer=provider.issuer, mfa_amr_values=["hwk"], mfa_acr_values=["urn:test:mfa"])
    new_user(agency, 1, email=f"amy@{DOMAIN}")
    client = Client()
    response = sign_on(client, provider, "amy")  # amr: pwd, mfa; hwk alone counts here, and no acr is sent
    assert response["Location"].startswith("/account/two-factor/")


@pytest.mark.parametrize(
    ("login", "reason"),
    [
        ("carl", "no_such_person"),
        ("dora", "domain_not_allowed"),
        ("hal", "email_not_verified"),
    ],
)
def test_refused_without_a_matching_person_and_nothing_is_created(
    police: Agency, provider: OidcProvider, login: str, reason: str
) -> None:
    people = User.objects.count()
    client = Client()
    response = sign_on(client, provider, login, email=f"{login}@{DOMAIN}")
    assert response.status_code == 403
    assert "could not be signed in" in response.content.decode()
    assert signed_in_as(client) is None
    assert User.objects.count() == people
    assert refusals()[-1]["reason"] == reason
    assert refusals()[-1]["agency"] == "Northshire Police"
    assert not AuditEvent.objects.filter(verb=AuditVerb.LOGIN).exists()


def test_a_person_of_another_agency_is_refused(police: Agency, provider: OidcProvider) -> None:
    new_user(new_agency("Northshire Health", AgencyKind.HEALTH), 1, email=f"erin@{DOMAIN}")
    client = Client()
    assert sign_on(client, provider, "erin").status_code == 403
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"] == "no_such_person"


def test_a_deactivated_person_is_refused(police: Agency, provider: OidcProvider) -> None:
    new_user(police, 1, email=f"fred@{DOMAIN}", is_active=False)
    client = Client()
    assert sign_on(client, provider, "fred").status_code == 403
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"] == "person_inactive"


def test_someone_disabled_at_the_provider_cannot_sign_in_again(police: Agency, provider: OidcProvider) -> None:
    gina = new_user(police, 1, email=f"gina@{DOMAIN}")
    client = Client()
    sign_on(client, provider, "gina")
    assert signed_in_as(client) == gina.pk
    provider.change_account("gina", disabled=True)
    try:
        again = Client()
        response = sign_on(again, provider, "gina")
        assert response.status_code == 403
        assert signed_in_as(again) is None
        assert refusals()[-1]["reason"] == "provider_refused"
    finally:
        provider.change_account("gina", disabled=False)


def test_a_tampered_state_is_refused(police: Agency, provider: OidcProvider) -> None:
    new_user(police, 1, email=f"amy@{DOMAIN}")
    client = Client()
    back = provider.sign_in(start(client, f"amy@{DOMAIN}"), login="amy", password=IDP_PASSWORD, back_to=BACK_TO)
    query = parse_qs(urlsplit(back).query)
    tampered = {"code": query["code"][0], "state": query["state"][0][:-2] + "xx"}
    response = client.get(f"/account/sign-in/work-account/callback/?{urlencode(tampered)}")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"] == "oauth_mismatching_state"


def test_a_wrong_nonce_is_refused(police: Agency, provider: OidcProvider) -> None:
    new_user(police, 1, email=f"amy@{DOMAIN}")
    client = Client()
    back = provider.sign_in(start(client, f"amy@{DOMAIN}"), login="amy", password=IDP_PASSWORD, back_to=BACK_TO)
    session = client.session
    (key,) = [k for k in session.keys() if k.startswith("_state_")]  # noqa: SIM118 - a session has no __iter__
    stored = session[key]
    stored["data"]["nonce"] = "not-the-nonce-sent"
    session[key] = stored
    session.save()
    response = client.get(back.removeprefix("http://testserver"))
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert refusals()[-1]["reason"].startswith("id_token_")


def test_a_provider_naming_another_issuer_is_refused(provider: OidcProvider) -> None:
    agency = new_agency("Elsewhere Police", AgencyKind.POLICE)
    # The same provider reached by another name: its discovery document names 127.0.0.1, not localhost.
    configure(agency, issuer=provider.issuer.replace("127.0.0.1", "localhost"))
    response = Client().post("/account/sign-in/work-account/", {"email": f"amy@{DOMAIN}"})
    assert response.status_code == 503
    assert "cannot be reached" in summary_text(response)


def test_a_callback_without_a_started_sign_in_is_refused_and_audited(police: Agency) -> None:
    client = Client()
    response = client.get("/account/sign-in/work-account/callback/?code=abc&state=def")
    assert response.status_code == 403
    assert refusals()[-1]["reason"] == "no_sign_in_started"


def test_an_address_no_agency_signs_in_is_told_to_use_a_password(police: Agency) -> None:
    response = Client().post("/account/sign-in/work-account/", {"email": "someone@council.example.gov.uk"})
    assert response.status_code == 400
    assert "use your username and password" in summary_text(response)
    bad = Client().post("/account/sign-in/work-account/", {"email": "not an address"})
    assert bad.status_code == 400
    assert "correct format" in summary_text(bad)


def test_people_of_a_single_sign_on_agency_cannot_use_a_password(police: Agency) -> None:
    amy = new_user(police, 1, email=f"amy@{DOMAIN}")
    response = Client().post("/account/sign-in/", {"username": amy.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session
    other = new_user(new_agency("Council"), 1)
    assert Client().post("/account/sign-in/", {"username": other.username, "password": PASSWORD}).status_code == 302


def test_a_session_of_a_single_sign_on_user_ends_with_the_partnership_rules(
    police: Agency, provider: OidcProvider, settings: Any
) -> None:
    new_user(police, 1, email=f"amy@{DOMAIN}")
    client = Client()
    sign_on(client, provider, "amy")
    assert client.get("/").status_code == 200
    settings.SESSION_ABSOLUTE_LIFETIME = -1
    ended = client.get("/")
    assert ended.status_code == 302
    assert ended["Location"].startswith("/account/sign-in/")
    assert signed_in_as(client) is None
