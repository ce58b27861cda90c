"""Give the application's database role what it needs and no more (run as the owner, after migrate).

The app role owns nothing and is not a superuser, so it cannot disable the audit
table's triggers or rewrite its history: on ``sharing_auditevent`` it may only
SELECT and INSERT. Everything else: SELECT, INSERT, UPDATE, DELETE, and the
sequences behind the ids. Safe to run again after every migration.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

AUDIT_TABLE = "sharing_auditevent"


class Command(BaseCommand):
    help = "Grant the (non-owner, non-superuser) application role its privileges; the audit trail append-only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the database role the web, worker and beat processes connect as")

    def handle(self, *args: Any, role: str, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"There is no database role {role!r}: create it first (CREATE ROLE ... LOGIN).")
            if found[0]:
                raise CommandError(f"{role!r} is a superuser: the application must run as an ordinary role.")
            cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [AUDIT_TABLE])
            owner = cursor.fetchone()
            if owner is not None and owner[0] == role:
                raise CommandError(f"{role!r} owns the audit table: run migrations as another role.")
        self._grant(role)
        self.stdout.write(f"{role}: tables read and written, {AUDIT_TABLE} append-only, owns nothing.")

    @staticmethod
    def _grant(role: str) -> None:
        name = sql.Identifier(role)
        database = sql.Identifier(connection.settings_dict["NAME"])
        statements = [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database, name),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(name),
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(
                sql.Identifier(AUDIT_TABLE), name
            ),
            sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {}").format(name),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.as_string(connection.connection))
            # The audit table's monthly partitions: nothing (the application reaches them through the table).
            cursor.execute(
                "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [AUDIT_TABLE]
            )
            for (partition,) in cursor.fetchall():
                cursor.execute(
                    sql.SQL("REVOKE ALL ON {} FROM {}")
                    .format(sql.Identifier(partition), name)
                    .as_string(connection.connection)
                )
