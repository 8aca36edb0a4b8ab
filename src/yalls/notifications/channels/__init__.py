"""Delivery channels: in-app (the row itself plus the real-time nudge) and email. Push is not
offered until it really delivers (see docs/notifications.md)."""
