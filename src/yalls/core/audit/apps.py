"""The append-only audit log: who did what to which thing, from which request."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "yalls.core.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"
