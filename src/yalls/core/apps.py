"""Cross-cutting machinery: database context (RLS), handles, errors, health, logging, jobs."""

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "yalls.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yalls.core import db_roles, rls

        connection_created.connect(
            db_roles.enter_system_role, dispatch_uid="yalls.core.enter_system_role"
        )

        # Once per migrate (for this app's signal), after every app's tables exist.
        post_migrate.connect(rls.reconcile, sender=self, dispatch_uid="yalls.core.rls_reconcile")
