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
        migrations.RemoveField(
            model_name='chronologyentry',
            name='information_request',
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
