"""Give every school that already exists the shipped assessment definitions (new schools get
them when created). Like curriculum 0002 it goes through the installer rather than historical
models, so the shipped list is read one way only; should a later migration change these
tables, move this load after it."""

from django.db import migrations


def install(apps, schema_editor):
    from nextsteps.results.definitions import install_definitions

    School = apps.get_model("schools", "School")
    for school_id in School.objects.values_list("pk", flat=True):
        install_definitions(school_id)


class Migration(migrations.Migration):
    dependencies = [("results", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
