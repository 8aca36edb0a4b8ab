"""Flag values declared in code: served when the flag store (database or cache) can't be reached,
and the seed for the flags every environment starts with.

Keep a flag here for as long as code reads it. A default is the value that is safe to serve to
everyone during an outage: new or risky features default to off.
"""

# key -> enabled when the flag store is unreachable (no rollout, no targeting, no variant).
# Only flags that code reads: a flag for a feature that does not exist yet is added with it.
FLAG_DEFAULTS: dict[str, bool] = {
    "composer_crosspost": True,
}

# The flags every database starts with (migration 0002 holds a frozen copy of the first list,
# 0003 drops the ones nothing read; `flag_seed_ensure()` restores these after a test flush).
SEEDED_FLAGS: list[dict] = [
    {
        "key": "composer_crosspost",
        "description": "Let the composer cross-post to entities the author owns.",
        "enabled": True,
    },
]
