"""Social: posts, targets and approvals, reposts, favorites, pins, follows, blocks, mutes, hides."""

from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "yalls.social"
    label = "social"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Notifications sit below social: they learn about blocks and mutes through this filter.
        from yalls.notifications.audience import register_audience_filter
        from yalls.social.selectors.relations import notification_holds

        register_audience_filter(notification_holds)

        # Post media sit in the private storage; the files route asks this rule who may fetch one.
        from yalls.core.storage import register_private_access
        from yalls.social.selectors.visibility import post_media_file_visible

        register_private_access("posts", post_media_file_visible)
