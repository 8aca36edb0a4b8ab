"""The demo world `yalls seed` loads: believable members, a farm, brands, horses, an organizer."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yalls.demo"
    label = "demo"
