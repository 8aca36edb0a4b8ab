"""Flag values declared in code: served when the flag store (database or cache) can't be reached,
and the seed for the flags every environment starts with.

Keep a flag here for as long as code reads it. A default is the value that is safe to serve to
everyone during an outage: new or risky features default to off.
"""

# key -> enabled when the flag store is unreachable (no rollout, no targeting, no variant).
FLAG_DEFAULTS: dict[str, bool] = {
    "feed_shop_blend": True,
    "discover_reels": True,
    "payments_real": False,
    "rocker_always_on": True,
    "composer_crosspost": True,
}

# The flags every database starts with (migration 0002 holds a frozen copy of this list;
# `flag_seed_ensure()` restores them after a test flush).
SEEDED_FLAGS: list[dict] = [
    {
        "key": "feed_shop_blend",
        "description": "Blend marketplace listings into the home feed.",
        "enabled": True,
    },
    {"key": "discover_reels", "description": "Show the reels lane on Discover.", "enabled": True},
    {
        "key": "payments_real",
        "description": "Charge real money (off: checkout runs against the sandbox).",
        "enabled": False,
    },
    {
        "key": "rocker_always_on",
        "description": "Keep the Rocker assistant available on every page.",
        "enabled": True,
    },
    {
        "key": "composer_crosspost",
        "description": "Let the composer cross-post to entities the author owns.",
        "enabled": True,
    },
]
