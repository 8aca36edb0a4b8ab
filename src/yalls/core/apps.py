"""Cross-cutting machinery: database context (RLS), handles, errors, health, logging, jobs."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "yalls.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yalls.core import rls

        post_migrate.connect(rls.grant_member_role, dispatch_uid="yalls.core.grant_member_role")
