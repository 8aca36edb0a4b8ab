"""Every write of the entities domain: create, edit, archive, restore, transfer, members."""

import json
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.accounts.selectors import access_member_by_handle
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.handles import handle_claim
from yalls.core.images import image_field_replace, image_square_thumbnail
from yalls.core.models import Handle
from yalls.core.names import name_clean
from yalls.entities import errors
from yalls.entities.models import Entity, EntityKind, EntityMember, Horse
from yalls.entities.selectors import MANAGING_ROLES, member_role

HORSE_FIELDS = ("breed", "sex", "colour", "foaling_date", "registration_number")
EDIT_ROLES = MANAGING_ROLES  # owners and managers edit (entities.selectors defines them once)
METADATA_MAX_BYTES = 16 * 1024


def _kind(slug: str) -> EntityKind:
    kind = EntityKind.objects.filter(slug=slug).first()
    if kind is None:
        raise DomainError(errors.KIND_UNKNOWN, _("Pick a kind from the list."), field="kind")
    return kind


def _require_role(actor: User, entity: Entity, roles: set[str], action: str) -> str:
    role = member_role(actor, entity)
    if role not in roles:
        raise Forbidden(
            errors.NOT_ALLOWED,
            (
                _("Only the entity's owner can %(action)s.")
                if roles == {EntityMember.Role.OWNER}
                else _("Only the entity's owners and managers can %(action)s.")
            )
            % {"action": action},
        )
    return role


def _validate_metadata(metadata) -> dict:
    if not isinstance(metadata, dict):
        raise DomainError(
            errors.METADATA_INVALID, _("Metadata must be a JSON object."), field="metadata"
        )
    try:
        encoded = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            errors.METADATA_INVALID,
            _("Metadata must be plain JSON (no NaN or Infinity)."),
            field="metadata",
        ) from exc
    if "\\u0000" in encoded:
        raise DomainError(
            errors.METADATA_INVALID, _("Metadata can't contain NUL characters."), field="metadata"
        )
    if len(encoded) > METADATA_MAX_BYTES:
        raise DomainError(
            errors.METADATA_INVALID, _("Metadata is limited to 16 KB."), field="metadata"
        )
    return metadata


def _apply_horse(entity: Entity, horse_fields: dict, *, now: datetime | None) -> None:
    given = {k: v for k, v in horse_fields.items() if k in HORSE_FIELDS}
    if not entity.kind.is_horse:
        if any(v not in (None, "") for v in given.values()):
            raise DomainError(
                errors.HORSE_FIELDS_ON_NON_HORSE,
                _("Only horses have breed, sex and foaling details."),
            )
        return
    foaling = given.get("foaling_date")
    # "The future" is judged in the acting member's zone (the active one), at `now`.
    if isinstance(foaling, date) and foaling > timezone.localdate(now or timezone.now()):
        raise DomainError(
            errors.FOALING_DATE_FUTURE,
            _("A foaling date can't be in the future."),
            field="foaling_date",
        )
    sex = given.get("sex")
    if sex and sex not in Horse.Sex.values:
        raise DomainError(
            "entity.horse_sex_invalid",
            _("Pick mare, stallion, gelding, filly or colt."),
            field="sex",
        )
    horse, _unused = Horse.objects.get_or_create(entity=entity)
    for key, value in given.items():
        setattr(horse, key, value if value is not None or key == "foaling_date" else "")
    horse.save()


@transaction.atomic
def entity_create(
    *,
    actor: User,
    handle: str,
    display_name: str,
    kind: str,
    bio: str = "",
    metadata: dict | None = None,
    avatar=None,
    now: datetime | None = None,
    **horse_fields,
) -> Entity:
    """Create an entity owned by the actor (who becomes its owner member)."""
    display_name = name_clean(display_name)
    if not display_name:
        raise DomainError(
            "entity.display_name_required", _("Give the entity a name."), field="display_name"
        )
    entity = Entity(
        display_name=display_name[:80],
        kind=_kind(kind),
        bio=(bio or "").strip(),
        metadata=_validate_metadata(metadata or {}),
        owner=actor,
    )
    thumbnail = image_square_thumbnail(avatar, field="avatar") if avatar is not None else None
    entity.handle = handle_claim(handle=handle, kind=Handle.Kind.ENTITY, owner_id=entity.id)
    entity.save()
    EntityMember.objects.create(entity=entity, member=actor, role=EntityMember.Role.OWNER)
    _apply_horse(entity, horse_fields, now=now)
    if thumbnail is not None:  # the file is written last, once every check has passed
        entity.avatar.save("avatar.webp", thumbnail, save=True)
    return entity


