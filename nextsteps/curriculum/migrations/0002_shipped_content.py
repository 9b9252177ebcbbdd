"""Load the scales and frameworks shipped with NextSteps, so a fresh install, the demo and the
tests have them. It goes through the services (the same path as `nextsteps load_curriculum`)
rather than historical models, so the shipped files are read exactly one way; should a later
migration change the curriculum tables, give this one the apps registry or move the load
after it."""

from django.db import migrations


def load(apps, schema_editor):
    from nextsteps.curriculum.services import load_shipped

    load_shipped()


class Migration(migrations.Migration):
    dependencies = [
        ("curriculum", "0001_initial"),
        ("audit", "0001_initial"),
        ("schools", "0001_initial"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
