"""Two-factor enrolment and verification on top of django-otp devices."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership.models import User

RECOVERY_CODE_COUNT = 10
DEMO_DEVICE_NAME = "demo"


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def refusal_message(user: User) -> str:
    """After wrong codes django-otp makes the device wait a little longer each time: say so."""
    device = confirmed_totp_device(user)
    if device is not None and device.throttling_failure_count >= 3 and not device.verify_is_allowed()[0]:
        return "Too many wrong codes. Wait a few seconds, then enter the newest code."
    return "The security code is not right or has expired. Try the newest code."


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled, created on first visit to set-up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def qr_code_data_uri(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def secret_for_manual_entry(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_enrolment(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code; returns fresh recovery codes, or None if the code is wrong."""
    if not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return replace_recovery_codes(user=device.user)


@transaction.atomic
def replace_recovery_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def enrol_demo_device(*, user: User, key_hex: str) -> TOTPDevice:
    """Pre-enrol a demo user with a known key so the demo stays easy (seed_demo only)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key_hex, confirmed=True)


def current_demo_code(user: User) -> str | None:
    """The current code of a seeded demo device, shown only when demo mode is on."""
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None:
        return None
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return str(code).zfill(device.digits)
