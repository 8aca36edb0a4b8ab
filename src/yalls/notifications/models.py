"""Notifications, each member's preferences, and the digest ledger."""

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class Category(models.TextChoices):
    SOCIAL = "social", gettext_lazy("Social")
    ORDERS = "orders", gettext_lazy("Orders")
    EVENTS = "events", gettext_lazy("Events")
    FARM = "farm", gettext_lazy("Farm")
    AI = "ai", gettext_lazy("Rocker")
    SYSTEM = "system", gettext_lazy("System")


class Lane(models.TextChoices):
    PRIORITY = "priority", gettext_lazy("Priority")
    SOCIAL = "social", gettext_lazy("Social")
    SYSTEM = "system", gettext_lazy("System")


class Notification(models.Model):
    """One entry in a member's notifications. Similar events (same `group_key`, e.g. favourites of
    one post) within a window fold into one entry: `count` grows and `actor_ids` keeps the latest.

    `held_reason` records why a notification was held back instead of shown (quiet hours, cap,
    opted out, muted, blocked); quiet-hours holds become visible at `visible_at`."""

    class HeldReason(models.TextChoices):
        QUIET_HOURS = "quiet_hours", gettext_lazy("Quiet hours")
        DAILY_CAP = "daily_cap", gettext_lazy("Daily cap reached")
        OPTED_OUT = "opted_out", gettext_lazy("Category turned off")
        MUTED = "muted", gettext_lazy("Muted")
        BLOCKED = "blocked", gettext_lazy("Blocked")
        IN_APP_OFF = "in_app_off", gettext_lazy("In-app turned off")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)  # e.g. "social.favorite", "social.mention"
    category = models.CharField(max_length=10, choices=Category.choices)
    lane = models.CharField(max_length=10, choices=Lane.choices)
    priority = models.PositiveSmallIntegerField(default=2)  # 1 = critical, 3 = low
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=1000, blank=True)
    link = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_ids = models.JSONField(default=list, blank=True)  # latest actors of a group, newest first
    count = models.PositiveIntegerField(default=1)
    target_type = models.CharField(max_length=30, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    group_key = models.CharField(max_length=200, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True)
    # Dedupe keys of the events folded into this group (the unique constraint holds only the first).
    folded_keys = models.JSONField(default=list, blank=True)
    held_reason = models.CharField(max_length=12, choices=HeldReason.choices, blank=True)
    visible_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notifications_dedupe_once",
            ),
        ]
        indexes = [
            # The unread hot path: a member's unread items, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=models.Q(read_at__isnull=True),
                # Carried in the index so unread counts are index-only scans.
                include=["lane", "held_reason", "visible_at"],
                name="notifications_unread_v2",
            ),
            # Every lane, newest first: the "all" list without a sort of the member's history.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notifications_history"),
            models.Index(
                fields=["recipient", "lane", "-created_at", "-id"],
                name="notifications_lane_history",
            ),
            models.Index(
                fields=["recipient", "group_key", "-updated_at"],
                condition=~models.Q(group_key=""),
                name="notifications_group",
            ),
            # The quiet-hours release job: held items whose quiet window has ended.
            models.Index(
                fields=["visible_at"],
                condition=models.Q(held_reason="quiet_hours"),
                name="notifications_quiet_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class Preference(models.Model):
    """A member's notification settings. A member without a row has the defaults below."""

    class DigestFrequency(models.TextChoices):
        DAILY = "daily", gettext_lazy("Daily")
        WEEKLY = "weekly", gettext_lazy("Weekly")
        OFF = "off", gettext_lazy("Off")

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    quiet_start = models.TimeField(default=time(22, 0))
    quiet_end = models.TimeField(default=time(8, 0))
    quiet_enabled = models.BooleanField(default=True)
    daily_cap = models.PositiveSmallIntegerField(default=10)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=False)
    push = models.BooleanField(default=False)
    categories_off = models.JSONField(default=list, blank=True)  # categories the member turned off
    # Categories whose emails the member turned off (the one-click unsubscribe link writes here).
    email_categories_off = models.JSONField(default=list, blank=True)
    digest_hour = models.PositiveSmallIntegerField(default=9)  # local hour, 0–23
    digest_frequency = models.CharField(
        max_length=6, choices=DigestFrequency.choices, default=DigestFrequency.DAILY
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification preferences of {self.member_id}"


class DigestRun(models.Model):
    """One digest per member per period, ever: the unique key makes a second run a no-op."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period_key = models.CharField(max_length=20)  # "2026-11-22" (daily) or "2026-W47" (weekly)
    notification_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "period_key"], name="notifications_digest_once"
            )
        ]

    def __str__(self) -> str:
        return f"digest {self.period_key} for {self.member_id}"
