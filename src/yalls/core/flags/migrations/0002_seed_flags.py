"""The flags every database starts with (a frozen copy of defaults.SEEDED_FLAGS)."""

from django.db import migrations

SEEDED = [
    ("feed_shop_blend", "Blend marketplace listings into the home feed.", True),
    ("discover_reels", "Show the reels lane on Discover.", True),
    ("payments_real", "Charge real money (off: checkout runs against the sandbox).", False),
    ("rocker_always_on", "Keep the Rocker assistant available on every page.", True),
    ("composer_crosspost", "Let the composer cross-post to entities the author owns.", True),
]


def seed(apps, schema_editor):
    Flag = apps.get_model("flags", "Flag")
    for key, description, enabled in SEEDED:
        # 100 % rollout: when on, on for everyone.
        Flag.objects.get_or_create(
            key=key, defaults={"description": description, "enabled": enabled, "rollout_bp": 10_000}
        )


def unseed(apps, schema_editor):
    apps.get_model("flags", "Flag").objects.filter(key__in=[k for k, _, _ in SEEDED]).delete()


class Migration(migrations.Migration):
    dependencies = [("flags", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