@transaction.atomic
def entity_update(
    *,
    actor: User,
    entity: Entity,
    handle: str | None = None,
    display_name: str | None = None,
    bio: str | None = None,
    metadata: dict | None = None,
    avatar=None,
    remove_avatar: bool = False,
    now: datetime | None = None,
    **horse_fields,
) -> Entity:
    """Owners and managers edit; only the given fields change."""
    # Checked before the lock too: under RLS, FOR UPDATE skips a row the member may not write,
    # so locking first would answer "does not exist" (a 500) instead of "not allowed".
    _require_role(actor, entity, EDIT_ROLES, _("edit it"))
    # of=self: the kind list is read-only to members, so it must not be locked with the entity.
    entity = Entity.objects.select_for_update(of=("self",)).select_related("kind").get(pk=entity.pk)
    _require_role(actor, entity, EDIT_ROLES, _("edit it"))
    if entity.is_archived:
        raise Conflict(errors.ARCHIVED, _("Restore this entity before editing it."))
    if handle is not None and handle != entity.handle:
        entity.handle = handle_claim(handle=handle, kind=Handle.Kind.ENTITY, owner_id=entity.id)
    if display_name is not None:
        display_name = name_clean(display_name)
        if not display_name:
            raise DomainError(
                "entity.display_name_required", _("Give the entity a name."), field="display_name"
            )
        entity.display_name = display_name[:80]
    if bio is not None:
        entity.bio = bio.strip()
    if metadata is not None:
        entity.metadata = _validate_metadata(metadata)
    thumbnail = image_square_thumbnail(avatar, field="avatar") if avatar is not None else None
    if horse_fields:
        _apply_horse(entity, horse_fields, now=now)
    # The file is written last, once every check has passed; the old one goes after commit.
    image_field_replace(entity, "avatar", thumbnail, remove=remove_avatar)
    entity.save()
    return entity


@transaction.atomic
def entity_archive(*, actor: User, entity: Entity) -> Entity:
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("archive it"))  # before the lock
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("archive it"))
    if entity.is_archived:
        raise Conflict(errors.ARCHIVED, _("This entity is already archived."))
    entity.archived_at = timezone.now()
    entity.save(update_fields=["archived_at", "updated_at"])
    audit_record(actor=actor, action="entity.archived", target_type="entity", target_id=entity.pk)
    return entity


@transaction.atomic
def entity_restore(*, actor: User, entity: Entity) -> Entity:
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("restore it"))  # before the lock
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("restore it"))
    if not entity.is_archived:
        raise Conflict(errors.NOT_ARCHIVED, _("This entity is not archived."))
    entity.archived_at = None
    entity.save(update_fields=["archived_at", "updated_at"])
    audit_record(actor=actor, action="entity.restored", target_type="entity", target_id=entity.pk)
    return entity


@transaction.atomic
def entity_transfer_ownership(*, actor: User, entity: Entity, new_owner_handle: str) -> Entity:
    """Hand the entity to another member; the previous owner stays on as a manager."""
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("transfer it"))  # before the lock
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, _("transfer it"))
    try:
        new_owner = access_member_by_handle(new_owner_handle.strip().lstrip("@"))
    except NotFound as exc:
        raise DomainError(
            errors.TRANSFER_TARGET_UNKNOWN, _("No member has that handle."), field="new_owner"
        ) from exc
    if new_owner.pk == entity.owner_id:
        raise DomainError(
            errors.TRANSFER_TO_SELF, _("You already own this entity."), field="new_owner"
        )
    previous_owner_id = entity.owner_id
    EntityMember.objects.filter(entity=entity, member_id=previous_owner_id).update(
        role=EntityMember.Role.MANAGER
    )
    EntityMember.objects.update_or_create(
        entity=entity, member=new_owner, defaults={"role": EntityMember.Role.OWNER}
    )
    entity.owner = new_owner
    entity.save(update_fields=["owner", "updated_at"])
    audit_record(
        actor=actor,
        action="entity.ownership_transferred",
        target_type="entity",
        target_id=entity.pk,
        metadata={"from": str(previous_owner_id), "to": str(new_owner.pk)},
    )
    return entity


