from django.db import migrations

FACTORS = {
    "engagement": [
        "Feelings of grievance and injustice",
        "Feeling under threat",
        "Need for identity, meaning and belonging",
        "Desire for status",
        "Desire for excitement and adventure",
        "Need to dominate and control",
        "Susceptibility to indoctrination",
        "Political or moral motivation",
        "Opportunistic involvement",
        "Family or friends support extremist offending",
        "Transitional periods",
        "Group influence and control",
        "Mental health",
    ],
    "intent": [
        "Over-identification with a group or ideology",
        "Them and us thinking",
        "Dehumanisation of the enemy",
        "Attitudes that justify offending",
        "Harmful means to an end",
        "Harmful end objectives",
    ],
    "capability": [
        "Individual knowledge, skills and competencies",
        "Access to networks, funding or equipment",
        "Criminal history",
    ],
}


def create_factors(apps, schema_editor):
    Factor = apps.get_model("panels", "AssessmentFactor")
    for dimension, names in FACTORS.items():
        for position, name in enumerate(names):
            Factor.objects.get_or_create(dimension=dimension, name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("panels", "0001_meetings_agendas_decisions_plans")]

    operations = [migrations.RunPython(create_factors, migrations.RunPython.noop)]
