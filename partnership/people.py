"""Bringing people into Convene and looking after their sign-in: invitations (a one-time link to
choose a password, then two-factor enrolment), resetting someone's two-factor, and importing many
people from a CSV file with nothing written until every row is valid.

Every change is audited (``AuditVerb.CONFIGURED``) and rests on ``partnership.services``: an
invited or imported person is made by ``services.create_user``, so their clearance and roles wait
for a second admin exactly as they would one at a time. An admin never resets their own two-factor
nor invites themselves into another account."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import record_event
from core.errors import PermissionDenied, ValidationError
from core.models import AuditVerb
from partnership import permissions, services
from partnership.models import Agency, ClearanceLevel, Role, User

DEFAULT_INVITATION_DAYS = 7
IMPORT_COLUMNS = ("username", "first_name", "last_name", "email", "job_title", "agency", "clearance_rank", "roles")
REQUIRED_COLUMNS = ("username", "email")
MAX_IMPORT_ROWS = 500


def invitation_days() -> int:
    return int(getattr(settings, "CONVENE_INVITATION_DAYS", DEFAULT_INVITATION_DAYS))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """A link that works once (choosing a password changes the hash) and for ``invitation_days``."""

    key_salt = "partnership.people.InvitationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{user.email}{user.session_version}{timestamp}"

    def check_token(self, user: Any, token: str | None) -> bool:
        if not (user and token) or user.has_usable_password() or not user.is_active:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > invitation_days() * 24 * 60 * 60:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("invitation_accept", kwargs={"uidb64": uid, "token": invitation_tokens.make_token(user)})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _email_invitation(user: User) -> None:
    context = {"user": user, "link": invitation_link(user), "days": invitation_days()}
    body = render_to_string("partnership/manage/invitation_email.txt", context)
    send_mail("Your Convene account", body, None, [user.email])


def _refuse_invitation(actor: Any, user: User) -> None:
    permissions.require_configure(actor)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("You cannot invite yourself. Ask another partnership admin.")
    if not user.is_active:
        raise ValidationError(f"{user.username} is not active: reactivate them first.")
    if not user.email:
        raise ValidationError({"email": [f"{user.username} has no email address."]})
    if user.has_usable_password():
        raise ValidationError(
            f"{user.username} has already chosen a password: they can reset it from the sign-in page."
        )


@transaction.atomic
def send_invitation(*, actor: Any, user: User) -> None:
    """Email ``user`` (who has not chosen a password yet) a one-time link, after the write commits."""
    _refuse_invitation(actor, user)
    record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=user, details={"action": "invited", "email": user.email})
    transaction.on_commit(lambda: _email_invitation(user))


@transaction.atomic
def invite_user(*, actor: Any, values: dict[str, Any]) -> User:
    """A new user (``services.create_user`` arguments, without a password) sent an invitation."""
    if not values.get("email"):
        raise ValidationError({"email": ["Enter their email address, for the invitation"]})
    user = services.create_user(actor=actor, password=None, **values)
    send_invitation(actor=actor, user=user)
    return user


@transaction.atomic
def reset_two_factor(*, actor: Any, user: User) -> None:
    """Remove ``user``'s authenticator and recovery codes and end their sessions: they enrol again
    at their next sign-in. Never an admin's own (that would weaken their own sign-in unseen)."""
    permissions.require_configure(actor)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied("You cannot reset your own two-factor authentication. Ask another partnership admin.")
    authenticators, _ = TOTPDevice.objects.filter(user=user).delete()
    recovery, _ = StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    details = {"action": "two_factor_reset", "devices_removed": authenticators + recovery}
    record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=user, details=details)


# --- Importing people from CSV ------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    rows: list[ImportRow]
    applied: bool
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and all(not row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for row in self.rows if row.errors)


def read_csv(text: str) -> tuple[list[ImportRow], list[str]]:
    """The rows of a CSV with a header line (the file's own problems as the second item)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    problems = []
    if missing:
        problems.append(f"The first line must name the columns; {', '.join(missing)} is missing.")
    if unknown:
        problems.append(f"Unknown columns: {', '.join(unknown)}. Use {', '.join(IMPORT_COLUMNS)}.")
    if problems:
        return [], problems
    reader.fieldnames = header
    rows = [
        ImportRow(line=reader.line_num, values={k: (v or "").strip() for k, v in raw.items() if k in IMPORT_COLUMNS})
        for raw in reader
        if any((v or "").strip() for v in raw.values() if isinstance(v, str))
    ]
    if not rows:
        return [], ["The file has no people in it."]
    if len(rows) > MAX_IMPORT_ROWS:
        return [], [f"Import at most {MAX_IMPORT_ROWS} people at a time; the file has {len(rows)}."]
    return rows, []


class _Lookups:
    """Agencies by name, clearance levels by rank and roles by code or name, read once per import."""

    def __init__(self) -> None:
        self.agencies = {a.name.casefold(): a for a in Agency.objects.all()}
        self.levels = {str(level.rank): level for level in ClearanceLevel.objects.all()}
        self.roles = {**{r.value: r.value for r in Role}, **{str(r.label).casefold(): r.value for r in Role}}

    def arguments(self, values: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
        """``services.create_user`` arguments for one row, and what in it names nothing."""
        errors = []
        agency = self.agencies.get(values.get("agency", "").casefold()) if values.get("agency") else None
        if values.get("agency") and agency is None:
            errors.append(f"No agency is called {values['agency']}.")
        level = self.levels.get(values.get("clearance_rank", "")) if values.get("clearance_rank") else None
        if values.get("clearance_rank") and level is None:
            errors.append(f"No clearance level has rank {values['clearance_rank']}.")
        roles = []
        for name in filter(None, (part.strip() for part in values.get("roles", "").replace(",", ";").split(";"))):
            if name.casefold() in self.roles:
                roles.append(self.roles[name.casefold()])
            else:
                errors.append(f"{name} is not a role.")
        people = {key: values.get(key, "") for key in ("username", "first_name", "last_name", "email", "job_title")}
        return {**people, "agency": agency, "clearance": level, "roles": roles}, errors


def _row_errors(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        message if key == "__all__" else f"{key.replace('_', ' ').capitalize()}: {message}"
        for key, messages in exc.message_dict.items()
        for message in messages
    ]


def import_users(*, actor: Any, text: str, apply: bool) -> ImportOutcome:
    """Check every row by making it for real inside one transaction; keep the people (and send
    their invitations) only when ``apply`` and every row was valid, else write nothing."""
    permissions.require_configure(actor)
    rows, problems = read_csv(text)
    if problems:
        return ImportOutcome(rows=[], applied=False, errors=problems)
    lookups = _Lookups()
    seen: dict[str, int] = {}
    with transaction.atomic():
        for row in rows:
            arguments, row.errors = lookups.arguments(row.values)
            username = row.values.get("username", "").casefold()
            if username in seen:
                row.errors.append(f"The username {row.values['username']} is also on line {seen[username]}.")
            seen.setdefault(username, row.line)
            if row.errors:
                continue
            try:
                with transaction.atomic():
                    invite_user(actor=actor, values=arguments)
            except (ValidationError, PermissionDenied) as exc:
                row.errors = _row_errors(exc) if isinstance(exc, ValidationError) else [exc.message]
        outcome = ImportOutcome(rows=rows, applied=False)
        if apply and outcome.valid:
            outcome.applied = True
            record_event(
                actor=actor,
                verb=AuditVerb.CONFIGURED,
                object_type=User._meta.label_lower,
                details={"action": "imported", "usernames": [row.values["username"] for row in rows]},
            )
        else:
            transaction.set_rollback(True)
    return outcome
