from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django_otp.oath import totp

from partnership import services
from tests.conftest import sign_in_verified
from tests.partnership.factories import PASSWORD, UserFactory, enrol_totp

pytestmark = pytest.mark.django_db


def _code(device) -> str:
    return str(totp(device.bin_key)).zfill(6)


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")


def test_password_alone_does_not_open_pages(client, user):
    enrol_totp(user)
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/account/two-factor/")


def test_password_alone_does_not_open_the_api(client, user):
    enrol_totp(user)
    client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Two-factor authentication required."}


def test_wrong_code_is_refused_with_an_error(client, user):
    device = enrol_totp(user)
    client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    wrong = str((int(_code(device)) + 1) % 1_000_000).zfill(6)
    response = client.post("/account/two-factor/", {"token": wrong})
    assert response.status_code == 400
    assert b"security code is not right" in response.content
    assert client.get("/").status_code == 302


def test_password_and_code_open_pages_and_api(client, user):
    sign_in_verified(client, user)
    assert client.get("/").status_code == 200
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_recovery_code_works_once(client, user):
    enrol_totp(user)
    from partnership.two_factor import replace_recovery_codes

    codes = replace_recovery_codes(user=user)
    client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert client.post("/account/two-factor/", {"token": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/account/sign-out/")
    client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert client.post("/account/two-factor/", {"token": codes[0]}).status_code == 400


def test_first_sign_in_enrols_an_authenticator(client, user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/account/two-factor/set-up/")
    assert b"data:image/svg+xml;base64," in response.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/two-factor/set-up/?next=/", {"token": _code(device)})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/recovery-codes/")
    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    assert len(codes_page.context["codes"]) == 10
    assert client.get("/").status_code == 200


def test_sixth_failure_is_refused_even_with_the_right_password(client, user):
    enrol_totp(user)
    for _ in range(4):
        response = client.post("/account/sign-in/", {"username": user.username, "password": "wrong password"})
        assert response.status_code == 200
    # The fifth failure locks the username from this address...
    response = client.post("/account/sign-in/", {"username": user.username, "password": "wrong password"})
    assert response.status_code == 429
    # ...so the sixth attempt is refused even with the right password.
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert client.get("/").status_code == 302


def test_lockout_is_per_username_and_address(client, user):
    other = UserFactory()
    for _ in range(5):
        client.post("/account/sign-in/", {"username": user.username, "password": "wrong password"})
    response = client.post("/account/sign-in/", {"username": other.username, "password": PASSWORD})
    assert response.status_code == 302


def test_idle_session_times_out_after_thirty_minutes(client, user):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_verified(client, user)
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")
        assert client.get("/api/v1/me/").status_code in (401, 403)


def test_session_has_an_absolute_lifetime(client, user, settings):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        sign_in_verified(client, user)
        for _ in range(21):  # active every 29 minutes for over 10 hours
            traveller.shift(timedelta(minutes=29))
            response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/sign-in/")


def test_deactivating_a_user_ends_their_session(client, user):
    sign_in_verified(client, user)
    services.deactivate_user(user=user)
    assert client.get("/").status_code == 302


def test_deactivating_the_agency_ends_the_session_and_blocks_sign_in(client, user):
    sign_in_verified(client, user)
    services.deactivate_agency(agency=user.agency)
    assert client.get("/").status_code == 302
    response = client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200  # form shown again with an error, not signed in
    assert client.get("/").status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(client, user):
    sign_in_verified(client, user)
    response = client.post("/account/sign-out/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_reset_email_carries_no_personal_data(client, user):
    response = client.post("/account/password-reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert "/account/password-reset/" in body
    for personal in (user.first_name, user.last_name, user.agency.name):
        assert personal not in body


def test_authenticated_pages_are_not_cached_and_have_a_strict_csp(client, user):
    sign_in_verified(client, user)
    response = client.get("/")
    assert "no-store" in response["Cache-Control"]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_open_redirect_after_sign_in_is_refused(client, user):
    device = enrol_totp(user)
    client.post("/account/sign-in/", {"username": user.username, "password": PASSWORD})
    response = client.post("/account/two-factor/?next=https://evil.example/", {"token": _code(device)})
    assert response.status_code == 302
    assert response["Location"] == "/"
