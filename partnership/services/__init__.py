"""Writes to partnership configuration, one module per concern: the partnership itself (agencies, single
sign-on, clearance levels, settings, users, second-admin approval, data-sharing agreements), API tokens and
panels. The admin site, the API and commands call these; callers use ``from partnership import services``.

Every write is in the hash-chained audit trail with before and after (DESIGN.md rule 13):
``AuditVerb.CONFIGURED`` with ``details = {"action", "before", "after"}`` holding only what
changed (see ``partnership.snapshots``). ``actor=None`` is the system: seeding and an operator's
management command."""

# The refusals these writes raise, where callers catch them as ``services.ValidationError``.
from core.errors import ConflictError, PermissionDenied, ValidationError
from partnership.services.configuration import (
    DEFAULT_CLEARANCE_LEVELS,
    DOMAIN_PATTERN,
    LOOPBACK_HOSTS,
    STALE_REQUEST,
    SettingsChange,
    UserChange,
    accept_invitation,
    approve_change_request,
    check_user_change,
    configure_single_sign_on,
    create_agency,
    create_clearance_level,
    create_user,
    deactivate_agency,
    deactivate_user,
    delete_clearance_level,
    end_user_sessions,
    ensure_default_clearance_levels,
    pending_change_requests,
    record_data_sharing_agreement,
    reject_change_request,
    set_user_password,
    split_elevation,
    update_agency,
    update_clearance_level,
    update_partnership_settings,
    update_user,
)
from partnership.services.panels import (
    create_panel,
    set_panel_members,
    update_panel,
)
from partnership.services.tokens import (
    IssuedToken,
    hash_api_token,
    issue_api_token,
    revoke_api_token,
)

__all__ = [
    "DEFAULT_CLEARANCE_LEVELS",
    "DOMAIN_PATTERN",
    "LOOPBACK_HOSTS",
    "STALE_REQUEST",
    "ConflictError",
    "IssuedToken",
    "PermissionDenied",
    "SettingsChange",
    "UserChange",
    "ValidationError",
    "accept_invitation",
    "approve_change_request",
    "check_user_change",
    "configure_single_sign_on",
    "create_agency",
    "create_clearance_level",
    "create_panel",
    "create_user",
    "deactivate_agency",
    "deactivate_user",
    "delete_clearance_level",
    "end_user_sessions",
    "ensure_default_clearance_levels",
    "hash_api_token",
    "issue_api_token",
    "pending_change_requests",
    "record_data_sharing_agreement",
    "reject_change_request",
    "revoke_api_token",
    "set_panel_members",
    "set_user_password",
    "split_elevation",
    "update_agency",
    "update_clearance_level",
    "update_panel",
    "update_partnership_settings",
    "update_user",
]
