"""Operator command: create a webhook endpoint or rotate its secret (prints the new secret once)."""

from django.core.management.base import BaseCommand, CommandError

from yalls.core.db_context import system_context
from yalls.core.errors import DomainError
from yalls.core.webhooks import services


class Command(BaseCommand):
    help = "create <slug> <kind> | rotate <slug>"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "rotate"])
        parser.add_argument("slug")
        parser.add_argument("kind", nargs="?", default="store")

    def handle(self, action, slug, kind, **options):
        try:
            with system_context():
                if action == "create":
                    _, secret = services.webhook_endpoint_create(actor=None, slug=slug, kind=kind)
                else:
                    secret = services.webhook_secret_rotate(actor=None, slug=slug)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"endpoint: /webhooks/{slug}\nsecret (shown once): {secret}")