@transaction.atomic
def entity_member_set(
    *, actor: User, entity: Entity, member_handle: str, role: str
) -> EntityMember:
    """Add a member or change their role. Managers may add editors and managers; owners anything but owner."""
    actor_role = _require_role(actor, entity, EDIT_ROLES, _("manage its members"))
    if role not in (EntityMember.Role.MANAGER, EntityMember.Role.EDITOR):
        raise DomainError(
            errors.MEMBER_ROLE_INVALID,
            _("Members are managers or editors; transfer ownership to change the owner."),
            field="role",
        )
    try:
        member = access_member_by_handle(member_handle.strip().lstrip("@"))
    except NotFound as exc:
        raise DomainError(
            errors.MEMBER_UNKNOWN, _("No member has that handle."), field="member"
        ) from exc
    if member.pk == entity.owner_id:
        raise Conflict(
            errors.CANNOT_REMOVE_OWNER,
            _("The owner's role changes only by transferring ownership."),
            field="member",
        )
    if (
        actor_role != EntityMember.Role.OWNER
        and EntityMember.objects.filter(
            entity=entity, member=member, role=EntityMember.Role.MANAGER
        ).exists()
        and member.pk != actor.pk
    ):
        raise Forbidden(errors.NOT_ALLOWED, _("Only the owner can change another manager's role."))
    membership, _unused = EntityMember.objects.update_or_create(
        entity=entity, member=member, defaults={"role": role}
    )
    audit_record(
        actor=actor, action="entity.member_role_set", target_type="entity", target_id=entity.pk,
        metadata={"member": str(member.pk), "role": role},
    )  # fmt: skip
    return membership


@transaction.atomic
def entity_member_remove(*, actor: User, entity: Entity, member_handle: str) -> None:
    try:
        member = access_member_by_handle(member_handle.strip().lstrip("@"))
    except NotFound as exc:
        raise NotFound(errors.MEMBER_UNKNOWN, _("No member has that handle.")) from exc
    if member.pk != actor.pk:  # anyone may leave; removing others needs owner or manager
        actor_role = _require_role(actor, entity, EDIT_ROLES, _("remove members"))
        target_is_manager = EntityMember.objects.filter(
            entity=entity, member=member, role=EntityMember.Role.MANAGER
        ).exists()
        if target_is_manager and actor_role != EntityMember.Role.OWNER:
            raise Forbidden(errors.NOT_ALLOWED, _("Only the owner can remove another manager."))
    if member.pk == entity.owner_id:
        raise Conflict(errors.CANNOT_REMOVE_OWNER, _("Transfer ownership before the owner leaves."))
    deleted, _unused = EntityMember.objects.filter(entity=entity, member=member).delete()
    if not deleted:
        raise NotFound(errors.MEMBER_UNKNOWN, _("That member is not on this entity."))
    audit_record(
        actor=actor, action="entity.member_removed", target_type="entity", target_id=entity.pk,
        metadata={"member": str(member.pk)},
    )  # fmt: skip


# --- Edges -------------------------------------------------------------------------------------
# Rules (docs/entities.md#edges): only owners/managers of the source create edges from it; an
# edge to an entity the actor doesn't control waits for that entity's acceptance; no entity is
# its own ancestor in the pedigree (offspring_of) or in the belonging hierarchy (owns, brand_of);
# a foal has at most one sire and one dam, both horses, the role fitting the parent's sex.
# Imported here (not at the top) so this section stays a self-contained append.
from django.db import IntegrityError, connection  # noqa: E402

from yalls.entities import selectors as _sel  # noqa: E402
from yalls.entities.models import Edge  # noqa: E402

# Parent sexes and the role they fit. A gelding or colt can only have been a sire, a filly only a dam.
SIRE_SEXES = frozenset({Horse.Sex.STALLION, Horse.Sex.GELDING, Horse.Sex.COLT})
DAM_SEXES = frozenset({Horse.Sex.MARE, Horse.Sex.FILLY})


