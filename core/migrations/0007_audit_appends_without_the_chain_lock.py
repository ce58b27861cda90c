"""Audit events are appended without a global lock, and chained afterwards by a sealer
(docs/adr/0014-audit-sealer.md).

Until now a BEFORE INSERT trigger took one advisory lock for every event, read the head and chained
the new event's hash: every writer in the deployment queued on it until its transaction committed.
From here:

* ``seq`` comes from a sequence at insert (the insertion order, as an identity would give; a write
  that rolls back leaves a hole). The chain trigger is dropped: an append is a plain INSERT, with
  ``prev_hash`` and ``hash`` empty ("unsealed").
* ``sharing_audit_seal(max_events, max_wait)`` chains unsealed events in ``seq`` order: each gets
  the previous sealed event's hash (``prev_hash``) and seq (``prev_seq``, so a hole left by a
  rollback is told from a deleted event) and its own ``hash``. It seals only up to a fence no writer
  can still fill below: it reads the sequence's last value, notes every other transaction that
  holds a write lock on the table (any transaction holding a seq up to that value took it before),
  and waits for those to end. It is SECURITY DEFINER, so the application role (which may not UPDATE
  the table) runs it.
* The append-only trigger lets exactly one UPDATE through: an unsealed event becoming sealed with
  a hash that matches its contents, everything else unchanged.
* ``sharing_audit_hash`` also covers ``prev_seq``; ``concat_ws`` skips NULLs, so every event chained
  before this migration (``prev_seq`` NULL) keeps its hash and still verifies.

Existing events keep their seq, prev_hash and hash. The table is locked for the switch (metadata
changes only; no row is rewritten), so no event is chained by both regimes.
"""

from django.db import migrations, models
from django.db.models import Func, Value

SEQUENCE = "sharing_auditevent_seq_seq"
SEAL_LOCK_KEY = 8_315_042_119  # transaction advisory lock: one sealing batch at a time
CONTENT = (
    "seq, occurred_at, actor_id, actor_username, agency_id, agency_name, verb, object_type, object_id, "
    "ip_address, reason, details, break_glass"
)


def _row(alias: str) -> str:
    return "ROW(" + ", ".join(f"{alias}.{column.strip()}" for column in CONTENT.split(",")) + ")"


HASH = """
CREATE OR REPLACE FUNCTION sharing_audit_hash(e sharing_auditevent) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|',
      e.seq::text,
      to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
      coalesce(e.actor_id::text, ''), e.actor_username,
      coalesce(e.agency_id::text, ''), e.agency_name,
      e.verb, e.object_type, e.object_id,
      coalesce(host(e.ip_address), ''), e.reason, e.details::text,
      e.break_glass::text, e.prev_hash, e.prev_seq::text), 'UTF8')), 'hex')
$$;
"""

OLD_HASH = HASH.replace(", e.prev_seq::text), 'UTF8'", "), 'UTF8'")

APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION sharing_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'sharing_auditevent' THEN
    -- The sealer's one change: an unsealed event gets its link and a hash of what it holds.
    IF OLD.hash = '' AND OLD.prev_hash = '' AND OLD.prev_seq IS NULL AND NEW.prev_seq IS NOT NULL
       AND NEW.id = OLD.id AND {_row("NEW")} IS NOT DISTINCT FROM {_row("OLD")}
       AND NEW.hash = sharing_audit_hash(NEW) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END $$;
"""

OLD_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION sharing_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END $$;
"""

