"""Notifications: lanes, preferences (quiet hours, daily cap, channels), one send path, real time,
email and digests."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "yalls.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
