"""The demo world `yalls seed` loads: believable members, a farm, brands, horses, an organiser."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "yalls.demo"
    label = "demo"
