"""One row per Idempotency-Key: who sent it for which route, what the request was, what it got.

The middleware reads and writes this table in the system context (the owner role) and filters
by `scope` explicitly: anonymous keys have no member, so RLS can't be the rule it relies on.
RLS is still on (migration 0001, owner column `member_id`) for any member-role query: a member
sees only their own keys and nobody sees anonymous ones.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class IdempotencyKey(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", gettext_lazy("In progress")
        COMPLETED = "completed", gettext_lazy("Completed")

    # sha256 of owner (member id, or anonymous + hashed IP) + route pattern + the client's key.
    scope = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # a deleted member's stored responses go with them
        related_name="+",
    )
    key = models.CharField(max_length=255)
    route = models.CharField(max_length=300)
    method = models.CharField(max_length=10)
    path = models.TextField()
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=list, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    locked_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.method} {self.route} [{self.state}]"
