"""The sealer finds the unsealed events through a partial index (tiny: only events not yet chained).

Built concurrently, so a large trail keeps taking appends while it is built.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("core", "0007_audit_appends_without_the_chain_lock")]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(condition=models.Q(hash=""), fields=["seq"], name="audit_unsealed_idx"),
        ),
    ]
