"""Notifications: lanes, preferences (quiet hours, daily cap, channels), one send path, real time,
email and digests."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yalls.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from yalls.accounts.linked_accounts.services import on_link_verified
        from yalls.notifications import receivers

        on_link_verified(receivers.link_verified)
