"""Handles get their TS #39 skeleton, unique: a new handle may not look like a taken one."""

from django.db import migrations, models


def skeletons_fill(apps, schema_editor):
    from yalls.core.handles import handle_skeleton

    Handle = apps.get_model("core", "Handle")
    seen: set[str] = set()
    for row in Handle.objects.order_by("created_at", "id"):
        skeleton = handle_skeleton(row.handle)
        # Look-alikes claimed before this check keep their handles; the later one's skeleton is
        # made unique so the constraint can hold, and no one new can claim either shape.
        row.skeleton = skeleton if skeleton not in seen else f"{skeleton}#{row.id.hex[:12]}"
        seen.add(skeleton)
        row.save(update_fields=["skeleton"])


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="handle",
            name="skeleton",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(skeletons_fill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="handle",
            constraint=models.UniqueConstraint(
                fields=("skeleton",), name="core_handle_unique_skeleton"
            ),
        ),
    ]
