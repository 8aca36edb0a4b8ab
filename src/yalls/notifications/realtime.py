"""Real-time fan-out of unread counts to open browsers (being built: issue 5, surface engineer).

`unread_changed(member_id)` is called by the send service after commit whenever a member's unread
notifications change."""


def unread_changed(member_id) -> None:
    return None
