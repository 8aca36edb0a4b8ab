"""Reads of the entities domain. Archived entities are visible only to their own members."""

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yalls.accounts.models import User
from yalls.core.errors import NotFound
from yalls.core.identifiers import uuid_parse
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
        raise NotFound(errors.NOT_FOUND, _("No entity has that handle."))
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


# --- Edges -------------------------------------------------------------------------------------
# Imported here (not at the top) so this section stays a self-contained append.
from uuid import UUID  # noqa: E402

from django.db import connection  # noqa: E402

from yalls.entities.models import Edge  # noqa: E402

# "Owner or manager", defined once: who edits an entity, manages its members and edges, approves
# posts on it and may delete posts made as it.
MANAGING_ROLES = frozenset({EntityMember.Role.OWNER, EntityMember.Role.MANAGER})

# How far the ancestor walks go. Real pedigrees and brand trees are a handful of levels deep;
# the bound only keeps a query finite should bad data ever slip past the checks.
HIERARCHY_MAX_DEPTH = 200

# The hierarchies in which "no entity is its own ancestor" holds. Each maps an edge type to the
# direction of "child → parent": a foal is the child of its sire (foal offspring_of sire), a
# sub-brand the child of its brand (sub brand_of brand), an owned entity the child of its owner
# (owner owns owned, so the parent is the edge's *source*). owns and brand_of share one
# hierarchy (who belongs to whom); offspring_of is the pedigree. manages, sponsors and partners
# are plain relations: mutual ones are legitimate.
HIERARCHIES: dict[str, tuple[str, ...]] = {
    Edge.Type.OFFSPRING_OF: (Edge.Type.OFFSPRING_OF,),
    Edge.Type.OWNS: (Edge.Type.OWNS, Edge.Type.BRAND_OF),
    Edge.Type.BRAND_OF: (Edge.Type.OWNS, Edge.Type.BRAND_OF),
}
PARENT_IS_SOURCE = frozenset({Edge.Type.OWNS})


def _entity_id(entity_or_id) -> UUID | str:
    return getattr(entity_or_id, "pk", entity_or_id)


def controls(member: User | None, entity: Entity) -> bool:
    """Owners and managers control an entity: they create its edges and decide on requests."""
    return member_role(member, entity) in MANAGING_ROLES


def _edges(accepted: bool) -> QuerySet[Edge]:
    qs = Edge.objects.select_related("source", "source__kind", "target", "target__kind")
    return qs.filter(status=Edge.Status.ACCEPTED) if accepted else qs


def edges_from(entity, *, accepted: bool = True) -> QuerySet[Edge]:
    """Edges whose source is the entity (accepted only by default), oldest first."""
    return _edges(accepted).filter(source_id=_entity_id(entity)).order_by("created_at", "id")


def edges_to(entity, *, accepted: bool = True) -> QuerySet[Edge]:
    """Edges whose target is the entity (accepted only by default), oldest first."""
    return _edges(accepted).filter(target_id=_entity_id(entity)).order_by("created_at", "id")


def edges_touching(entity) -> QuerySet[Edge]:
    """Every edge from or to the entity, whatever its status (the edges manager's view)."""
    eid = _entity_id(entity)
    return _edges(False).filter(Q(source_id=eid) | Q(target_id=eid))


def edge_requests_incoming(entity) -> QuerySet[Edge]:
    """Requests waiting for this entity's owners or managers to accept or reject."""
    return _edges(False).filter(target_id=_entity_id(entity), status=Edge.Status.PENDING)


def _entity_ids(entities) -> list:
    """One entity or id, or several, as a list of ids."""
    if isinstance(entities, (Entity, UUID, str)):
        entities = [entities]
    return [_entity_id(e) for e in entities]


def crosspost_edge(sources, target) -> Edge | None:
    """The oldest accepted `allow_crosspost` edge from the source (or any of several sources) to
    the target, if the target is not archived: posts by those sources may target it without
    approval."""
    return (
        Edge.objects.filter(
            source_id__in=_entity_ids(sources),
            target_id=_entity_id(target),
            status=Edge.Status.ACCEPTED,
            allow_crosspost=True,
            target__archived_at__isnull=True,
        )
        .order_by("created_at", "id")
        .first()
    )


def propagation_edges(sources, *, exclude=()) -> list[Edge]:
    """Accepted auto_propagate edges from the entity (or any of several, one query for a whole
    breadth-first level) to live (non-archived) targets not in `exclude`, oldest first, targets
    loaded: where a post approved on them is copied next. The caller bounds the depth."""
    return list(
        edges_from_any(sources)
        .filter(auto_propagate=True, target__archived_at__isnull=True)
        .exclude(target_id__in=list(exclude))
    )


