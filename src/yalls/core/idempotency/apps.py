"""Idempotency keys for API writes: one effect per key, the stored response replayed."""

from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "yalls.core.idempotency"
    label = "idempotency"
    default_auto_field = "django.db.models.BigAutoField"
