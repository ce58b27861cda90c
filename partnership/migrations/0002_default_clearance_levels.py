from django.db import migrations

DEFAULTS = (
    (1, "Baseline", "Baseline Personnel Security Standard (BPSS)."),
    (2, "Security Check", "Security Check (SC) clearance."),
    (3, "Developed Vetting", "Developed Vetting (DV) clearance."),
)


def create_defaults(apps, schema_editor):
    ClearanceLevel = apps.get_model("partnership", "ClearanceLevel")
    for rank, name, description in DEFAULTS:
        ClearanceLevel.objects.get_or_create(rank=rank, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("partnership", "0001_agencies_clearance_users_tokens")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
