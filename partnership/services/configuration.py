"""Writes to partnership configuration. The admin site, the API and commands call these.

Every write here is in the hash-chained audit trail with before and after (DESIGN.md rule 13):
``AuditVerb.CONFIGURED`` with ``details = {"action", "before", "after"}`` holding only what
changed (see ``partnership.snapshots``). ``actor=None`` is the system: seeding and an operator's
management command. Who may configure is decided in ``partnership.permissions``; the rule that
an admin never changes their own agency, clearance, roles or active state lives in
``update_user`` and nowhere else. When the partnership asks for it, a raised clearance, a new
role or moving a case worker to another agency waits for a second admin (``ChangeRequest``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from core.audit import record_event
from core.errors import ConflictError, PermissionDenied, ValidationError
from core.models import AuditVerb
from partnership import permissions, reminders, sso
from partnership.models import (
    CASE_WORKING_ROLES,
    Agency,
    ApiToken,
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    ClearanceLevel,
    DataSharingAgreement,
    PartnershipSettings,
    Role,
    SingleSignOn,
    User,
)
from partnership.snapshots import (
    SETTINGS_KEYS,
    SINGLE_SIGN_ON_KEYS,
    USER_KEYS,
    agency_state,
    agreement_state,
    clearance_state,
    diff,
    settings_state,
    single_sign_on_state,
    user_state,
)

DEFAULT_CLEARANCE_LEVELS = (
    (1, "Baseline", "Baseline Personnel Security Standard (BPSS)."),
    (2, "Security Check", "Security Check (SC) clearance."),
    (3, "Developed Vetting", "Developed Vetting (DV) clearance."),
)


# --- The audit of configuration ---------------------------------------------------------------


def _audit_change(actor: Any, obj: Model, before: dict[str, Any], after: dict[str, Any], **extra: Any) -> None:
    """One CONFIGURED event with what changed; nothing when nothing did."""
    change = diff(before, after)
    if change["before"] or change["after"]:
        record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=obj, details={"action": "changed", **extra, **change})


def _audit_created(actor: Any, obj: Model, after: dict[str, Any], **extra: Any) -> None:
    details = {"action": "created", **extra, "before": {}, "after": after}
    record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=obj, details=details)


def _needs_approval(actor: Any) -> bool:
    return actor is not None and PartnershipSettings.current().second_admin_approval


def _ask_for_approval(
    *, actor: Any, kind: ChangeRequestKind, target: Model, before: dict[str, Any], after: dict[str, Any]
) -> ChangeRequest:
    change_request = ChangeRequest.objects.create(
        kind=kind,
        target_user=target if isinstance(target, User) else None,
        requested_by=actor,
        before=before,
        after=after,
    )
    details = {"request": change_request.pk, "before": before, "after": after}
    record_event(actor=actor, verb=AuditVerb.CHANGE_REQUESTED, obj=target, details=details)
    return change_request


# --- Agencies ---------------------------------------------------------------------------------


def _group_name(agency_name: str) -> str:
    return f"Agency: {agency_name}"[:150]


@transaction.atomic
def create_agency(
    *, actor: Any = None, name: str, kind: str, screens_referrals: bool = False, is_active: bool = True
) -> Agency:
    """Create an agency together with the one django Group that holds its grants."""
    permissions.require_configure(actor)
    agency = Agency(name=name, kind=kind, screens_referrals=screens_referrals, is_active=is_active)
    agency.full_clean(exclude=["group"])
    agency.group = Group.objects.create(name=_group_name(name))
    agency.save()
    _audit_created(actor, agency, agency_state(agency))
    return agency


def _end_agency_access(agency: Agency) -> dict[str, Any]:
    """Keep the agency and its history; end every session and token of its users."""
    users = User.objects.filter(agency=agency)
    users.update(session_version=F("session_version") + 1)
    tokens = ApiToken.objects.filter(user__in=users, revoked_at__isnull=True)
    revoked = sorted(tokens.values_list("pk", flat=True))
    tokens.update(revoked_at=timezone.now())
    return {"tokens_revoked": revoked} if revoked else {}


@transaction.atomic
def _change_agency(*, actor: Any, agency: Agency, changes: Mapping[str, Any]) -> Agency:
    permissions.require_configure(actor)
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    before = agency_state(locked)
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.full_clean()
    locked.save(update_fields=[*changes, "updated_at"])
    Group.objects.filter(pk=locked.group_id).update(name=_group_name(locked.name))
    ended = _end_agency_access(locked) if before["is_active"] and not locked.is_active else {}
    _audit_change(actor, locked, before, agency_state(locked), **ended)
    for key in changes:
        setattr(agency, key, getattr(locked, key))
    return locked


def update_agency(
    *, actor: Any = None, agency: Agency, name: str, kind: str, screens_referrals: bool, is_active: bool
) -> Agency:
    changes = {"name": name, "kind": kind, "screens_referrals": screens_referrals, "is_active": is_active}
    return _change_agency(actor=actor, agency=agency, changes=changes)


def deactivate_agency(*, actor: Any = None, agency: Agency) -> None:
    """Keep the agency and its history; end every session and token of its users."""
    _change_agency(actor=actor, agency=agency, changes={"is_active": False})


# --- Single sign-on ----------------------------------------------------------------------------

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _sign_on_errors(agency: Agency, values: Mapping[str, Any], has_secret: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    issuer = urlsplit(values["issuer"])
    if issuer.scheme != "https" and not (issuer.scheme == "http" and issuer.hostname in LOOPBACK_HOSTS):
        errors["issuer"] = "The issuer must be an https address"
    elif issuer.query or issuer.fragment:
        errors["issuer"] = "The issuer must not have a query or a fragment"
    if not values.get("client_secret") and not has_secret:
        errors["client_secret"] = "Enter the client secret"  # noqa: S105 - a message, not a secret
    domains = values["allowed_email_domains"]
    if not domains:
        errors["allowed_email_domains"] = "Enter at least one email domain"
    elif bad := [d for d in domains if not DOMAIN_PATTERN.match(d)]:
        errors["allowed_email_domains"] = f"{bad[0]} is not an email domain, like police.example.gov.uk"
    else:
        taken = SingleSignOn.objects.exclude(agency=agency).filter(allowed_email_domains__overlap=domains)
        if claimed := taken.select_related("agency").first():
            errors["allowed_email_domains"] = f"{claimed.agency.name} already signs in people of one of these domains"
    if not values["mfa_amr_values"] and not values["mfa_acr_values"]:
        errors["mfa_amr_values"] = "Enter at least one amr or acr value that means a second factor"
    return errors


@transaction.atomic
def configure_single_sign_on(*, actor: Any, agency: Agency, values: Mapping[str, Any]) -> SingleSignOn:
    """Create or change an agency's single sign-on. ``values``: is_enabled, issuer, client_id,
    client_secret (empty keeps the stored one), allowed_email_domains, mfa_amr_values, mfa_acr_values.
    The secret is stored encrypted; the trail holds only a fingerprint of it."""
    permissions.require_configure(actor)
    locked_agency = Agency.objects.select_for_update().get(pk=agency.pk)
    config = SingleSignOn.objects.filter(agency=locked_agency).first()
    domains = sorted({d.strip().lower() for d in values["allowed_email_domains"] if d.strip()})
    cleaned = {**values, "issuer": values["issuer"].strip().rstrip("/"), "allowed_email_domains": domains}
    if errors := _sign_on_errors(locked_agency, cleaned, has_secret=config is not None):
        raise ValidationError(errors)
    before = single_sign_on_state(config) if config is not None else {}
    config = config or SingleSignOn(agency=locked_agency)
    for key in SINGLE_SIGN_ON_KEYS:
        setattr(config, key, cleaned[key])
    if cleaned.get("client_secret"):
        config.client_secret_encrypted = sso.encrypt_secret(cleaned["client_secret"])
    config.full_clean()
    config.save()
    if before:
        _audit_change(actor, config, before, single_sign_on_state(config))
    else:
        _audit_created(actor, config, single_sign_on_state(config))
    return config


# --- Clearance levels -------------------------------------------------------------------------


def ensure_default_clearance_levels() -> None:
    for rank, name, description in DEFAULT_CLEARANCE_LEVELS:
        level, created = ClearanceLevel.objects.get_or_create(
            rank=rank, defaults={"name": name, "description": description}
        )
        if created:
            _audit_created(None, level, clearance_state(level))


@transaction.atomic
def create_clearance_level(*, actor: Any = None, rank: int, name: str, description: str = "") -> ClearanceLevel:
    permissions.require_configure(actor)
    level = ClearanceLevel(rank=rank, name=name, description=description)
    level.full_clean()
    level.save()
    _audit_created(actor, level, clearance_state(level))
    return level


@transaction.atomic
def update_clearance_level(
    *, actor: Any = None, level: ClearanceLevel, rank: int, name: str, description: str = ""
) -> ClearanceLevel:
    """Renumbering a level that people hold would change what each of them may read: refused."""
    permissions.require_configure(actor)
    locked = ClearanceLevel.objects.select_for_update().get(pk=level.pk)
    before = clearance_state(locked)
    if rank != locked.rank and User.objects.filter(clearance=locked).exists():
        raise ValidationError({"rank": [f"{locked.name} is held by users: add a new level instead of renumbering it."]})
    locked.rank, locked.name, locked.description = rank, name, description
    locked.full_clean()
    locked.save(update_fields=["rank", "name", "description", "updated_at"])
    _audit_change(actor, locked, before, clearance_state(locked))
    return locked


@transaction.atomic
def delete_clearance_level(*, actor: Any = None, level: ClearanceLevel) -> None:
    """A level held by any user cannot be deleted."""
    permissions.require_configure(actor)
    if User.objects.filter(clearance=level).exists():
        raise ValidationError(f"{level.name} is held by users and cannot be deleted.")
    before, pk = clearance_state(level), level.pk
    level.delete()
    record_event(
        actor=actor,
        verb=AuditVerb.CONFIGURED,
        object_type=ClearanceLevel._meta.label_lower,
        object_id=pk,
        details={"action": "deleted", "before": before, "after": {}},
    )


# --- Partnership settings ---------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsChange:
    settings: PartnershipSettings
    pending: ChangeRequest | None


@transaction.atomic
def update_partnership_settings(*, actor: Any = None, changes: Mapping[str, Any]) -> SettingsChange:
    """Turning the second-admin approval off is itself approved by a second admin."""
    permissions.require_configure(actor)
    unknown = set(changes) - set(SETTINGS_KEYS)
    if unknown:
        raise TypeError(f"Not partnership settings: {sorted(unknown)}")
    row = PartnershipSettings.objects.select_for_update().get(pk=PartnershipSettings.current().pk)
    before = settings_state(row)
    wanted = {**before, **changes}
    held = {}
    if before["second_admin_approval"] and not wanted["second_admin_approval"] and actor is not None:
        held = {"second_admin_approval": False}
        wanted["second_admin_approval"] = True
    _apply_settings(row, wanted)
    _audit_change(actor, row, before, settings_state(row))
    pending = None
    if held:
        pending = _ask_for_approval(
            actor=actor, kind=ChangeRequestKind.SETTINGS, target=row, before={"second_admin_approval": True}, after=held
        )
    return SettingsChange(settings=row, pending=pending)


def _apply_settings(row: PartnershipSettings, wanted: dict[str, Any]) -> None:
    for key, value in wanted.items():
        setattr(row, key, value)
    row.full_clean()
    row.save(update_fields=list(SETTINGS_KEYS))


# --- Users ------------------------------------------------------------------------------------

_EMPTY_USER: dict[str, Any] = {"agency": None, "clearance_rank": None, "roles": [], "is_active": True}


@dataclass(frozen=True)
class UserChange:
    """What ``update_user`` did: the user as they now are, and the part waiting for approval."""

    user: User
    pending: ChangeRequest | None


def _wanted_state(before: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` speak models (``agency``: Agency, ``clearance``: ClearanceLevel); states speak ids and ranks."""
    wanted = dict(before)
    for key, value in changes.items():
        if key == "agency":
            wanted["agency"] = value.pk if value is not None else None
        elif key == "clearance":
            wanted["clearance_rank"] = value.rank if value is not None else None
        elif key == "roles":
            wanted["roles"] = sorted({str(role) for role in value})
        elif key in USER_KEYS and key != "clearance_rank":
            wanted[key] = value
        else:
            raise TypeError(f"{key} is not something configured about a user")
    return wanted


