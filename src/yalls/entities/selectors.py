"""Reads of the entities domain. Archived entities are visible only to their own members."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from yalls.accounts.models import User
from yalls.core.errors import NotFound
from yalls.entities import errors
from yalls.entities.models import Entity, EntityKind, EntityMember


def member_role(member: User | None, entity: Entity) -> str | None:
    if member is None or not member.is_authenticated:
        return None
    return (
        EntityMember.objects.filter(entity=entity, member=member)
        .values_list("role", flat=True)
        .first()
    )


def access_entity(member: User | None, handle: str) -> Entity:
    """The entity with that handle as this member may see it, or entity.not_found."""
    entity = (
        Entity.objects.select_related("kind", "owner", "horse")
        .annotate(ci=Lower("handle"))
        .filter(ci=handle.lstrip("@").lower())
        .first()
    )
    if entity is None or (entity.is_archived and member_role(member, entity) is None):
        raise NotFound(errors.NOT_FOUND, "No entity has that handle.")
    return entity


def entities_visible(
    member: User | None, *, kind: str | None = None, q: str | None = None
) -> QuerySet[Entity]:
    qs = Entity.objects.select_related("kind").filter(archived_at__isnull=True)
    if kind:
        qs = qs.filter(kind_id=kind)
    if q:
        qs = qs.filter(Q(handle__icontains=q) | Q(display_name__icontains=q))
    return qs


def entities_of_member(member: User, *, include_archived: bool = True) -> list[tuple[Entity, str]]:
    """(entity, my role) for each entity I belong to: owned first, then managed, then edited."""
    order = {EntityMember.Role.OWNER: 0, EntityMember.Role.MANAGER: 1, EntityMember.Role.EDITOR: 2}
    rows = EntityMember.objects.filter(member=member).select_related("entity", "entity__kind")
    if not include_archived:
        rows = rows.filter(entity__archived_at__isnull=True)
    pairs = [(row.entity, row.role) for row in rows]
    return sorted(pairs, key=lambda pair: (order[pair[1]], pair[0].display_name.lower()))


def entity_memberships(entity: Entity) -> list[EntityMember]:
    return list(entity.memberships.select_related("member").order_by("role", "created_at"))


def entity_kinds() -> list[EntityKind]:
    return list(EntityKind.objects.all())
