"""The audited state of each configuration record, as JSON: what ``before`` and ``after``
in a configuration event hold. Foreign keys are ids, clearance is its rank, lists are sorted."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from django.db.models import Model

from partnership.models import (
    Agency,
    ApiToken,
    ClearanceLevel,
    DataSharingAgreement,
    Panel,
    PartnershipSettings,
    SingleSignOn,
    User,
)

USER_KEYS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone",
    "agency",
    "clearance_rank",
    "roles",
    "is_active",
)
AGENCY_KEYS = ("name", "kind", "screens_referrals", "is_active")
CLEARANCE_KEYS = ("rank", "name", "description")
# The client secret is never in the trail: only a fingerprint of its ciphertext, so a change shows.
SINGLE_SIGN_ON_KEYS = ("is_enabled", "issuer", "client_id", "allowed_email_domains", "mfa_amr_values", "mfa_acr_values")
AGREEMENT_KEYS = ("agency", "reference", "signed_on", "review_due", "lawful_bases")
SETTINGS_KEYS = (
    "urgent_screening_working_days",
    "priority_screening_working_days",
    "screening_working_days",
    "draft_retention_days",
    "information_request_working_days",
    "break_glass_minutes",
    "second_admin_approval",
)
PANEL_KEYS = (
    "name",
    "is_active",
    "chair",
    "deputy_chair",
    "cadence_weeks",
    "first_meeting_at",
    "meeting_duration_minutes",
    "venue",
    "call_link",
    "quorum_requires_chair",
    "quorum_required_kinds",
    "quorum_min_agencies",
    "notice_days_before",
    "papers_days_before",
)


def jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(jsonable(v) for v in value)
    return value


def _fields(obj: Model, keys: tuple[str, ...]) -> dict[str, Any]:
    attnames = {field.name: field.attname for field in obj._meta.concrete_fields}
    return {key: jsonable(getattr(obj, attnames[key])) for key in keys}


def user_state(user: User) -> dict[str, Any]:
    state = _fields(user, tuple(k for k in USER_KEYS if k not in ("agency", "clearance_rank")))
    state["agency"] = user.agency_id
    state["clearance_rank"] = user.clearance.rank if user.clearance_id and user.clearance else None
    return {key: state[key] for key in USER_KEYS}


def agency_state(agency: Agency) -> dict[str, Any]:
    return _fields(agency, AGENCY_KEYS)


def clearance_state(level: ClearanceLevel) -> dict[str, Any]:
    return _fields(level, CLEARANCE_KEYS)


def agreement_state(agreement: DataSharingAgreement) -> dict[str, Any]:
    return _fields(agreement, AGREEMENT_KEYS)


def single_sign_on_state(config: SingleSignOn) -> dict[str, Any]:
    state = _fields(config, SINGLE_SIGN_ON_KEYS)
    state["client_secret"] = hashlib.sha256(config.client_secret_encrypted.encode()).hexdigest()[:12]
    return state


def settings_state(row: PartnershipSettings) -> dict[str, Any]:
    return _fields(row, SETTINGS_KEYS)


def panel_state(panel: Panel) -> dict[str, Any]:
    return _fields(panel, PANEL_KEYS)


def panel_members_state(panel: Panel) -> dict[str, list[int]]:
    """``{agency id: [representative ids]}`` (keys are strings: JSON objects have string keys)."""
    members: dict[str, list[int]] = {}
    for membership in panel.memberships.prefetch_related("representatives").order_by("agency_id"):
        members[str(membership.agency_id)] = sorted(u.pk for u in membership.representatives.all())
    return members


def token_state(token: ApiToken) -> dict[str, Any]:
    return {
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": jsonable(token.expires_at),
        "revoked_at": jsonable(token.revoked_at),
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only what changed: ``{"before": {...}, "after": {...}}`` (empty dicts when nothing did)."""
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after.get(k) for k in keys}}