SEAL = f"""
CREATE OR REPLACE FUNCTION sharing_audit_seal(max_events integer, max_wait double precision)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
-- Chains up to max_events unsealed events in seq order; returns how many, or -1 when a writer that
-- may hold a lower seq was still running after max_wait seconds (nothing sealed: try again later).
-- Raises SQLSTATE CVA01 when an unsealed event sits below the sealed head (it cannot be chained in
-- its place: inserted there, or sealed past by a sealer that broke the rule).
DECLARE
  fence bigint;
  writers text[];
  waited double precision := 0;
  nap double precision := 0.002;
  head_seq bigint;
  head_hash text;
  misplaced bigint[];
  e sharing_auditevent;
  sealed bigint := 0;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'sharing_audit_seal needs READ COMMITTED (each step reads what committed before it)';
  END IF;
  IF (SELECT seqcache FROM pg_sequence WHERE seqrelid = '{SEQUENCE}'::regclass) <> 1 THEN
    RAISE EXCEPTION 'the audit seq sequence must not cache values (CACHE 1): a cached seq escapes the fence';
  END IF;
  PERFORM pg_advisory_xact_lock({SEAL_LOCK_KEY});
  -- 1. The fence: every seq up to it was taken by a transaction that holds a write lock on the table
  --    now (an INSERT locks the table before its defaults take a seq, and keeps the lock until it ends).
  fence := pg_sequence_last_value('{SEQUENCE}');
  IF fence IS NULL THEN
    RETURN 0;
  END IF;
  SELECT array_agg(DISTINCT l.virtualtransaction) INTO writers
    FROM pg_locks l
   WHERE l.locktype = 'relation' AND l.relation = 'sharing_auditevent'::regclass AND l.granted
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
     AND l.pid IS DISTINCT FROM pg_backend_pid();
  -- 2. Wait for those transactions to end: then every seq up to the fence is committed or never will be.
  WHILE writers IS NOT NULL AND EXISTS (SELECT 1 FROM pg_locks WHERE virtualtransaction = ANY (writers)) LOOP
    IF waited >= max_wait THEN
      RETURN -1;
    END IF;
    PERFORM pg_sleep(nap);
    waited := waited + nap;
    nap := least(nap * 2, 0.05);
  END LOOP;
  -- 3. Chain from the sealed head (each statement below sees what committed before it).
  SELECT s.seq, s.hash INTO head_seq, head_hash
    FROM sharing_auditevent s WHERE s.hash <> '' ORDER BY s.seq DESC LIMIT 1;
  SELECT array_agg(u.seq ORDER BY u.seq) INTO misplaced FROM (
    SELECT p.seq FROM sharing_auditevent p
     WHERE p.hash = '' AND (p.seq IS NULL OR p.seq < coalesce(head_seq, 0)) LIMIT 20) u;
  IF misplaced IS NOT NULL THEN
    RAISE EXCEPTION 'unsealed audit events below the sealed head %: %', head_seq, misplaced
      USING ERRCODE = 'CVA01';
  END IF;
  FOR e IN
    SELECT * FROM sharing_auditevent p WHERE p.hash = '' AND p.seq <= fence ORDER BY p.seq LIMIT max_events
  LOOP
    e.prev_hash := coalesce(head_hash, '');
    e.prev_seq := coalesce(head_seq, 0);
    e.hash := sharing_audit_hash(e);
    UPDATE sharing_auditevent SET prev_hash = e.prev_hash, prev_seq = e.prev_seq, hash = e.hash
     WHERE id = e.id;
    head_seq := e.seq;
    head_hash := e.hash;
    sealed := sealed + 1;
  END LOOP;
  RETURN sealed;
END $$;
"""

FORWARD = f"""
LOCK TABLE sharing_auditevent IN ACCESS EXCLUSIVE MODE;
DROP TRIGGER IF EXISTS sharing_audit_chain ON sharing_auditevent;
DROP FUNCTION IF EXISTS sharing_audit_chain();
CREATE SEQUENCE {SEQUENCE} OWNED BY sharing_auditevent.seq;
SELECT setval('{SEQUENCE}', coalesce(max(seq), 0) + 1, false) FROM sharing_auditevent;
ALTER TABLE sharing_auditevent ALTER COLUMN seq SET DEFAULT nextval('{SEQUENCE}');
{HASH}
{APPEND_ONLY}
{SEAL}
"""

# Back to the chain trigger (sharing/migrations/0002): only while no event was appended since, as the
# old hash does not cover prev_seq and the old chain has no holes.
BACKWARD = f"""
LOCK TABLE sharing_auditevent IN ACCESS EXCLUSIVE MODE;
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM sharing_auditevent WHERE hash = '' OR prev_seq IS NOT NULL) THEN
    RAISE EXCEPTION 'audit events were appended since this migration: they cannot go back to the chain trigger';
  END IF;
END $$;
DROP FUNCTION IF EXISTS sharing_audit_seal(integer, double precision);
{OLD_APPEND_ONLY}
{OLD_HASH}
ALTER TABLE sharing_auditevent ALTER COLUMN seq DROP DEFAULT;
DROP SEQUENCE IF EXISTS {SEQUENCE};
CREATE OR REPLACE FUNCTION sharing_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(8315042117);
  SELECT seq, hash INTO last_seq, last_hash FROM sharing_auditevent ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, '');
  NEW.hash := sharing_audit_hash(NEW);
  RETURN NEW;
END $$;
CREATE TRIGGER sharing_audit_chain BEFORE INSERT ON sharing_auditevent
  FOR EACH ROW EXECUTE FUNCTION sharing_audit_chain();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_audit_verbs_for_uploads_and_password_resets"),
        ("sharing", "0010_audit_hash_is_stable_so_it_inlines"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_seq",
            field=models.BigIntegerField(
                editable=False, null=True, help_text="The seq of the event before it in the chain, set by the sealer."
            ),
        ),
        # The hash reads prev_seq, so the column comes first; backwards, the old hash and the chain
        # trigger come back before the column goes.
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="seq",
                    field=models.BigIntegerField(
                        db_default=Func(Value(SEQUENCE), function="nextval", output_field=models.BigIntegerField()),
                        editable=False,
                        null=True,
                        unique=True,
                    ),
                ),
            ]
        ),
    ]
