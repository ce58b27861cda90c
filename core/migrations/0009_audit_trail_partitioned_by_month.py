"""The audit trail becomes a table range-partitioned by month of ``occurred_at`` (UTC months), so
retention and archiving detach a month instead of deleting rows (docs/adr/0025-audit-trail-partitioned-by-month.md).

* ``sharing_auditevent`` is rebuilt as a partitioned table of the same columns, and every event is
  copied into it as it is (id, seq, contents, prev_seq, prev_hash, hash): every hash still matches,
  every checkpoint still finds its event, ``verify_audit_chain --full`` passes. The table is locked
  for the copy (a long lock on a large trail: schedule the upgrade; the figures are in the ADR).
* Its database primary key is (id, occurred_at), as a partitioned table's must include the partition
  key; Django keeps ``id`` as the model's key (the identity still gives every event its own id).
  ``seq`` cannot be UNIQUE across partitions: it stays unique because only the sequence gives it
  (no CYCLE, CACHE 1), each partition holds a UNIQUE index on it, the sealer refuses to chain an
  event whose seq is not above the chain's head (a repeat included), and the verifier reports one.
* ``sharing_audit_add_partitions(first, last)`` creates the missing months (each built apart and
  then attached, so appends are not blocked, with its unique seq index and its TRUNCATE guard); this
  migration creates the months of every existing event up to three months ahead, and beat keeps three
  months ahead (``sharing.tasks.add_audit_partitions``). A default partition is the safety net: an
  event whose month is missing is still written (a missing partition must never fail a service).
* The guards hold on every partition: the row trigger (UPDATE and DELETE refused, but the sealer's
  one change) is declared on the partitioned table, which gives it to every partition; TRUNCATE of a
  partition does not fire the table's statement trigger, so each partition has its own, which
  follows the table's (lifted only when the table's guard is disabled, as the test databases do).
* The sealer's fence counts writers locking any partition, and its UPDATE names the partition key.
"""

import importlib

from django.db import migrations, models

_before = importlib.import_module("core.migrations.0007_audit_appends_without_the_chain_lock")

TABLE = "sharing_auditevent"
MONTHS_AHEAD = 3  # as sharing.partitions keeps them
INDEXES = """
CREATE INDEX audit_object_idx ON {table} (object_type, object_id);
CREATE INDEX audit_actor_idx ON {table} (actor_id, occurred_at);
CREATE INDEX audit_time_idx ON {table} (occurred_at);
CREATE INDEX audit_unsealed_idx ON {table} (seq) WHERE hash = '';
"""
DROP_INDEXES = "DROP INDEX audit_object_idx, audit_actor_idx, audit_time_idx, audit_unsealed_idx;"


