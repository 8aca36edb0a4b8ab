"""Flags for the flags tests: the engine needs flags to work on, and production seeds only the
ones code reads, so the tests bring their own (the shapes production once seeded)."""

from django.db import transaction

from yalls.core.db_context import system_context
from yalls.core.flags.models import Flag
from yalls.core.flags.services import flag_seed_ensure

SAMPLES = [
    ("feed_shop_blend", "Blend marketplace listings into the home feed.", True),
    ("discover_reels", "Show the reels lane on Discover.", True),
    ("payments_real", "Charge real money (off: checkout runs against the sandbox).", False),
]


@system_context()
@transaction.atomic
def sample_flags_ensure() -> None:
    """The seeded flags plus the samples; never changes existing rows."""
    flag_seed_ensure()
    for key, description, enabled in SAMPLES:
        Flag.objects.get_or_create(
            key=key, defaults={"description": description, "enabled": enabled, "rollout_bp": 10_000}
        )
