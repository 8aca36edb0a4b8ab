"""Social: posts, targets and approvals, reposts, favorites, pins, follows, blocks, mutes, hides."""

from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "yalls.social"
    label = "social"
    default_auto_field = "django.db.models.BigAutoField"
