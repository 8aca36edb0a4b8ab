"""/api/v1/entities: thin handlers over the entities services and selectors."""

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field

from yalls.core.api import MEMBER_OR_ANONYMOUS, Cursor, Flag, Input, PageLimit
from yalls.core.pagination import paginate
from yalls.entities import selectors, services

router = Router(tags=["entities"])

Sex = Literal["mare", "stallion", "gelding", "filly", "colt", ""]


class HorseOut(Schema):
    breed: str
    sex: str
    colour: str
    foaling_date: date | None
    registration_number: str


class EntityOut(Schema):
    id: UUID
    handle: str
    display_name: str
    kind: str
    bio: str
    avatar_url: str | None
    metadata: dict
    owner_handle: str
    created_at: datetime
    archived_at: datetime | None
    horse: HorseOut | None

    @staticmethod
    def resolve_kind(obj):
        return obj.kind_id

    @staticmethod
    def resolve_avatar_url(obj):
        return obj.avatar.url if obj.avatar else None

    @staticmethod
    def resolve_owner_handle(obj):
        return obj.owner.handle

    @staticmethod
    def resolve_horse(obj):
        return getattr(obj, "horse", None) if obj.kind.is_horse else None


class EntityPage(Schema):
    items: list[EntityOut]
    next_cursor: str | None


class KindOut(Schema):
    slug: str
    label: str
    plural: str
    is_horse: bool


class EntityIn(Input):
    handle: str = Field(max_length=30)
    display_name: str = Field(max_length=80)
    kind: str = Field(max_length=30)
    bio: str = Field(default="", max_length=1000)
    metadata: dict = Field(default_factory=dict)
    breed: str | None = Field(default=None, max_length=80)
    sex: Sex | None = None
    colour: str | None = Field(default=None, max_length=50)
    foaling_date: date | None = None
    registration_number: str | None = Field(default=None, max_length=60)


class EntityPatch(Input):
    handle: str | None = Field(default=None, max_length=30)
    display_name: str | None = Field(default=None, max_length=80)
    bio: str | None = Field(default=None, max_length=1000)
    metadata: dict | None = None
    breed: str | None = Field(default=None, max_length=80)
    sex: Sex | None = None
    colour: str | None = Field(default=None, max_length=50)
    foaling_date: date | None = None
    registration_number: str | None = Field(default=None, max_length=60)


class TransferIn(Input):
    new_owner: str = Field(max_length=31, description="Handle of the member who becomes owner")


class MemberIn(Input):
    member: str = Field(max_length=31, description="Handle of the member")
    role: Literal["manager", "editor"]


class MembershipOut(Schema):
    member_handle: str
    display_name: str
    role: str
    created_at: datetime

    @staticmethod
    def resolve_member_handle(obj):
        return obj.member.handle

    @staticmethod
    def resolve_display_name(obj):
        return obj.member.display_name


@router.get("/kinds", response=list[KindOut], auth=None, summary="The kinds of entity")
def kinds(request):
    return selectors.entity_kinds()


