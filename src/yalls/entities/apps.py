"""Entities: farms, businesses, brands, horses and other profiles that are not a person."""

from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "yalls.entities"
    label = "entities"
    default_auto_field = "django.db.models.BigAutoField"