def _edge_audit(actor, action: str, edge: Edge, **extra) -> None:
    audit_record(
        actor=actor, action=action, target_type="edge", target_id=edge.pk,
        metadata={
            "source": str(edge.source_id), "target": str(edge.target_id), "type": edge.type,
            "parent_role": edge.parent_role, "allow_crosspost": edge.allow_crosspost,
            "auto_propagate": edge.auto_propagate, "status": edge.status, **extra,
        },
    )  # fmt: skip


def _hierarchy_lock(edge_type: str) -> None:
    """Serialise writes of one hierarchy for the rest of the transaction, so two concurrent
    requests can't each pass the cycle check and together close a loop."""
    types = _sel.HIERARCHIES.get(edge_type)
    if types:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", ["yalls.edges:" + ",".join(types)]
            )


def _horse_sex(entity: Entity) -> str:
    horse = Horse.objects.filter(entity=entity).values_list("sex", flat=True).first()
    return horse or ""


def _validate_edge_shape(source: Entity, target: Entity, edge_type: str, parent_role: str) -> None:
    if edge_type not in Edge.Type.values:
        raise DomainError(
            errors.EDGE_TYPE_INVALID,
            _("Pick owns, manages, brand of, offspring of, sponsors or partners."),
            field="type",
        )
    if source.pk == target.pk:
        raise DomainError(errors.EDGE_SELF, _("An entity can't relate to itself."), field="target")
    if source.is_archived or target.is_archived:
        raise Conflict(errors.EDGE_ARCHIVED, _("Archived entities can't gain new relations."))
    if edge_type != Edge.Type.OFFSPRING_OF:
        if parent_role:
            raise DomainError(
                errors.EDGE_PARENT_ROLE_INVALID,
                _("Sire or dam applies only to offspring of."),
                field="parent_role",
            )
        return
    if not (source.kind.is_horse and target.kind.is_horse):
        raise DomainError(
            errors.EDGE_NOT_HORSE, _("Offspring of links a horse to a horse."), field="target"
        )
    if parent_role not in Edge.ParentRole.values:
        raise DomainError(
            errors.EDGE_PARENT_ROLE_INVALID,
            _("Say whether the parent is the sire or the dam."),
            field="parent_role",
        )
    sex = _horse_sex(target)
    if (parent_role == Edge.ParentRole.SIRE and sex in DAM_SEXES) or (
        parent_role == Edge.ParentRole.DAM and sex in SIRE_SEXES
    ):
        raise DomainError(
            errors.EDGE_PARENT_SEX_MISMATCH,
            _("@%(handle)s is a %(sex)s, so can't be the %(parent_role)s.")
            % {"handle": target.handle, "sex": sex, "parent_role": parent_role},
            field="parent_role",
        )


def _check_no_cycle(source: Entity, target: Entity, edge_type: str) -> None:
    types = _sel.HIERARCHIES.get(edge_type)
    if not types:
        return
    if edge_type in _sel.PARENT_IS_SOURCE:
        child, parent = target, source
    else:
        child, parent = source, target
    # The new edge makes `parent` an ancestor of `child`: a loop if `child` is already above it.
    if _sel.hierarchy_reaches(start=parent, goal=child, types=types):
        what = "ancestor" if edge_type == Edge.Type.OFFSPRING_OF else "parent"
        raise Conflict(
            errors.EDGE_CYCLE,
            _("That would make @%(handle)s its own %(what)s.")
            % {"handle": child.handle, "what": what},
            field="target",
        )


def _resolve_target(actor: User, target_handle: str) -> Entity:
    handle = (target_handle or "").strip().lstrip("@")
    if not handle:
        raise DomainError(
            errors.EDGE_TARGET_UNKNOWN, _("Give the other entity's handle."), field="target"
        )
    try:
        return _sel.access_entity(actor, handle[:31])
    except NotFound as exc:
        raise DomainError(
            errors.EDGE_TARGET_UNKNOWN, _("No entity has that handle."), field="target"
        ) from exc


