"""Row-level security of notifications: each row is its recipient's alone."""

from yalls.core.rls import owned, protect

protect(
    owned("notifications_notification", "recipient_id", why="a member's notifications"),
    owned("notifications_preference", "member_id", why="a member's notification settings"),
    owned("notifications_digestrun", "member_id", why="a member's digest bookkeeping"),
)
