"""`migrate` connected as the schema owner (the app role may not change the schema); afterwards
core's post_migrate step reconciles roles, grants and row-level security policies."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from yalls.core.db_roles import as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