def split_elevation(before: dict[str, Any], wanted: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what applies now, what waits for a second admin).

    Waiting: a higher clearance, any role the user does not hold yet (case-working roles read case
    content; an admin role could approve its maker's requests; auditors read the trail), and a move
    to another agency while the user holds a case-working role. Lowering and removing apply now."""
    now, held = dict(wanted), {}
    if (wanted["clearance_rank"] or 0) > (before["clearance_rank"] or 0):
        held["clearance_rank"], now["clearance_rank"] = wanted["clearance_rank"], before["clearance_rank"]
    if set(wanted["roles"]) - set(before["roles"]):
        held["roles"] = wanted["roles"]
        now["roles"] = sorted(set(wanted["roles"]) & set(before["roles"]))
    moving = wanted["agency"] not in (before["agency"], None)
    if moving and CASE_WORKING_ROLES.intersection(now["roles"]):
        held["agency"], now["agency"] = wanted["agency"], before["agency"]
    return now, held


def _apply_user_state(user: User, state: dict[str, Any]) -> None:
    for key in USER_KEYS:
        if key == "agency":
            user.agency_id = state["agency"]
        elif key == "clearance_rank":
            rank = state["clearance_rank"]
            if (user.clearance.rank if user.clearance_id and user.clearance else None) != rank:
                user.clearance = None if rank is None else ClearanceLevel.objects.filter(rank=rank).first()
                if rank is not None and user.clearance is None:
                    raise ValidationError({"clearance_rank": [f"No clearance level has rank {rank}."]})
        else:
            setattr(user, key, state[key])


def _clean_user(user: User, before: dict[str, Any]) -> None:
    """Validate a user about to be written (``before``: their state now, to see what changed)."""
    user.full_clean(exclude=["password"])
    agency_id = user.agency_id
    if agency_id is not None and agency_id != before["agency"]:  # moving: only into an active agency
        active = Agency.objects.filter(pk=agency_id, is_active=True).exists()
    else:
        active = True
    if not active:
        raise ValidationError({"agency": ["That agency is not active."]})
    unknown = set(user.roles) - set(Role.values)
    if unknown:
        raise ValidationError({"roles": [f"Not a role: {', '.join(sorted(unknown))}."]})


_MODEL_FIELD = {"agency": "agency", "clearance_rank": "clearance"}


def _save_user(user: User, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Write what changed; deactivating ends the user's sessions and tokens. Returns audit extras."""
    changed = [key for key in USER_KEYS if before.get(key) != after.get(key)]
    if not changed:
        return {}
    user.save(update_fields=[_MODEL_FIELD.get(key, key) for key in changed])
    if before["is_active"] and not after["is_active"]:
        User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
        user.refresh_from_db(fields=["session_version"])
        tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        revoked = sorted(tokens.values_list("pk", flat=True))
        tokens.update(revoked_at=timezone.now())
        return {"tokens_revoked": revoked} if revoked else {}
    return {}


def _plan_user_change(actor: Any, user: User, changes: Mapping[str, Any]) -> tuple[dict[str, Any], ...]:
    """Check everything about a change to ``user`` (locked, unchanged in the database) without writing.

    Returns (before, now, held). Leaves ``user`` holding ``now`` in memory."""
    permissions.require_configure(actor)
    before = user_state(user)
    wanted = _wanted_state(before, changes)
    permissions.require_not_own_access(actor, user.pk, before, wanted)
    _apply_user_state(user, wanted)
    _clean_user(user, before)
    now, held = split_elevation(before, wanted) if _needs_approval(actor) else (wanted, {})
    _apply_user_state(user, now)
    return before, now, held


def check_user_change(*, actor: Any, user: User, changes: Mapping[str, Any]) -> None:
    """What ``update_user`` would refuse, refused without writing (for forms that show errors)."""
    fresh = User.objects.select_related("agency", "clearance").get(pk=user.pk)
    _plan_user_change(actor, fresh, changes)


@transaction.atomic
def update_user(*, actor: Any = None, user: User, changes: Mapping[str, Any]) -> UserChange:
    """Change what is configured about ``user``: ``changes`` maps some of ``snapshots.USER_KEYS``
    (``agency`` and ``clearance`` as models) to new values. Refuses (PermissionDenied) an admin
    changing their own agency, clearance, roles or active state, by any route."""
    locked = User.objects.select_for_update(of=("self",)).select_related("clearance").get(pk=user.pk)
    before, now, held = _plan_user_change(actor, locked, changes)
    extras = _save_user(locked, before, now)
    _audit_change(actor, locked, before, now, **extras)
    pending = None
    if held:
        pending = _ask_for_approval(
            actor=actor,
            kind=ChangeRequestKind.USER,
            target=locked,
            before={key: now[key] for key in held},
            after=held,
        )
    return UserChange(user=locked, pending=pending)


@transaction.atomic
def create_user(
    *,
    actor: Any = None,
    username: str,
    password: str | None,
    agency: Agency | None,
    clearance: ClearanceLevel | None,
    roles: Iterable[str],
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    phone: str = "",
    is_active: bool = True,
) -> User:
    """A new user. With second-admin approval on, their clearance and roles wait for it
    (``pending_change_requests``): a new account is never a way round the second admin."""
    permissions.require_configure(actor)
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.job_title, user.phone = job_title, phone
    before = {**user_state(user), **_EMPTY_USER}
    wanted = _wanted_state(before, {"agency": agency, "clearance": clearance, "roles": roles, "is_active": is_active})
    _apply_user_state(user, wanted)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    _clean_user(user, before)
    now, held = split_elevation(before, wanted) if _needs_approval(actor) else (wanted, {})
    _apply_user_state(user, now)
    user.save()
    _audit_created(actor, user, user_state(user), password="set" if password else "none")
    if held:
        pending_before = {key: now[key] for key in held}
        _ask_for_approval(actor=actor, kind=ChangeRequestKind.USER, target=user, before=pending_before, after=held)
    return user


def deactivate_user(*, actor: Any = None, user: User) -> None:
    """Keep the user's history; end their sessions and revoke their API tokens."""
    update_user(actor=actor, user=user, changes={"is_active": False})
    user.refresh_from_db(fields=["is_active", "session_version"])


def end_user_sessions(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])


