"""Operations: metrics (Prometheus and the Ops page), background job administration."""

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "yalls.core.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
