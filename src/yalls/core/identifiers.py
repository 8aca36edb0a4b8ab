"""The one place ids from input (paths, forms, query strings, token claims) become UUIDs or
integers: anything malformed is None, never a ValueError deep in a view (a 500)."""

import re
from uuid import UUID

# 32 ASCII hex digits, hyphens optional; not the braces, "urn:uuid:" prefixes, underscores or
# non-ASCII digits uuid.UUID() also takes: what we hand out is what we take back.
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
# ASCII digits only: str.isdigit() is true for "²" and int("²") raises.
_INT = re.compile(r"[0-9]{1,18}")  # 18 digits always fit a PostgreSQL bigint


def uuid_parse(value) -> UUID | None:
    """`value` as a UUID, or None when it is not one (wrong type, length, characters)."""
    if isinstance(value, UUID):
        return value
    if not isinstance(value, str) or not _UUID.fullmatch(value):
        return None
    return UUID(value)


def uuids_parse(values) -> list[UUID] | None:
    """Every value as a UUID, or None when any of them is not one."""
    parsed = [uuid_parse(v) for v in values]
    return None if any(p is None for p in parsed) else parsed


def int_id_parse(value) -> int | None:
    """A positive database integer id from text (or an int), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    if not isinstance(value, str) or not _INT.fullmatch(value):
        return None
    return int(value) or None
