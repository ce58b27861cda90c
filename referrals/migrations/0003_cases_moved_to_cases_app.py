"""Cases, requests and entry documents now live in cases/ (their tables were renamed there).

Drops them from referrals' state only, and drops the contribution link column
once cases 0002 has copied it into cases_contribution.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_contributions_link_requests'),
        ('panels', '0003_cases_moved_to_cases_app'),
        ('referrals', '0002_screening_cases_requests_chronology'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name='chronologyentry', name='information_request')],
            # On the way back the requests table is still called cases_informationrequest (cases 0001 renames
            # it back after this), so the restored column points there and follows the rename.
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE referrals_chronologyentry DROP COLUMN information_request_id",
                    reverse_sql=[
                        "ALTER TABLE referrals_chronologyentry ADD COLUMN information_request_id bigint NULL "
                        "REFERENCES cases_informationrequest (id) DEFERRABLE INITIALLY DEFERRED",
                        "CREATE INDEX referrals_chronologyentry_information_request_id "
                        "ON referrals_chronologyentry (information_request_id)",
                    ],
                )
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Case'),
                migrations.DeleteModel(name='CaseTransition'),
                migrations.DeleteModel(name='EntryDocument'),
                migrations.DeleteModel(name='InformationRequest'),
            ],
        ),
    ]
