"""The production app role cannot rewrite or unprotect the audit trail (docs/deploy.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from core.audit import record_event
from core.models import AuditEvent, AuditVerb

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_role() -> Iterator[psycopg.Connection]:
    role = f"convene_app_test_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER").format(sql.Identifier(role)).as_string(connection.connection)
        )
    try:
        call_command("grant_app_role", role)
        params = {**connection.get_connection_params(), "user": role}
        params.pop("password", None)
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as as_app:
            yield as_app
    finally:
        with connection.cursor() as cursor:
            ident = sql.Identifier(role).as_string(connection.connection)
            cursor.execute(f"DROP OWNED BY {ident}")
            cursor.execute(f"DROP ROLE {ident}")


def test_the_app_role_appends_and_reads_but_cannot_change_delete_truncate_or_unprotect(app_role, settings, tmp_path):
    settings.CONVENE_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"  # not a file other runs share
    record_event(actor=None, verb=AuditVerb.CHANGED, object_type="test.record", object_id=1)
    before = AuditEvent.objects.count()
    app_role.execute(
        "INSERT INTO sharing_auditevent (occurred_at, actor_username, agency_name, verb, object_type, object_id, reason,"
        " details, break_glass, prev_hash, hash) VALUES (now(), '', '', 'changed', 'test.record', '2', '', '{}', false, '', '')"
    )
    assert app_role.execute("SELECT count(*) FROM sharing_auditevent").fetchone()[0] == before + 1
    # The sealer runs as the app role (beat's worker): it chains through the database's SECURITY DEFINER function.
    assert app_role.execute("SELECT sharing_audit_seal(1000, 1)").fetchone()[0] >= 1
    assert app_role.execute("SELECT count(*) FROM sharing_auditevent WHERE hash = ''").fetchone()[0] == 0
    # Beat's partition task runs as the app role too (sharing.partitions: SECURITY DEFINER functions).
    app_role.execute("SELECT sharing_audit_add_partitions('2990-01-01', '2990-01-01')")
    assert app_role.execute("SELECT to_regclass('sharing_auditevent_2990_01') IS NOT NULL").fetchone()[0]
    assert app_role.execute("SELECT sharing_audit_events_in_default()").fetchone()[0] == 0
    partition = _partition_holding_events()
    refused = {
        "update": "UPDATE sharing_auditevent SET reason = 'rewritten'",
        "delete": "DELETE FROM sharing_auditevent",
        "truncate": "TRUNCATE sharing_auditevent",
        "disable trigger": "ALTER TABLE sharing_auditevent DISABLE TRIGGER ALL",
        "disable user triggers": "ALTER TABLE sharing_auditevent DISABLE TRIGGER USER",
        "drop table": "DROP TABLE sharing_auditevent",
        "write a partition": f"DELETE FROM {partition}",  # noqa: S608
        "read a partition": f"SELECT count(*) FROM {partition}",  # noqa: S608
        "truncate a partition": f"TRUNCATE {partition}",
        "detach a partition": f"ALTER TABLE sharing_auditevent DETACH PARTITION {partition}",
    }
    outcomes = {}
    for what, statement in refused.items():
        try:
            app_role.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            outcomes[what] = "refused"
        else:
            outcomes[what] = "ALLOWED"
    assert outcomes == dict.fromkeys(refused, "refused")
    assert AuditEvent.objects.count() == before + 1
    call_command("verify_audit_chain")


def _partition_holding_events() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM sharing_auditevent LIMIT 1")
        return cursor.fetchone()[0]


def test_the_app_role_still_runs_the_application(app_role):
    # Ordinary tables: read and written (a change sequence bump, as every service does).
    app_role.execute("SELECT count(*) FROM referrals_referral")
    app_role.execute("UPDATE partnership_clearancelevel SET name = name")


def test_a_superuser_or_missing_role_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", connection.settings_dict["USER"] or "postgres")
    with pytest.raises(CommandError, match="no database role"):
        call_command("grant_app_role", "no_such_role_here")
