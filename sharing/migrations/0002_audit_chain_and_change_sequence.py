"""The audit trail is append-only and hash-chained, enforced by the database;
and the sequence that orders lists newest change first."""

from django.db import migrations

AUDIT_LOCK_KEY = 8_315_042_117  # pg_advisory_xact_lock key that serialises audit writers

FORWARD = f"""
CREATE SEQUENCE IF NOT EXISTS sharing_change_seq;

CREATE OR REPLACE FUNCTION sharing_audit_hash(e sharing_auditevent) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|',
      e.seq::text,
      to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
      coalesce(e.actor_id::text, ''), e.actor_username,
      coalesce(e.agency_id::text, ''), e.agency_name,
      e.verb, e.object_type, e.object_id,
      coalesce(host(e.ip_address), ''), e.reason, e.details::text,
      e.break_glass::text, e.prev_hash), 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION sharing_audit_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock({AUDIT_LOCK_KEY});
  SELECT seq, hash INTO last_seq, last_hash FROM sharing_auditevent ORDER BY seq DESC LIMIT 1;
  NEW.seq := coalesce(last_seq, 0) + 1;
  NEW.prev_hash := coalesce(last_hash, '');
  NEW.hash := sharing_audit_hash(NEW);
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION sharing_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END $$;

CREATE TRIGGER sharing_audit_chain BEFORE INSERT ON sharing_auditevent
  FOR EACH ROW EXECUTE FUNCTION sharing_audit_chain();
CREATE TRIGGER sharing_audit_append_only BEFORE UPDATE OR DELETE ON sharing_auditevent
  FOR EACH ROW EXECUTE FUNCTION sharing_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS sharing_audit_append_only ON sharing_auditevent;
DROP TRIGGER IF EXISTS sharing_audit_chain ON sharing_auditevent;
DROP FUNCTION IF EXISTS sharing_audit_append_only();
DROP FUNCTION IF EXISTS sharing_audit_chain();
DROP FUNCTION IF EXISTS sharing_audit_hash(sharing_auditevent);
DROP SEQUENCE IF EXISTS sharing_change_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_grants_shares_audit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
