"""The starting kind list. Add a kind with a row like these."""

from django.db import migrations

KINDS = [
    ("business", "Business", "Businesses", "A company or shop serving the horse world.", False, 10),
    ("farm", "Farm", "Farms", "A farm or ranch.", False, 20),
    ("stable", "Stable", "Stables", "A boarding or training stable.", False, 30),
    ("brand", "Brand", "Brands", "A product brand.", False, 40),
    ("horse", "Horse", "Horses", "A horse, with breed and pedigree details.", True, 50),
    ("event_organiser", "Event organiser", "Event organisers", "Runs shows, races, clinics and sales.", False, 60),
]


def add_kinds(apps, schema_editor):
    EntityKind = apps.get_model("entities", "EntityKind")
    for slug, label, plural, description, is_horse, position in KINDS:
        EntityKind.objects.update_or_create(
            slug=slug,
            defaults={"label": label, "plural": plural, "description": description, "is_horse": is_horse, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("entities", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
