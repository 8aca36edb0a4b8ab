"""Every write of the entities domain: create, edit, archive, restore, transfer, members."""

import json
from datetime import date

from django.db import transaction
from django.utils import timezone

from yalls.accounts.models import User
from yalls.accounts.selectors import access_member_by_handle
from yalls.core.audit.services import audit_record
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.handles import handle_claim
from yalls.core.images import image_square_thumbnail
from yalls.core.models import Handle
from yalls.entities import errors
from yalls.entities.models import Entity, EntityKind, EntityMember, Horse
from yalls.entities.selectors import member_role

HORSE_FIELDS = ("breed", "sex", "colour", "foaling_date", "registration_number")
EDIT_ROLES = {EntityMember.Role.OWNER, EntityMember.Role.MANAGER}
METADATA_MAX_BYTES = 16 * 1024


def _kind(slug: str) -> EntityKind:
    kind = EntityKind.objects.filter(slug=slug).first()
    if kind is None:
        raise DomainError(errors.KIND_UNKNOWN, "Pick a kind from the list.", field="kind")
    return kind


def _require_role(actor: User, entity: Entity, roles: set[str], action: str) -> str:
    role = member_role(actor, entity)
    if role not in roles:
        raise Forbidden(
            errors.NOT_ALLOWED, f"Only the entity's {' or '.join(sorted(roles))}s can {action}."
        )
    return role


def _validate_metadata(metadata) -> dict:
    if not isinstance(metadata, dict):
        raise DomainError(
            errors.METADATA_INVALID, "Metadata must be a JSON object.", field="metadata"
        )
    try:
        encoded = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            errors.METADATA_INVALID,
            "Metadata must be plain JSON (no NaN or Infinity).",
            field="metadata",
        ) from exc
    if "\\u0000" in encoded:
        raise DomainError(
            errors.METADATA_INVALID, "Metadata can't contain NUL characters.", field="metadata"
        )
    if len(encoded) > METADATA_MAX_BYTES:
        raise DomainError(
            errors.METADATA_INVALID, "Metadata is limited to 16 KB.", field="metadata"
        )
    return metadata