@router.get(
    "",
    response=EntityPage,
    auth=MEMBER_OR_ANONYMOUS,
    summary="Browse entities (newest first, keyset cursor)",
)
def entity_list(
    request,
    kind: str | None = None,
    q: str | None = None,
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
):
    page = paginate(
        selectors.entities_visible(request.user, kind=kind, q=q).select_related("owner", "horse"),
        cursor=cursor,
        limit=limit,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/mine", response=list[EntityOut], summary="Entities I own, manage or edit")
def entity_mine(request):
    return [entity for entity, _ in selectors.entities_of_member(request.auth)]


@router.post("", response={201: EntityOut}, summary="Create an entity (you become its owner)")
def entity_create(request, payload: EntityIn):
    entity = services.entity_create(actor=request.auth, **payload.model_dump())
    return Status(201, selectors.access_entity(request.auth, entity.handle))


@router.get("/{handle}", response=EntityOut, auth=MEMBER_OR_ANONYMOUS, summary="One entity")
def entity_detail(request, handle: str):
    return selectors.access_entity(request.user, handle)


@router.patch("/{handle}", response=EntityOut, summary="Edit an entity (owner or manager)")
def entity_update(request, handle: str, payload: EntityPatch):
    entity = services.entity_update(
        actor=request.auth,
        entity=selectors.access_entity(request.auth, handle),
        **payload.model_dump(exclude_unset=True),
    )
    return selectors.access_entity(request.auth, entity.handle)


@router.post("/{handle}/archive", response=EntityOut, summary="Archive (owner)")
def entity_archive(request, handle: str):
    entity = services.entity_archive(
        actor=request.auth, entity=selectors.access_entity(request.auth, handle)
    )
    return selectors.access_entity(request.auth, entity.handle)


@router.post("/{handle}/restore", response=EntityOut, summary="Restore an archived entity (owner)")
def entity_restore(request, handle: str):
    entity = services.entity_restore(
        actor=request.auth, entity=selectors.access_entity(request.auth, handle)
    )
    return selectors.access_entity(request.auth, entity.handle)


@router.post("/{handle}/transfer", response=EntityOut, summary="Transfer ownership (owner)")
def entity_transfer(request, handle: str, payload: TransferIn):
    entity = services.entity_transfer_ownership(
        actor=request.auth,
        entity=selectors.access_entity(request.auth, handle),
        new_owner_handle=payload.new_owner,
    )
    return selectors.access_entity(request.auth, entity.handle)


@router.get(
    "/{handle}/members",
    response=list[MembershipOut],
    auth=MEMBER_OR_ANONYMOUS,
    summary="Members of an entity",
)
def entity_members(request, handle: str):
    return selectors.entity_memberships(selectors.access_entity(request.user, handle))


@router.post(
    "/{handle}/members", response=MembershipOut, summary="Add a member or change their role"
)
def entity_member_set(request, handle: str, payload: MemberIn):
    return services.entity_member_set(
        actor=request.auth,
        entity=selectors.access_entity(request.auth, handle),
        member_handle=payload.member,
        role=payload.role,
    )


@router.delete(
    "/{handle}/members/{member_handle}", response={204: None}, summary="Remove a member (or leave)"
)
def entity_member_remove(request, handle: str, member_handle: str):
    services.entity_member_remove(
        actor=request.auth,
        entity=selectors.access_entity(request.auth, handle),
        member_handle=member_handle,
    )
    return Status(204, None)


# --- Edges -------------------------------------------------------------------------------------

from yalls.core.errors import Forbidden, NotFound  # noqa: E402
from yalls.entities import errors  # noqa: E402
from yalls.entities.models import Edge  # noqa: E402

EdgeType = Literal["owns", "manages", "brand_of", "offspring_of", "sponsors", "partners"]


class EdgeEntityOut(Schema):
    handle: str
    display_name: str
    kind: str

    @staticmethod
    def resolve_kind(obj):
        return obj.kind_id


class EdgeOut(Schema):
    id: UUID
    source: EdgeEntityOut
    target: EdgeEntityOut
    type: str
    parent_role: str
    allow_crosspost: bool
    auto_propagate: bool
    status: str
    created_at: datetime
    decided_at: datetime | None


class EdgePage(Schema):
    items: list[EdgeOut]
    next_cursor: str | None


class EdgeIn(Input):
    target: str = Field(max_length=31, description="Handle of the other entity")
    type: EdgeType
    parent_role: Literal["sire", "dam", ""] = ""
    allow_crosspost: Flag = False
    auto_propagate: Flag = False


class EdgePatch(Input):
    allow_crosspost: Flag | None = None
    auto_propagate: Flag | None = None


def _edge_out(edge: Edge) -> Edge:
    return Edge.objects.select_related("source", "target").get(pk=edge.pk)


@router.get(
    "/{handle}/edges",
    response=EdgePage,
    auth=MEMBER_OR_ANONYMOUS,
    summary="Relations of an entity (all statuses for its owners/managers, else accepted only)",
)
def edge_list(
    request,
    handle: str,
    direction: Literal["out", "in", "all"] = "all",
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
):
    entity = selectors.access_entity(request.user, handle)
    qs = selectors.edges_visible(request.user, entity)
    if direction == "out":
        qs = qs.filter(source=entity)
    elif direction == "in":
        qs = qs.filter(target=entity)
    page = paginate(qs, cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/{handle}/edges",
    response={201: EdgeOut},
    summary="Add a relation from this entity (pending until the other side accepts, unless you manage it)",
)
def edge_create(request, handle: str, payload: EdgeIn):
    edge = services.edge_create(
        actor=request.auth,
        source=selectors.access_entity(request.auth, handle),
        target_handle=payload.target,
        type=payload.type,
        parent_role=payload.parent_role,
        allow_crosspost=payload.allow_crosspost,
        auto_propagate=payload.auto_propagate,
    )
    return Status(201, _edge_out(edge))


@router.patch(
    "/{handle}/edges/{edge_id}", response=EdgeOut, summary="Switch allow_crosspost / auto_propagate"
)
def edge_update(request, handle: str, edge_id: UUID, payload: EdgePatch):
    entity = selectors.access_entity(request.auth, handle)
    edge = services.edge_update(
        actor=request.auth,
        edge=selectors.access_edge(request.auth, entity, edge_id),
        **payload.model_dump(exclude_unset=True),
    )
    return _edge_out(edge)


@router.delete(
    "/{handle}/edges/{edge_id}", response={204: None}, summary="Remove a relation (either side)"
)
def edge_remove(request, handle: str, edge_id: UUID):
    entity = selectors.access_entity(request.auth, handle)
    services.edge_remove(
        actor=request.auth, edge=selectors.access_edge(request.auth, entity, edge_id)
    )
    return Status(204, None)


@router.get(
    "/{handle}/edge-requests",
    response=EdgePage,
    summary="Pending requests to relate to this entity (its owners and managers)",
)
def edge_requests(request, handle: str, cursor: Cursor | None = None, limit: PageLimit = 20):
    entity = selectors.access_entity(request.auth, handle)
    if not selectors.controls(request.auth, entity):
        raise Forbidden(
            errors.EDGE_NOT_ALLOWED, _("Only the entity's owners and managers see its requests.")
        )
    page = paginate(selectors.edge_requests_incoming(entity), cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


def _decide(request, handle: str, edge_id: UUID, accept: bool) -> Edge:
    entity = selectors.access_entity(request.auth, handle)
    edge = selectors.access_edge(request.auth, entity, edge_id)
    if edge.target_id != entity.pk:
        raise NotFound(errors.EDGE_NOT_FOUND, _("No such request for this entity."))
    return _edge_out(services.edge_decide(actor=request.auth, edge=edge, accept=accept))


@router.post(
    "/{handle}/edge-requests/{edge_id}/accept", response=EdgeOut, summary="Accept a request"
)
def edge_accept(request, handle: str, edge_id: UUID):
    return _decide(request, handle, edge_id, True)


@router.post(
    "/{handle}/edge-requests/{edge_id}/reject", response=EdgeOut, summary="Decline a request"
)
def edge_reject(request, handle: str, edge_id: UUID):
    return _decide(request, handle, edge_id, False)


# --- Contact details --------------------------------------------------------------------------


class ContactOut(Schema):
    street: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str = Field(description="E.164, e.g. +13035550142")
    website: str
    map_url: str = Field(description="The given map link, else a map search of the address")
    opening_hours: list[str] = Field(description="One line per day or range")
    services: list[str]
    cover_url: str | None
    gallery: list[dict] = Field(description="[{url, alt_text, width, height}], oldest first")

    @staticmethod
    def resolve_map_url(obj):
        return obj.map_link

    @staticmethod
    def resolve_opening_hours(obj):
        return obj.opening_lines

    @staticmethod
    def resolve_cover_url(obj):
        return obj.cover.url if obj.cover else None

    @staticmethod
    def resolve_gallery(obj):
        return [
            {"url": p.image.url, "alt_text": p.alt_text, "width": p.width, "height": p.height}
            for p in selectors.entity_photos(obj.entity_id)
        ]


class ContactIn(Input):
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    phone: str | None = Field(default=None, max_length=40)
    website: str | None = Field(default=None, max_length=200)
    map_url: str | None = Field(default=None, max_length=500)
    opening_hours: str | None = Field(default=None, max_length=1000)
    services: list[str] | None = Field(default=None, max_length=20)


@router.get(
    "/{handle}/contact",
    response=ContactOut,
    auth=MEMBER_OR_ANONYMOUS,
    summary="Where and how to reach the entity",
)
def entity_contact(request, handle: str):
    from yalls.entities.models import EntityContact

    entity = selectors.access_entity(request.user, handle)
    return selectors.entity_contact(entity) or EntityContact(entity=entity)


@router.patch(
    "/{handle}/contact", response=ContactOut, summary="Set contact details (owner or manager)"
)
def entity_contact_update(request, handle: str, payload: ContactIn):
    entity = selectors.access_entity(request.auth, handle)
    return services.entity_contact_update(
        actor=request.auth, entity=entity, **payload.model_dump(exclude_unset=True)
    )
