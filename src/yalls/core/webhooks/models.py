"""Webhook endpoints we accept deliveries on, their secrets (several during rotation), deliveries."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class WebhookEndpoint(models.Model):
    slug = models.SlugField(primary_key=True, max_length=60)
    kind = models.CharField(
        max_length=60, help_text=gettext_lazy("Which registered handler processes deliveries.")
    )
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.slug


class WebhookSecret(models.Model):
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    # During rotation the old secret keeps working until it expires.
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"secret of {self.endpoint_id} from {self.created_at:%Y-%m-%d}"


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", gettext_lazy("Received")
        PROCESSED = "processed", gettext_lazy("Processed")
        FAILED = "failed", gettext_lazy("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=120, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "webhook_id"], name="webhooks_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "-received_at"], name="webhooks_delivery_recent")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.webhook_id}"