@transaction.atomic
def edge_create(
    *,
    actor: User,
    source: Entity,
    target_handle: str,
    type: str,
    parent_role: str = "",
    allow_crosspost: bool = False,
    auto_propagate: bool = False,
) -> Edge:
    """Relate `source` to another entity. Accepted at once when the actor also controls the
    target; otherwise pending until the target's owners or managers accept it."""
    source = Entity.objects.select_related("kind").get(pk=source.pk)
    if not _sel.controls(actor, source):
        raise Forbidden(
            errors.EDGE_NOT_ALLOWED,
            _("Only the entity's owners and managers can add relations from it."),
        )
    target = _resolve_target(actor, target_handle)
    parent_role = (parent_role or "").strip()
    _validate_edge_shape(source, target, type, parent_role)
    _hierarchy_lock(type)
    existing = Edge.objects.filter(source=source, target=target, type=type).first()
    if existing is not None:
        if existing.status == Edge.Status.REJECTED:
            raise Conflict(
                errors.EDGE_DECLINED,
                _("@%(handle)s declined this relation. Remove the declined request to ask again.")
                % {"handle": target.handle},
                field="target",
            )
        raise Conflict(errors.EDGE_DUPLICATE, _("This relation already exists."), field="target")
    if type == Edge.Type.OFFSPRING_OF:
        taken = (
            Edge.objects.filter(source=source, type=type, parent_role=parent_role)
            .exclude(status=Edge.Status.REJECTED)
            .exists()
        )
        if taken:
            raise Conflict(
                errors.EDGE_DUPLICATE_PARENT,
                _("@%(handle)s already has a %(parent_role)s. Remove it first.")
                % {"handle": source.handle, "parent_role": parent_role},
                field="parent_role",
            )
    _check_no_cycle(source, target, type)
    accepted = _sel.controls(actor, target)
    now = timezone.now()
    edge = Edge(
        source=source, target=target, type=type, parent_role=parent_role,
        allow_crosspost=bool(allow_crosspost), auto_propagate=bool(auto_propagate),
        status=Edge.Status.ACCEPTED if accepted else Edge.Status.PENDING, created_by=actor,
        decided_by=actor if accepted else None, decided_at=now if accepted else None,
    )  # fmt: skip
    try:
        with transaction.atomic():  # a savepoint: a lost race becomes a clear 409, not a 500
            edge.save(force_insert=True)
    except IntegrityError as exc:
        code = (
            errors.EDGE_DUPLICATE_PARENT
            if "one_sire_one_dam" in str(exc)
            else errors.EDGE_DUPLICATE
        )
        raise Conflict(code, _("This relation was just added by someone else.")) from exc
    _edge_audit(actor, "edge.created", edge)
    return edge


def _locked(edge: Edge) -> Edge:
    # of=self: the two entities are only read (the other side is not ours to lock under RLS).
    return (
        Edge.objects.select_for_update(of=("self",))
        .select_related("source", "target")
        .get(pk=edge.pk)
    )


@transaction.atomic
def edge_decide(*, actor: User, edge: Edge, accept: bool) -> Edge:
    """The target's owners or managers accept or reject a pending request."""
    edge = _locked(edge)
    if not _sel.controls(actor, edge.target):
        raise Forbidden(
            errors.EDGE_NOT_ALLOWED,
            _("Only @%(handle)s's owners and managers can answer this request.")
            % {"handle": edge.target.handle},
        )
    if edge.status != Edge.Status.PENDING:
        raise Conflict(errors.EDGE_NOT_PENDING, _("This request was already answered."))
    edge.status = Edge.Status.ACCEPTED if accept else Edge.Status.REJECTED
    edge.decided_by = actor
    edge.decided_at = timezone.now()
    edge.save(update_fields=["status", "decided_by", "decided_at"])
    _edge_audit(actor, "edge.accepted" if accept else "edge.rejected", edge)
    return edge


