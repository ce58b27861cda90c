"""Fuzzy name search: PostgreSQL's pg_trgm and trigram indexes on the folded name and the aliases.

Only where the server ships the extension and lets this database user create it (pg_trgm is a trusted
extension from PostgreSQL 13: a database owner may). The embedded PostgreSQL of ``make run`` has no
pg_trgm; there nothing is created and search falls back to phonetic keys (referrals.search,
docs/adr/0019). The indexes are not in the models' state: they exist only where the extension does.
"""

from django.db import migrations

ENABLE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        BEGIN
            EXECUTE 'CREATE EXTENSION IF NOT EXISTS pg_trgm';
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm could not be created here: name search uses phonetic keys only';
        END;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX IF NOT EXISTS person_name_key_trgm_idx '
                'ON referrals_person USING gin (name_key gin_trgm_ops)';
        EXECUTE 'CREATE INDEX IF NOT EXISTS person_other_names_trgm_idx '
                'ON referrals_person USING gin (other_names gin_trgm_ops)';
    END IF;
END
$$;
"""

# The extension stays: something else may use it by then.
DISABLE = """
DROP INDEX IF EXISTS person_name_key_trgm_idx;
DROP INDEX IF EXISTS person_other_names_trgm_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_schedule_deleting_untouched_drafts")]

    operations = [migrations.RunSQL(ENABLE, DISABLE)]
