"""Drop the seeded flags no code reads (feed, reels, real payments, Rocker): a flag ships with the
feature it guards. Their rows go only while still as seeded (never changed by staff)."""

from django.db import migrations

UNREAD = [
    ("feed_shop_blend", "Blend marketplace listings into the home feed.", True),
    ("discover_reels", "Show the reels lane on Discover.", True),
    ("payments_real", "Charge real money (off: checkout runs against the sandbox).", False),
    ("rocker_always_on", "Keep the Rocker assistant available on every page.", True),
]


def drop(apps, schema_editor):
    Flag = apps.get_model("flags", "Flag")
    for key, description, enabled in UNREAD:
        Flag.objects.filter(
            key=key, description=description, enabled=enabled, kill_switch=False,
            rollout_bp=10_000, variants=[], exposures__isnull=True,
        ).delete()  # fmt: skip


def restore(apps, schema_editor):
    Flag = apps.get_model("flags", "Flag")
    for key, description, enabled in UNREAD:
        Flag.objects.get_or_create(
            key=key, defaults={"description": description, "enabled": enabled, "rollout_bp": 10_000}
        )


class Migration(migrations.Migration):
    dependencies = [("flags", "0002_seed_flags")]
    operations = [migrations.RunPython(drop, restore)]