@transaction.atomic
def edge_update(
    *,
    actor: User,
    edge: Edge,
    allow_crosspost: bool | None = None,
    auto_propagate: bool | None = None,
) -> Edge:
    """Change the toggles. Either side may switch one off; switching one on grants the source's
    posts a way onto the target, so on an accepted edge that takes control of the target (on a
    pending one the target's acceptance covers it)."""
    edge = _locked(edge)
    on_source, on_target = _sel.controls(actor, edge.source), _sel.controls(actor, edge.target)
    if not (on_source or on_target):
        raise Forbidden(
            errors.EDGE_NOT_ALLOWED, _("Only owners and managers of either side can change this.")
        )
    changes = {}
    for name, value in (("allow_crosspost", allow_crosspost), ("auto_propagate", auto_propagate)):
        if value is None or bool(value) == getattr(edge, name):
            continue
        turning_on = bool(value)
        if turning_on:
            if edge.status == Edge.Status.REJECTED:
                raise Conflict(errors.EDGE_NOT_PENDING, _("This request was declined."))
            if edge.status == Edge.Status.ACCEPTED and not on_target:
                raise Forbidden(
                    errors.EDGE_NOT_ALLOWED,
                    _("Only @%(handle)s's owners and managers can switch this on.")
                    % {"handle": edge.target.handle},
                )
            if edge.status == Edge.Status.PENDING and not on_source:
                raise Forbidden(
                    errors.EDGE_NOT_ALLOWED, _("Accept the request first, then switch this on.")
                )
        changes[name] = bool(value)
    if not changes:
        return edge
    for name, value in changes.items():
        setattr(edge, name, value)
    edge.save(update_fields=list(changes))
    _edge_audit(actor, "edge.updated", edge, changed=sorted(changes))
    return edge


@transaction.atomic
def edge_remove(*, actor: User, edge: Edge) -> None:
    """Either side's owners or managers remove an edge (or withdraw/clear a request)."""
    edge = _locked(edge)
    if not (_sel.controls(actor, edge.source) or _sel.controls(actor, edge.target)):
        raise Forbidden(
            errors.EDGE_NOT_ALLOWED, _("Only owners and managers of either side can remove this.")
        )
    _edge_audit(actor, "edge.removed", edge)
    edge.delete()


# --- Contact details and gallery ---------------------------------------------------------------
# Imported here so this section stays a self-contained append.
import re  # noqa: E402

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.validators import URLValidator  # noqa: E402

from yalls.core.identifiers import uuid_parse  # noqa: E402
from yalls.core.images import image_fit_within  # noqa: E402
from yalls.entities.models import EntityContact, EntityPhoto  # noqa: E402

GALLERY_MAX = 12
SERVICES_MAX = 20
HOURS_MAX_LINES = 14
_PHONE_JUNK = re.compile(r"[\s().\-/]")
_url_check = URLValidator(schemes=["http", "https"])


def phone_normalize(raw: str, *, field: str = "phone") -> str:
    """A phone number as E.164 ("+13035550142"). Ten digits without a country code are taken as
    a US number (the product is US-first); anything else must start with + and a country code."""
    value = _PHONE_JUNK.sub("", raw or "")
    if not value:
        return ""
    if value.startswith("00"):
        value = "+" + value[2:]
    if not value.startswith("+"):
        if len(value) == 11 and value.startswith("1"):
            value = value[1:]
        value = "+1" + value if len(value) == 10 else value
    digits = value[1:]
    if not (value.startswith("+") and digits.isdigit() and 8 <= len(digits) <= 15):
        raise DomainError(
            errors.PHONE_INVALID,
            _("Enter a phone number like (303) 555-0142, or +44 20 7946 0958 outside the US."),
            field=field,
        )
    if digits.startswith("1") and len(digits) != 11:
        raise DomainError(
            errors.PHONE_INVALID, _("A US phone number has 10 digits after +1."), field=field
        )
    return value


