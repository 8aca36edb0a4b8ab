"""Feature flags and experiments: deterministic bucketing, targeting, variants, readouts.

The helpers a feature uses (see docs/platform/flags.md):

    from yalls.core.flags import flag_enabled, flag_variant, flags_for, FLAG_DEFAULTS
"""

from yalls.core.flags.defaults import FLAG_DEFAULTS

__all__ = ["FLAG_DEFAULTS", "flag_enabled", "flag_variant", "flags_for"]


# Thin wrappers: this package is imported while apps load, before models may be imported.
def flags_for(member=None, *, anonymous_id: str | None = None):
    from yalls.core.flags.selectors import flags_for as _flags_for

    return _flags_for(member, anonymous_id=anonymous_id)


def flag_enabled(key: str, member=None, *, anonymous_id: str | None = None) -> bool:
    from yalls.core.flags.selectors import flag_enabled as _flag_enabled

    return _flag_enabled(key, member, anonymous_id=anonymous_id)


def flag_variant(key: str, member=None, *, anonymous_id: str | None = None) -> str | None:
    from yalls.core.flags.selectors import flag_variant as _flag_variant

    return _flag_variant(key, member, anonymous_id=anonymous_id)
