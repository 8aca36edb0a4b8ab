"""The starting kind list (yalls.entities.kinds.DEFAULT_KINDS)."""

from django.db import migrations

from yalls.entities.kinds import entity_kinds_ensure


def add_kinds(apps, schema_editor):
    entity_kinds_ensure(apps.get_model("entities", "EntityKind"))


class Migration(migrations.Migration):
    dependencies = [("entities", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
