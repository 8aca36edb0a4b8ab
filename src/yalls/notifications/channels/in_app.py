"""The in-app channel: the notification row is the delivery; after commit, open browsers are told
the member's unread items changed (the surface's real-time fan-out)."""

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def _announce(member_id) -> None:
    # Looked up at call time: the real-time module is the surface engineer's and may be replaced.
    from yalls.notifications import realtime

    realtime.unread_changed(member_id)


def unread_changed_after_commit(member_id) -> None:
    """Tell open browsers once the transaction commits (never for a rolled-back write). A failing
    fan-out is logged, never raised into the committed business write."""
    transaction.on_commit(lambda: _announce(member_id), robust=True)


def _announce_many(member_ids: list) -> None:
    from yalls.notifications import realtime

    many = getattr(realtime, "unread_changed_many", None)
    if many is not None:
        many(member_ids)  # one counts query for the whole batch
    else:
        for member_id in member_ids:
            realtime.unread_changed(member_id)


def unread_changed_many_after_commit(member_ids) -> None:
    """The bulk form: one after-commit announcement for a whole chunk of recipients."""
    ids = list(dict.fromkeys(member_ids))
    if ids:
        transaction.on_commit(lambda: _announce_many(ids), robust=True)
