"""Cross-cutting tables: the one handle namespace shared by members and entities."""

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy


class Handle(models.Model):
    """Who owns an @handle. Members and entities share one namespace so a mention is never ambiguous."""

    class Kind(models.TextChoices):
        MEMBER = "member", gettext_lazy("Member")
        ENTITY = "entity", gettext_lazy("Entity")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    handle = models.CharField(max_length=30)
    # core.handles.handle_skeleton(handle): unique, so two look-alike handles can't both exist.
    # (Look-alikes claimed before the check keep a suffixed skeleton: migration 0002.)
    skeleton = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    owner_id = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="core_handle_unique_ci"),
            models.UniqueConstraint(fields=["skeleton"], name="core_handle_unique_skeleton"),
            models.UniqueConstraint(fields=["kind", "owner_id"], name="core_handle_one_per_owner"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"
