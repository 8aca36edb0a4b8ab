"""Entities: profiles that are not a person (farm, business, brand, horse, ...), and their members."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy


def entity_avatar_path(instance, filename: str) -> str:
    return f"avatars/entities/{instance.pk}/{uuid.uuid4().hex}.webp"


class EntityKind(models.Model):
    """The kind list is data: add a row (in a data migration or the admin) to add a kind."""

    slug = models.SlugField(primary_key=True, max_length=30)
    label = models.CharField(max_length=50)
    plural = models.CharField(max_length=50)
    description = models.CharField(max_length=200, blank=True)
    is_horse = models.BooleanField(
        default=False, help_text=gettext_lazy("Entities of this kind carry horse details.")
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Entity(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    handle = models.CharField(max_length=30)
    display_name = models.CharField(max_length=80)
    kind = models.ForeignKey(EntityKind, on_delete=models.PROTECT, related_name="entities")
    bio = models.TextField(max_length=1000, blank=True)
    avatar = models.ImageField(upload_to=entity_avatar_path, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_entities"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="entities_entity_handle_unique_ci")
        ]
        indexes = [
            GinIndex(fields=["metadata"], name="entities_entity_metadata_gin"),
            models.Index(fields=["-created_at", "-id"], name="entities_entity_created"),
            models.Index(fields=["kind", "-created_at"], name="entities_entity_kind_created"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class EntityMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", gettext_lazy("Owner")
        MANAGER = "manager", gettext_lazy("Manager")
        EDITOR = "editor", gettext_lazy("Editor")

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "member"], name="entities_member_unique"),
            models.UniqueConstraint(
                fields=["entity"],
                condition=models.Q(role="owner"),
                name="entities_one_owner_membership",
            ),
        ]
        indexes = [models.Index(fields=["member", "role"], name="entities_member_role")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.role} of {self.entity_id}"


class Horse(models.Model):
    """Horse details of an entity whose kind is a horse."""

    class Sex(models.TextChoices):
        MARE = "mare", gettext_lazy("Mare")
        STALLION = "stallion", gettext_lazy("Stallion")
        GELDING = "gelding", gettext_lazy("Gelding")
        FILLY = "filly", gettext_lazy("Filly")
        COLT = "colt", gettext_lazy("Colt")

    entity = models.OneToOneField(
        Entity, primary_key=True, on_delete=models.CASCADE, related_name="horse"
    )
    breed = models.CharField(max_length=80, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    colour = models.CharField(max_length=50, blank=True)
    foaling_date = models.DateField(null=True, blank=True)
    registration_number = models.CharField(max_length=60, blank=True)

    def __str__(self) -> str:
        return f"horse details of {self.entity_id}"


class Edge(models.Model):
    """A typed relation from one entity to another. Edges to an entity the creator doesn't control
    wait for that entity's acceptance. `allow_crosspost` lets the source's posts target the other
    entity without approval; `auto_propagate` copies a post approved on the source to the target."""

    class Type(models.TextChoices):
        OWNS = "owns", gettext_lazy("Owns")
        MANAGES = "manages", gettext_lazy("Manages")
        BRAND_OF = "brand_of", gettext_lazy("Brand of")
        OFFSPRING_OF = "offspring_of", gettext_lazy("Offspring of")
        SPONSORS = "sponsors", gettext_lazy("Sponsors")
        PARTNERS = "partners", gettext_lazy("Partners")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting for acceptance")
        ACCEPTED = "accepted", gettext_lazy("Accepted")
        REJECTED = "rejected", gettext_lazy("Rejected")

    class ParentRole(models.TextChoices):
        SIRE = "sire", gettext_lazy("Sire")
        DAM = "dam", gettext_lazy("Dam")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="edges_out")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="edges_in")
    type = models.CharField(max_length=20, choices=Type.choices)
    # For offspring_of only: whether the target is the foal's sire or dam.
    parent_role = models.CharField(max_length=10, choices=ParentRole.choices, blank=True)
    allow_crosspost = models.BooleanField(default=False)
    auto_propagate = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"], name="entities_edge_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="entities_edge_not_self"
            ),
            # At most one sire and one dam per foal (rejected edges don't count).
            models.UniqueConstraint(
                fields=["source", "parent_role"],
                condition=models.Q(type="offspring_of") & ~models.Q(status="rejected"),
                name="entities_edge_one_sire_one_dam",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "status"], name="entities_edge_source"),
            models.Index(fields=["target", "status"], name="entities_edge_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.type} {self.target_id} ({self.status})"