def edges_from_any(sources) -> QuerySet[Edge]:
    """Accepted edges whose source is any of these entities, oldest first."""
    return _edges(True).filter(source_id__in=_entity_ids(sources)).order_by("created_at", "id")


def access_edge(member: User | None, entity: Entity, edge_id) -> Edge:
    """An edge touching the entity, or edge.not_found (also for a malformed id)."""
    edge_id = uuid_parse(edge_id)
    if edge_id is None:
        raise NotFound(errors.EDGE_NOT_FOUND, _("No such relation."))
    edge = edges_touching(entity).filter(pk=edge_id).first()
    if edge is None:
        raise NotFound(errors.EDGE_NOT_FOUND, _("No such relation."))
    return edge


def edges_visible(member: User | None, entity: Entity) -> QuerySet[Edge]:
    """What a member may list for an entity: everything when they control it, else the accepted
    edges whose other end is not archived."""
    qs = edges_touching(entity)
    if controls(member, entity):
        return qs
    return qs.filter(
        status=Edge.Status.ACCEPTED, source__archived_at__isnull=True,
        target__archived_at__isnull=True,
    )  # fmt: skip


def hierarchy_reaches(*, start, goal, types: tuple[str, ...]) -> bool:
    """Whether walking child → parent from `start` over non-rejected edges of `types` reaches
    `goal` (a recursive CTE, bounded by HIERARCHY_MAX_DEPTH). Pending edges count, so accepting
    a request can never close a loop the check let through."""
    parent_is_source = [t for t in types if t in PARENT_IS_SOURCE]
    sql = """
        WITH RECURSIVE up(id, depth) AS (
            SELECT %(start)s::uuid, 0
            UNION
            SELECT CASE WHEN e.type = ANY(%(rev)s) THEN e.source_id ELSE e.target_id END,
                   up.depth + 1
            FROM entities_edge e
            JOIN up ON up.id = CASE WHEN e.type = ANY(%(rev)s) THEN e.target_id ELSE e.source_id END
            WHERE e.type = ANY(%(types)s) AND e.status <> 'rejected' AND up.depth < %(bound)s
        )
        SELECT EXISTS (SELECT 1 FROM up WHERE id = %(goal)s::uuid)
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "start": str(_entity_id(start)),
                "goal": str(_entity_id(goal)),
                "types": list(types),
                "rev": parent_is_source or [""],
                "bound": HIERARCHY_MAX_DEPTH,
            },
        )
        return bool(cursor.fetchone()[0])


INCOMING_LABELS = {
    Edge.Type.MANAGES: gettext_lazy("Managed by"),
    Edge.Type.SPONSORS: gettext_lazy("Sponsored by"),
    Edge.Type.PARTNERS: gettext_lazy("Partners"),
}


def entity_relations(entity: Entity) -> dict:
    """Accepted relations to show on the entity page, grouped for people: parents (sire, dam),
    offspring, the brand it belongs to, its sub-brands, owners, what it owns, and the rest."""
    groups: dict[str, list] = {
        "sire": [], "dam": [], "offspring": [], "brand_of": [], "sub_brands": [],
        "owned_by": [], "owns": [], "other": [],
    }  # fmt: skip
    for edge in edges_from(entity).filter(target__archived_at__isnull=True):
        if edge.type == Edge.Type.OFFSPRING_OF:
            groups[edge.parent_role or "other"].append(edge.target)
        elif edge.type == Edge.Type.BRAND_OF:
            groups["brand_of"].append(edge.target)
        elif edge.type == Edge.Type.OWNS:
            groups["owns"].append(edge.target)
        else:
            groups["other"].append((edge.get_type_display(), edge.target))
    for edge in edges_to(entity).filter(source__archived_at__isnull=True):
        if edge.type == Edge.Type.OFFSPRING_OF:
            groups["offspring"].append(edge.source)
        elif edge.type == Edge.Type.BRAND_OF:
            groups["sub_brands"].append(edge.source)
        elif edge.type == Edge.Type.OWNS:
            groups["owned_by"].append(edge.source)
        else:
            groups["other"].append((INCOMING_LABELS.get(edge.type, edge.type), edge.source))
    groups["any"] = any(groups.values())
    return groups


# --- Contact details and gallery ---------------------------------------------------------------
from yalls.entities.models import EntityContact, EntityPhoto  # noqa: E402


def entity_contact(entity) -> EntityContact | None:
    """The entity's contact details, or None when none were ever saved."""
    return EntityContact.objects.filter(entity_id=_entity_id(entity)).first()


def entity_photos(entity) -> list[EntityPhoto]:
    return list(EntityPhoto.objects.filter(entity_id=_entity_id(entity)).order_by("created_at"))
