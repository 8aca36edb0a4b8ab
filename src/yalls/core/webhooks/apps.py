"""Signed incoming webhooks (Standard Webhooks): verification, replay protection, processing jobs."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "yalls.core.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