def url_normalize(raw: str, *, field: str) -> str:
    """An http(s) address; "willowcreek.example" becomes "https://willowcreek.example"."""
    value = (raw or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        _url_check(value)
    except ValidationError as exc:
        raise DomainError(
            errors.URL_INVALID,
            _("Enter a web address like https://willowcreek.example."),
            field=field,
        ) from exc
    return value


def _services_clean(services) -> list[str]:
    if isinstance(services, str):
        services = re.split(r"[,\n]", services)
    cleaned: dict[str, str] = {}
    for item in services or []:
        text = " ".join(str(item).split())
        if not text:
            continue
        if len(text) > 60:
            raise DomainError(
                errors.SERVICES_INVALID,
                _("Keep each service under 60 characters: “%(item)s…”") % {"item": text[:30]},
                field="services",
            )
        cleaned.setdefault(text.lower(), text)
    if len(cleaned) > SERVICES_MAX:
        raise DomainError(
            errors.SERVICES_INVALID,
            _("List at most %(n)s services.") % {"n": SERVICES_MAX},
            field="services",
        )
    return list(cleaned.values())


def _hours_clean(hours: str) -> str:
    lines = [" ".join(line.split()) for line in (hours or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > HOURS_MAX_LINES or any(len(line) > 80 for line in lines):
        raise DomainError(
            errors.HOURS_INVALID,
            _("Use one short line per day or range, like “Mon–Fri 8:00–18:00”."),
            field="opening_hours",
        )
    return "\n".join(lines)


CONTACT_FIELDS = (
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
    "website",
    "map_url",
    "opening_hours",
    "services",
)


@transaction.atomic
def entity_contact_update(
    *, actor: User, entity: Entity, cover=None, remove_cover: bool = False, **fields
) -> EntityContact:
    """Owners and managers set where and how to reach the entity; only the given fields change.
    Every value is checked before anything is written (a bad phone number keeps the old one)."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    _require_role(actor, entity, EDIT_ROLES, _("edit it"))
    if entity.is_archived:
        raise Conflict(errors.ARCHIVED, _("Restore this entity before editing it."))
    clean: dict = {}
    for name in ("street", "city", "region", "postal_code"):
        if fields.get(name) is not None:
            clean[name] = " ".join(fields[name].split())[
                : EntityContact._meta.get_field(name).max_length
            ]
    if fields.get("country") is not None:
        country = fields["country"].strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise DomainError(
                errors.COUNTRY_INVALID,
                _("Use the two-letter country code, like US or CA."),
                field="country",
            )
        clean["country"] = country
    if fields.get("phone") is not None:
        clean["phone"] = phone_normalize(fields["phone"])
    for name in ("website", "map_url"):
        if fields.get(name) is not None:
            clean[name] = url_normalize(fields[name], field=name)
    if fields.get("opening_hours") is not None:
        clean["opening_hours"] = _hours_clean(fields["opening_hours"])
    if fields.get("services") is not None:
        clean["services"] = _services_clean(fields["services"])
    picture = None
    if cover is not None:
        picture, _width, _height = image_fit_within(cover, field="cover", max_side=1600)
    contact, _created = EntityContact.objects.select_for_update().get_or_create(entity=entity)
    for name, value in clean.items():
        setattr(contact, name, value)
    image_field_replace(contact, "cover", picture, remove=remove_cover)
    contact.save()
    return contact


@transaction.atomic
def entity_photo_add(*, actor: User, entity: Entity, image, alt_text: str = "") -> EntityPhoto:
    _require_role(actor, entity, EDIT_ROLES, _("edit it"))
    # The entity row is the lock: two uploads at once can't both take the last place.
    Entity.objects.select_for_update(of=("self",)).get(pk=entity.pk)
    if EntityPhoto.objects.filter(entity=entity).count() >= GALLERY_MAX:
        raise Conflict(
            errors.GALLERY_FULL,
            _("The gallery holds %(n)s pictures; remove one first.") % {"n": GALLERY_MAX},
            field="photo",
        )
    content, width, height = image_fit_within(image, field="photo", max_side=1600)
    photo = EntityPhoto(
        entity=entity, alt_text=" ".join((alt_text or "").split())[:200], width=width, height=height
    )
    photo.image.save("photo.webp", content, save=False)
    photo.save()
    return photo


@transaction.atomic
def entity_photo_remove(*, actor: User, entity: Entity, photo_id) -> None:
    _require_role(actor, entity, EDIT_ROLES, _("edit it"))
    photo_uuid = uuid_parse(photo_id)
    photo = EntityPhoto.objects.filter(entity=entity, pk=photo_uuid).first() if photo_uuid else None
    if photo is None:
        raise NotFound(errors.PHOTO_NOT_FOUND, _("That picture is not in the gallery."))
    name, storage = photo.image.name, photo.image.storage
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))