@transaction.atomic
def set_user_password(*, actor: Any, user: User, password: str | None) -> None:
    """An admin sets (or, with None, disables) someone's password: audited, never the password itself."""
    permissions.require_configure(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if password:
        locked.set_password(password)
    else:
        locked.set_unusable_password()
    locked.save(update_fields=["password"])
    user.password = locked.password
    action = "password_set" if password else "password_disabled"
    record_event(actor=actor, verb=AuditVerb.CONFIGURED, obj=locked, details={"action": action})


@transaction.atomic
def accept_invitation(*, user: User, password: str) -> None:
    """The invited person chose their password (``partnership.people.invitation_tokens`` checked their link)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    user.password = locked.password
    record_event(actor=locked, verb=AuditVerb.CONFIGURED, obj=locked, details={"action": "invitation_accepted"})


def pending_change_requests(*, user: User) -> list[ChangeRequest]:
    return list(user.change_requests.filter(status=ChangeRequestStatus.PENDING).order_by("requested_at", "pk"))


# --- Second-admin approval --------------------------------------------------------------------


def _locked_request(
    actor: Any, change_request: ChangeRequest, refusal_of: Callable[[Any, ChangeRequest], str | None]
) -> ChangeRequest:
    """The request, locked, once ``refusal_of`` (a ``partnership.permissions`` check) has nothing against ``actor``."""
    locked = (
        ChangeRequest.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=change_request.pk)
    )
    refusal = refusal_of(actor, locked)
    if refusal:
        raise PermissionDenied(refusal)
    return locked


def _stale(current: dict[str, Any], expected: dict[str, Any]) -> bool:
    return any(current.get(key) != value for key, value in expected.items())


STALE_REQUEST = "This has changed since the request was made. Reject it and ask again."


def _apply_approved(actor: Any, change_request: ChangeRequest) -> Model:
    if change_request.kind == ChangeRequestKind.SETTINGS:
        row = PartnershipSettings.objects.select_for_update().get(pk=PartnershipSettings.current().pk)
        before = settings_state(row)
        if _stale(before, change_request.before):
            raise ConflictError(STALE_REQUEST)
        _apply_settings(row, {**before, **change_request.after})
        return row
    locked = User.objects.select_for_update(of=("self",)).select_related("clearance")
    user = locked.get(change_requests=change_request)
    before = user_state(user)
    if _stale(before, change_request.before):
        raise ConflictError(STALE_REQUEST)
    wanted = {**before, **change_request.after}
    permissions.require_not_own_access(actor, user.pk, before, wanted)
    _apply_user_state(user, wanted)
    _clean_user(user, before)
    _save_user(user, before, wanted)
    return user


def _decide(change_request: ChangeRequest, *, actor: Any, status: ChangeRequestStatus, note: str) -> None:
    change_request.status, change_request.decided_by = status, actor
    change_request.decided_at, change_request.decision_note = timezone.now(), note
    change_request.full_clean()
    change_request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


def _decision_details(change_request: ChangeRequest, note: str) -> dict[str, Any]:
    return {
        "request": change_request.pk,
        "requested_by": change_request.requested_by.username,
        "note": note,
        "before": change_request.before,
        "after": change_request.after,
    }


@transaction.atomic
def approve_change_request(*, actor: Any, change_request: ChangeRequest, note: str = "") -> ChangeRequest:
    """A second partnership admin (not the one who asked, nor the one it is about) applies the change."""
    locked = _locked_request(actor, change_request, permissions.approval_refusal)
    target = _apply_approved(actor, locked)
    _decide(locked, actor=actor, status=ChangeRequestStatus.APPROVED, note=note)
    record_event(actor=actor, verb=AuditVerb.CHANGE_APPROVED, obj=target, details=_decision_details(locked, note))
    return locked


@transaction.atomic
def reject_change_request(*, actor: Any, change_request: ChangeRequest, note: str = "") -> ChangeRequest:
    """Nothing changes. Any other admin may reject; the one who asked may withdraw."""
    locked = _locked_request(actor, change_request, permissions.decision_refusal)
    _decide(locked, actor=actor, status=ChangeRequestStatus.REJECTED, note=note)
    target: Model = locked.target_user if locked.target_user is not None else PartnershipSettings.current()
    record_event(actor=actor, verb=AuditVerb.CHANGE_REJECTED, obj=target, details=_decision_details(locked, note))
    return locked


# --- Data-sharing agreements (a renewal is a new agreement; the newest signed current one counts) --


@transaction.atomic
def record_data_sharing_agreement(
    *, actor: Any = None, agency: Agency, values: Mapping[str, Any]
) -> DataSharingAgreement:
    """Record an agency's agreement (``reference``, ``signed_on``, ``review_due``, ``lawful_bases``)."""
    permissions.require_configure(actor)
    agreement = DataSharingAgreement(agency=agency, **values)
    agreement.full_clean()
    agreement.save()
    _audit_created(actor, agreement, agreement_state(agreement))
    reminders.sync_agency(agency)
    return agreement
