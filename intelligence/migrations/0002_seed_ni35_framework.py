"""Seed the self-assessment framework: the four dimensions of the NI35 assessment framework ("Building
resilience to violent extremism", annexed to "Stronger Together", NLGN 2009), each with descriptors for
the scores 1 to 5. The wording is the partnership's to adapt (see docs/adr/0021); this is the starting
point, and an existing row is never overwritten."""

from django.db import migrations

LEVELS = (
    "Not yet started: {what} is not in place and no one is responsible for it.",
    "Early stages: {what} has begun in places, led by one agency, without a shared picture.",
    "Developing: {what} is agreed between the partners and under way, but unevenly.",
    "Established: {what} is in place across the partnership and reviewed regularly.",
    "Embedded and evaluated: {what} is part of everyday work, evaluated, and improved from what is learnt.",
)

DIMENSIONS = (
    (
        "communities",
        "Understanding of, and engagement with, communities",
        "knowing the area's communities, their concerns and tensions, and working with them as partners",
    ),
    (
        "drivers",
        "Knowledge and understanding of the drivers and causes of violent extremism and the Prevent objectives",
        "a shared understanding, across agencies, of what draws people into violent extremism and of the "
        "Prevent objectives",
    ),
    (
        "action_plan",
        "Development of a risk-based action plan",
        "an action plan built on the local assessment of risk, with owners, resources and dates",
    ),
    (
        "oversight",
        "Effective oversight, delivery and evaluation",
        "governance that oversees delivery, measures its effect and holds partners to account",
    ),
)


def seed(apps, schema_editor):
    Dimension = apps.get_model("intelligence", "AssessmentDimension")
    Descriptor = apps.get_model("intelligence", "LevelDescriptor")
    for position, (code, title, what) in enumerate(DIMENSIONS, 1):
        dimension, _ = Dimension.objects.get_or_create(code=code, defaults={"title": title, "position": position})
        for score, text in enumerate(LEVELS, 1):
            Descriptor.objects.get_or_create(
                dimension=dimension, score=score, defaults={"text": text.format(what=what)}
            )


class Migration(migrations.Migration):
    dependencies = [("intelligence", "0001_tension_reports_and_self_assessment")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
