"""How many audit events sit in the default partition, for beat's partition task, which runs as the
application role: that role holds nothing on the partitions (it reaches them through the table), so
the count is a SECURITY DEFINER function, as the sealer and ``sharing_audit_add_partitions`` are."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION sharing_audit_events_in_default() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT count(*) FROM sharing_auditevent_default
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0009_audit_trail_partitioned_by_month")]

    operations = [migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS sharing_audit_events_in_default();")]
