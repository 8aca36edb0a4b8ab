"""Feature flags and experiments: deterministic bucketing, targeting, variants, readouts."""

from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "yalls.core.flags"
    label = "flags"
    default_auto_field = "django.db.models.BigAutoField"
