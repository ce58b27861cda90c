"""House rules from STYLE.md that a reviewer should not have to catch by eye."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("core", "partnership", "sharing", "referrals", "cases", "panels", "reports", "intelligence", "governance")
# Modules that are services by another name (writes with their own invariants).
SERVICE_MODULES = {"services.py", "two_factor.py", "audit.py", "notifications.py"}
WRITE = re.compile(r"\.save\(|\bassign_perm\(|\bremove_perm\(")
LAYERS = ["core", "partnership", "sharing", "referrals", "cases", "panels", "reports", "intelligence", "governance"]
IMPORT = re.compile(
    r"^\s*(?:from|import)\s+(core|partnership|sharing|referrals|cases|panels|reports|intelligence|governance)\b", re.M
)


def _app_modules():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            yield app, path


def test_writes_only_in_services():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for _, path in _app_modules()
        if path.name not in SERVICE_MODULES and path.parent.name != "services"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if WRITE.search(line)
    ]
    assert offenders == [], "save()/assign_perm outside services: " + ", ".join(offenders)


def test_dependencies_run_one_way():
    """core <- partnership <- sharing <- referrals <- cases <- panels <- reports <- intelligence <- governance:
    never import upwards. The domain apps write records; governance, the auditors' app on top, must
    know every kind of record the trail can be about, so it sits above them all."""
    offenders = []
    for app, path in _app_modules():
        for target in IMPORT.findall(path.read_text()):
            if LAYERS.index(target) > LAYERS.index(app):
                offenders.append(f"{path.relative_to(ROOT)} imports {target}")
    assert offenders == []


def test_sharing_decisions_live_in_sharing():
    """Nobody outside sharing/ reads guardian's tables or checks object permissions themselves."""
    pattern = re.compile(
        r"get_objects_for_user|ObjectPermissionChecker|\.has_perm\(|\bget_perms\(|get_group_perms|get_users_with_perms"
    )
    offenders = [
        str(path.relative_to(ROOT))
        for app, path in _app_modules()
        if app != "sharing" and pattern.search(path.read_text())
    ]
    assert offenders == []


# DESIGN.md rule 11 and STYLE.md: capabilities are decided in sharing.policy and each app's
# permissions.py; "a role is named nowhere else". Roles are also configured (partnership's people,
# its users API, its admin, its demo) and seeded (the scale seed makes people in roles).
ROLE = re.compile(r"\bRole\.")
ROLES_DECIDED = {"sharing/policy.py"}
ROLES_CONFIGURED = {
    "partnership/models.py",
    "partnership/services/configuration.py",
    "partnership/services/panels.py",  # a panel's chair and members are configured in roles
    "partnership/admin.py",
    "partnership/forms.py",
    "partnership/demo.py",
    "partnership/navigation.py",  # below the apps it links to: tests/sharing/test_navigation.py holds it to them
    "partnership/api/serializers.py",  # the users API: an admin sets people's roles
    "referrals/scale_seed/spread.py",  # synthetic people in roles, as the demo seeds them
    "referrals/scale_seed/world.py",
}
# The panels work is moving panels' role checks into panels/permissions.py right now; it empties
# this list when it is done (an entry that no longer names a role is harmless until then).
PANELS_NOT_YET_MOVED: set[str] = set()


def test_roles_are_named_only_where_capabilities_are_decided_or_roles_configured():
    allowed = ROLES_DECIDED | ROLES_CONFIGURED | PANELS_NOT_YET_MOVED
    offenders = [
        f"{name}:{n}"
        for _, path in _app_modules()
        if (name := str(path.relative_to(ROOT))) not in allowed and path.name != "permissions.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ROLE.search(line)
    ]
    assert offenders == [], "a role named outside sharing/policy.py and */permissions.py: " + ", ".join(offenders)