def _apply_horse(entity: Entity, horse_fields: dict) -> None:
    given = {k: v for k, v in horse_fields.items() if k in HORSE_FIELDS}
    if not entity.kind.is_horse:
        if any(v not in (None, "") for v in given.values()):
            raise DomainError(
                errors.HORSE_FIELDS_ON_NON_HORSE, "Only horses have breed, sex and foaling details."
            )
        return
    foaling = given.get("foaling_date")
    if isinstance(foaling, date) and foaling > timezone.localdate():
        raise DomainError(
            errors.FOALING_DATE_FUTURE,
            "A foaling date can't be in the future.",
            field="foaling_date",
        )
    sex = given.get("sex")
    if sex and sex not in Horse.Sex.values:
        raise DomainError(
            "entity.horse_sex_invalid", "Pick mare, stallion, gelding, filly or colt.", field="sex"
        )
    horse, _ = Horse.objects.get_or_create(entity=entity)
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
    **horse_fields,
) -> Entity:
    """Create an entity owned by the actor (who becomes its owner member)."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise DomainError(
            "entity.display_name_required", "Give the entity a name.", field="display_name"
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
    _apply_horse(entity, horse_fields)
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
    **horse_fields,
) -> Entity:
    """Owners and managers edit; only the given fields change."""
    entity = Entity.objects.select_for_update().select_related("kind").get(pk=entity.pk)
    _require_role(actor, entity, EDIT_ROLES, "edit it")
    if entity.is_archived:
        raise Conflict(errors.ARCHIVED, "Restore this entity before editing it.")
    if handle is not None and handle != entity.handle:
        entity.handle = handle_claim(handle=handle, kind=Handle.Kind.ENTITY, owner_id=entity.id)
    if display_name is not None:
        if not display_name.strip():
            raise DomainError(
                "entity.display_name_required", "Give the entity a name.", field="display_name"
            )
        entity.display_name = display_name.strip()[:80]
    if bio is not None:
        entity.bio = bio.strip()
    if metadata is not None:
        entity.metadata = _validate_metadata(metadata)
    thumbnail = image_square_thumbnail(avatar, field="avatar") if avatar is not None else None
    if horse_fields:
        _apply_horse(entity, horse_fields)
    if thumbnail is not None:  # the file is written last, once every check has passed
        entity.avatar.save("avatar.webp", thumbnail, save=False)
    elif remove_avatar and entity.avatar:
        entity.avatar.delete(save=False)
    entity.save()
    return entity


@transaction.atomic
def entity_archive(*, actor: User, entity: Entity) -> Entity:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, "archive it")
    if entity.is_archived:
        raise Conflict(errors.ARCHIVED, "This entity is already archived.")
    entity.archived_at = timezone.now()
    entity.save(update_fields=["archived_at", "updated_at"])
    audit_record(actor=actor, action="entity.archived", target_type="entity", target_id=entity.pk)
    return entity


@transaction.atomic
def entity_restore(*, actor: User, entity: Entity) -> Entity:
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, "restore it")
    if not entity.is_archived:
        raise Conflict(errors.NOT_ARCHIVED, "This entity is not archived.")
    entity.archived_at = None
    entity.save(update_fields=["archived_at", "updated_at"])
    audit_record(actor=actor, action="entity.restored", target_type="entity", target_id=entity.pk)
    return entity


@transaction.atomic
def entity_transfer_ownership(*, actor: User, entity: Entity, new_owner_handle: str) -> Entity:
    """Hand the entity to another member; the previous owner stays on as a manager."""
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    _require_role(actor, entity, {EntityMember.Role.OWNER}, "transfer it")
    try:
        new_owner = access_member_by_handle(new_owner_handle.strip().lstrip("@"))
    except NotFound as exc:
        raise DomainError(
            errors.TRANSFER_TARGET_UNKNOWN, "No member has that handle.", field="new_owner"
        ) from exc
    if new_owner.pk == entity.owner_id:
        raise DomainError(
            errors.TRANSFER_TO_SELF, "You already own this entity.", field="new_owner"
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
    actor_role = _require_role(actor, entity, EDIT_ROLES, "manage its members")
    if role not in (EntityMember.Role.MANAGER, EntityMember.Role.EDITOR):
        raise DomainError(
            errors.MEMBER_ROLE_INVALID,
            "Members are managers or editors; transfer ownership to change the owner.",
            field="role",
        )
    try:
        member = access_member_by_handle(member_handle.strip().lstrip("@"))
    except NotFound as exc:
        raise DomainError(
            errors.MEMBER_UNKNOWN, "No member has that handle.", field="member"
        ) from exc
    if member.pk == entity.owner_id:
        raise Conflict(
            errors.CANNOT_REMOVE_OWNER,
            "The owner's role changes only by transferring ownership.",
            field="member",
        )
    if (
        actor_role != EntityMember.Role.OWNER
        and EntityMember.objects.filter(
            entity=entity, member=member, role=EntityMember.Role.MANAGER
        ).exists()
        and member.pk != actor.pk
    ):
        raise Forbidden(errors.NOT_ALLOWED, "Only the owner can change another manager's role.")
    membership, _ = EntityMember.objects.update_or_create(
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
        raise NotFound(errors.MEMBER_UNKNOWN, "No member has that handle.") from exc
    if member.pk != actor.pk:  # anyone may leave; removing others needs owner or manager
        actor_role = _require_role(actor, entity, EDIT_ROLES, "remove members")
        target_is_manager = EntityMember.objects.filter(
            entity=entity, member=member, role=EntityMember.Role.MANAGER
        ).exists()
        if target_is_manager and actor_role != EntityMember.Role.OWNER:
            raise Forbidden(errors.NOT_ALLOWED, "Only the owner can remove another manager.")
    if member.pk == entity.owner_id:
        raise Conflict(errors.CANNOT_REMOVE_OWNER, "Transfer ownership before the owner leaves.")
    deleted, _ = EntityMember.objects.filter(entity=entity, member=member).delete()
    if not deleted:
        raise NotFound(errors.MEMBER_UNKNOWN, "That member is not on this entity.")
    audit_record(
        actor=actor, action="entity.member_removed", target_type="entity", target_id=entity.pk,
        metadata={"member": str(member.pk)},
    )  # fmt: skip
