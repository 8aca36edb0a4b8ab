"""Who must not hear from an actor: a registration that apps above notifications fill (social
registers blocks and mutes in its AppConfig.ready()), so the send path never imports them.

A filter is `fn(*, actor_id, recipient_ids, always_delivered) -> {recipient_id: held_reason}`; it
runs inside the send path's system context, so it sees every member's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

AudienceFilter = Callable[..., dict]

_filters: list[AudienceFilter] = []


def register_audience_filter(fn: AudienceFilter) -> AudienceFilter:
    """Add a filter once (AppConfig.ready() may run twice under some test runners)."""
    if fn not in _filters:
        _filters.append(fn)
    return fn


def actor_holds(*, actor_id, recipient_ids: Iterable, always_delivered: bool) -> dict:
    """{recipient_id: held_reason} for the recipients some filter holds; the first filter wins."""
    if not actor_id:
        return {}
    ids = list(recipient_ids)
    held: dict = {}
    for fn in _filters:
        for member_id, reason in fn(
            actor_id=actor_id, recipient_ids=ids, always_delivered=always_delivered
        ).items():
            if reason:
                held.setdefault(member_id, reason)
    return held
