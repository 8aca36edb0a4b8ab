"""`seed`: load the demo world for local use; refused in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yalls.core.db_context import system_context
from yalls.demo.world import DEMO_PASSWORD, MEMBERS, seed_world


class Command(BaseCommand):
    help = "Load the demo world (idempotent) and print the demo sign-ins."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            # Every demo member signs in with a password printed here and in the README.
            raise CommandError(
                "The demo world is never seeded in production (YALLS_ENV=production)."
            )
        with system_context():
            created = seed_world()
        self.stdout.write(
            f"· demo world: {created['members']} members and {created['entities']} entities added"
        )
        self.stdout.write(f"\n  Demo sign-ins (password for all: {DEMO_PASSWORD})")
        for email, handle, _name, role, *_ in MEMBERS:
            self.stdout.write(f"    {email:<24} @{handle:<14} {role}")