def _replace(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:  # the sealer of 0007 changed: this migration must say how
        raise ValueError(old)
    return text.replace(old, new)


# The row guard of the partitioned table (every partition runs it under its own name, so it does not
# look at TG_TABLE_NAME as sharing_audit_append_only does for the unpartitioned table).
EVENT_GUARD = _replace(
    _replace(
        _before.APPEND_ONLY,
        "sharing_audit_append_only()",
        "sharing_audit_event_append_only()",
    ),
    "IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'sharing_auditevent' THEN",
    "IF TG_OP = 'UPDATE' THEN",
)

PARTITION_NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION sharing_audit_partition_no_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A partition refuses TRUNCATE while the trail's own guard is on (lifted only by its owner, as the
  -- test databases do for Django's flush); a detached partition (an archive) always refuses it.
  IF EXISTS (SELECT 1 FROM pg_inherits i JOIN pg_trigger t ON t.tgrelid = i.inhparent
              WHERE i.inhrelid = TG_RELID AND t.tgname = 'sharing_audit_no_truncate' AND t.tgenabled = 'D') THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END $$;
"""

GUARD_PARTITION = """
CREATE OR REPLACE FUNCTION sharing_audit_guard_partition(part regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE UNIQUE INDEX %I ON %s (seq)', (SELECT relname FROM pg_class WHERE oid = part) || '_seq_key', part);
  EXECUTE format('CREATE TRIGGER sharing_audit_no_truncate BEFORE TRUNCATE ON %s '
                 'FOR EACH STATEMENT EXECUTE FUNCTION sharing_audit_partition_no_truncate()', part);
END $$;
"""

ADD_PARTITIONS = """
CREATE OR REPLACE FUNCTION sharing_audit_add_partitions(first_month date, last_month date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET lock_timeout = '10s' AS $$
-- Creates each missing month from first_month to last_month (UTC months, sharing_auditevent_YYYY_MM):
-- built apart, guarded, then attached (ATTACH takes no lock that blocks appends). Returns how many.
-- A month whose events already sit in the default partition is skipped with a warning.
DECLARE
  m date := date_trunc('month', first_month)::date;
  schema text := (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'sharing_auditevent'::regclass);
  part text;
  created integer := 0;
BEGIN
  WHILE m <= last_month LOOP
    part := 'sharing_auditevent_' || to_char(m, 'YYYY_MM');
    IF to_regclass(format('%I.%I', schema, part)) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I.%I (LIKE sharing_auditevent INCLUDING DEFAULTS)', schema, part);
        PERFORM sharing_audit_guard_partition(format('%I.%I', schema, part)::regclass);
        EXECUTE format('ALTER TABLE sharing_auditevent ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', schema, part,
                       m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        created := created + 1;
      EXCEPTION WHEN check_violation THEN
        RAISE WARNING 'audit partition % not created: the default partition holds events of that month', part;
      END;
    END IF;
    m := (m + interval '1 month')::date;
  END LOOP;
  RETURN created;
END $$;
"""

# The sealer of core/migrations/0007, with three changes for the partitioned table.
SEAL = _replace(
    _replace(
        _replace(
            _before.SEAL,
            "AND l.relation = 'sharing_auditevent'::regclass AND l.granted",
            "AND l.granted AND l.relation IN (SELECT 'sharing_auditevent'::regclass UNION ALL\n"
            "       SELECT inhrelid FROM pg_inherits WHERE inhparent = 'sharing_auditevent'::regclass)",
        ),
        "WHERE p.hash = '' AND (p.seq IS NULL OR p.seq < coalesce(head_seq, 0)) LIMIT 20) u;",
        "WHERE p.hash = '' AND (p.seq IS NULL OR p.seq <= coalesce(head_seq, 0)) LIMIT 20) u;",
    ),
    """    e.prev_hash := coalesce(head_hash, '');""",
    """    IF e.seq <= head_seq THEN  -- a seq repeated (only an INSERT that chose it puts one there)
      RAISE EXCEPTION 'audit event seq % repeats the sealed head %', e.seq, head_seq USING ERRCODE = 'CVA01';
    END IF;
    e.prev_hash := coalesce(head_hash, '');""",
).replace("WHERE id = e.id;", "WHERE id = e.id AND occurred_at = e.occurred_at;")


def _rebuild(*, partitioned: bool) -> str:
    """SQL that rebuilds the trail as a partitioned table (or back as one table), copying every event
    unchanged: same ids, seqs and hashes. The old table is renamed aside, copied, then dropped."""
    aside = f"{TABLE}_unpartitioned" if partitioned else f"{TABLE}_partitioned"
    if partitioned:
        shape = "PARTITION BY RANGE (occurred_at)"
        keys = f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at);"
        months = (
            "SELECT sharing_audit_add_partitions("
            f"coalesce((SELECT min(occurred_at) AT TIME ZONE 'UTC' FROM {aside}), now() AT TIME ZONE 'UTC')::date, "
            f"((now() AT TIME ZONE 'UTC') + interval '{MONTHS_AHEAD} months')::date);\n"
            f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT;\n"
            f"SELECT sharing_audit_guard_partition('{TABLE}_default'::regclass);"
        )
        functions = EVENT_GUARD + PARTITION_NO_TRUNCATE + GUARD_PARTITION + ADD_PARTITIONS
        row_guard, after = "sharing_audit_event_append_only", SEAL
    else:
        shape, months, functions, after = "", "", "", _before.SEAL
        keys = (
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id), "
            f"ADD CONSTRAINT {TABLE}_seq_key UNIQUE (seq);"
        )
        row_guard = "sharing_audit_append_only"
    tail = (
        f"DROP FUNCTION sharing_audit_hash({aside});\nDROP TABLE {aside};\n"
        if partitioned
        else (
            f"DROP FUNCTION sharing_audit_hash({aside});\nDROP TABLE {aside};\n"
            "DROP FUNCTION sharing_audit_add_partitions(date, date);\n"
            "DROP FUNCTION sharing_audit_guard_partition(regclass);\n"
            "DROP FUNCTION sharing_audit_partition_no_truncate();\n"
            "DROP FUNCTION sharing_audit_event_append_only();\n"
        )
    )
    return f"""
LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE;
ALTER TABLE {TABLE} RENAME TO {aside};
ALTER TABLE {aside} RENAME CONSTRAINT {TABLE}_pkey TO {aside}_pkey;
{DROP_INDEXES}
CREATE TABLE {TABLE} (LIKE {aside} INCLUDING DEFAULTS) {shape};
DO $$
DECLARE
  last_id bigint;
BEGIN
  SELECT greatest(coalesce(max(id), 0),
                  coalesce(pg_sequence_last_value(pg_get_serial_sequence('{aside}', 'id')), 0))
    INTO last_id FROM {aside};
  ALTER TABLE {aside} ALTER COLUMN id DROP IDENTITY;
  ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
  PERFORM setval(pg_get_serial_sequence('{TABLE}', 'id'), last_id + 1, false);
END $$;
ALTER SEQUENCE {_before.SEQUENCE} OWNED BY {TABLE}.seq;
{_before.HASH}
{functions}
{months}
INSERT INTO {TABLE} SELECT * FROM {aside};
{keys}
{INDEXES.format(table=TABLE)}
CREATE TRIGGER sharing_audit_append_only BEFORE UPDATE OR DELETE ON {TABLE}
  FOR EACH ROW EXECUTE FUNCTION {row_guard}();
CREATE TRIGGER sharing_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
  FOR EACH STATEMENT EXECUTE FUNCTION sharing_audit_append_only();
DO $$ BEGIN  -- the guard keeps its state through the rebuild (the test databases lift this one)
  IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = '{aside}'::regclass
              AND tgname = 'sharing_audit_no_truncate' AND tgenabled = 'D') THEN
    ALTER TABLE {TABLE} DISABLE TRIGGER sharing_audit_no_truncate;
  END IF;
END $$;
{after}
{tail}
ANALYZE {TABLE};
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_unsealed_events_index")]

    operations = [
        migrations.RunSQL(_rebuild(partitioned=True), _rebuild(partitioned=False)),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="seq",
                    field=models.BigIntegerField(
                        db_default=models.Func(
                            models.Value(_before.SEQUENCE), function="nextval", output_field=models.BigIntegerField()
                        ),
                        editable=False,
                        null=True,
                    ),
                ),
            ]
        ),
        # Archiving a month is itself an event (with its signed archive mark).
        migrations.AlterField(
            model_name="auditevent",
            name="verb",
            field=models.CharField(
                choices=[
                    ("login", "Signed in"),
                    ("login_failed", "Failed sign-in"),
                    ("logout", "Signed out"),
                    ("record_viewed", "Viewed a record"),
                    ("list_viewed", "Viewed a list"),
                    ("searched", "Searched"),
                    ("downloaded", "Downloaded a document"),
                    ("uploaded", "Uploaded a document"),
                    ("removed", "Removed a document"),
                    ("exported", "Exported (disclosure)"),
                    ("created", "Created"),
                    ("changed", "Changed"),
                    ("submitted", "Submitted"),
                    ("shared", "Shared with an agency"),
                    ("share_revoked", "Revoked a share"),
                    ("share_expired", "Share expired"),
                    ("break_glass", "Break-glass access"),
                    ("transition", "Changed state"),
                    ("configured", "Changed configuration"),
                    ("change_requested", "Asked for a change that needs approval"),
                    ("change_approved", "Approved a change"),
                    ("change_rejected", "Rejected a change"),
                    ("token_issued", "Issued an API token"),
                    ("token_revoked", "Revoked an API token"),
                    ("password_reset_throttled", "Password reset refused (too many requests)"),
                    ("audit_archived", "Archived a month of the audit trail"),
                ],
                editable=False,
                max_length=32,
            ),
        ),
    ]
