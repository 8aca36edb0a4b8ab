"""Entities: profiles that are not a person (farm, business, brand, horse, ...), and their members."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
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


# --- Where and how to reach a farm or business ---------------------------------------------------
def entity_cover_path(instance, filename: str) -> str:
    return f"entities/{instance.entity_id}/cover/{uuid.uuid4().hex}.webp"


def entity_photo_path(instance, filename: str) -> str:
    return f"entities/{instance.entity_id}/gallery/{uuid.uuid4().hex}.webp"


class EntityContact(models.Model):
    """Address, phone, website, opening hours, services and cover picture of an entity (farms and
    businesses above all). One row per entity, made the first time any of it is saved."""

    entity = models.OneToOneField(
        Entity, primary_key=True, on_delete=models.CASCADE, related_name="contact"
    )
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)  # state or province
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    phone = models.CharField(max_length=20, blank=True)  # E.164: +13035550142
    website = models.URLField(max_length=200, blank=True)
    map_url = models.URLField(max_length=500, blank=True)  # else a map search of the address
    opening_hours = models.TextField(max_length=1000, blank=True)  # one line per day or range
    services = ArrayField(models.CharField(max_length=60), default=list, blank=True, size=20)
    cover = models.ImageField(upload_to=entity_cover_path, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"contact of {self.entity_id}"

    @property
    def address(self) -> str:
        """The address on one line: "12 Barn Rd, Longmont, CO 80501"."""
        place = " ".join(p for p in (self.region, self.postal_code) if p)
        return ", ".join(p for p in (self.street, self.city, place) if p)

    @property
    def map_link(self) -> str:
        if self.map_url:
            return self.map_url
        if not self.address:
            return ""
        from urllib.parse import quote_plus

        return "https://www.openstreetmap.org/search?query=" + quote_plus(self.address)

    @property
    def phone_display(self) -> str:
        """ "(303) 555-0142" for a US number, else the E.164 form with a space after the code."""
        digits = self.phone[1:]
        if self.phone.startswith("+1") and len(digits) == 11:
            return f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
        return self.phone

    @property
    def website_display(self) -> str:
        shown = self.website.split("://", 1)[-1].removeprefix("www.")
        return shown[:-1] if shown.endswith("/") else shown

    @property
    def opening_lines(self) -> list[str]:
        return [line.strip() for line in self.opening_hours.splitlines() if line.strip()]

    @property
    def is_empty(self) -> bool:
        return not (
            self.address
            or self.phone
            or self.website
            or self.opening_hours
            or self.services
            or self.cover
        )


class EntityPhoto(models.Model):
    """A picture in an entity's gallery (at most GALLERY_MAX, see services)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=entity_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["entity", "created_at"], name="entities_photo_entity")]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.entity_id}"
