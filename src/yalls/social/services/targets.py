"""Post targets: who may post where (roles, cross-posting), the approval of a pending target,
and auto-propagation along entity edges.

Rules (docs/social.md): a target on an entity the author owns or manages is approved at once, so
is one reached by an accepted `allow_crosspost` edge from such an entity; anything else waits in
that entity's approval queue. Once a target is approved, every accepted `auto_propagate` edge from
its entity adds a target on the edge's other end — breadth first, at most PROPAGATION_MAX_DEPTH
hops, never twice on one entity, never onto an entity whose owner and the author block each other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import Conflict, DomainError, Forbidden, NotFound
from yalls.core.identifiers import uuid_parse
from yalls.entities import selectors as entity_selectors
from yalls.entities.models import Edge, Entity, EntityMember
from yalls.social import errors
from yalls.social.models import (
    Block,
    Post,
    PostTarget,
)
from yalls.social.services import notices

log = logging.getLogger(__name__)

MAX_TARGETS = 20
PROPAGATION_MAX_DEPTH = 3

POSTING_ROLES = frozenset(
    {EntityMember.Role.OWNER, EntityMember.Role.MANAGER, EntityMember.Role.EDITOR}
)
MANAGING_ROLES = entity_selectors.MANAGING_ROLES  # owners and managers, defined once


# --- Who may post where ---------------------------------------------------------------------------


def member_roles(member: User) -> dict[UUID, str]:
    """{entity id: my role} for every live entity I belong to."""
    rows = EntityMember.objects.filter(member=member, entity__archived_at__isnull=True)
    return dict(rows.values_list("entity_id", "role"))


def crosspost_enabled(member: User | None) -> bool:
    """The composer_crosspost flag (a kill switch: off hides the picker and refuses target lists)."""
    from yalls.core.flags import flag_enabled

    return flag_enabled("composer_crosspost", member)


def entity_by_handle(handle: str, *, code: str, field: str) -> Entity:
    handle = (handle or "").strip().lstrip("@")
    entity = (
        Entity.objects.select_related("owner")
        .filter(handle__iexact=handle, archived_at__isnull=True)
        .first()
        if handle
        else None
    )
    if entity is None:
        raise DomainError(
            code, _("No entity has the handle @%(handle)s.") % {"handle": handle}, field=field
        )
    return entity


def as_entity_clean(author: User, as_entity: str | Entity | None, roles: dict) -> Entity | None:
    if as_entity in (None, ""):
        return None
    entity = (
        as_entity
        if isinstance(as_entity, Entity)
        else entity_by_handle(as_entity, code=errors.POST_ENTITY_UNKNOWN, field="as_entity")
    )
    if roles.get(entity.id) not in POSTING_ROLES:
        raise Forbidden(
            errors.POST_NOT_ALLOWED_AS_ENTITY,
            _("You can post as @%(handle)s only if you own, manage or edit it.")
            % {"handle": entity.handle},
            field="as_entity",
        )
    return entity


def blocked_owner_ids(author_id, owner_ids: Iterable) -> set:
    """Which of these members and the author block each other (either direction).

    Read in the system context: a block row is visible only to its two parties under RLS, and the
    member acting here may be a third one (a manager approving a target whose propagation must
    still respect the author's blocks). Only the yes/no answer leaves this function."""
    from yalls.core.db_context import system_context

    owner_ids = {oid for oid in owner_ids if oid != author_id}
    if not owner_ids:
        return set()
    with system_context():
        rows = Block.objects.filter(
            Q(blocker_id=author_id, blocked_id__in=owner_ids)
            | Q(blocked_id=author_id, blocker_id__in=owner_ids)
        ).values_list("blocker_id", "blocked_id")
        return {b if a == author_id else a for a, b in rows}


# --- Targets: who may post where, and what propagates --------------------------------------------


@dataclass
class TargetPlan:
    """A target the post will get: where, with which status and why."""

    entity: Entity
    status: str
    reason: str
    via_edge: Edge | None = None


def targets_plan(
    *, author: User, as_entity: Entity | None, handles: Sequence[str], roles: dict
) -> list[TargetPlan]:
    """Resolve and classify the requested targets (the as-entity first). Raises on an unknown
    handle or an entity the author may not reach (blocks)."""
    seen: set[UUID] = set()
    entities: list[Entity] = []
    if as_entity is not None:
        entities.append(as_entity)
        seen.add(as_entity.id)
    cleaned = [h.strip().lstrip("@") for h in handles if h and h.strip().lstrip("@")]
    if len(set(h.lower() for h in cleaned)) > MAX_TARGETS:
        raise DomainError(
            errors.POST_TOO_MANY_TARGETS,
            _("Cross-post to at most %(max_targets)s entities.") % {"max_targets": MAX_TARGETS},
            field="targets",
        )
    for handle in cleaned:
        entity = entity_by_handle(handle, code=errors.TARGET_UNKNOWN, field="targets")
        if entity.id not in seen:
            seen.add(entity.id)
            entities.append(entity)
    blocked = blocked_owner_ids(author.pk, {e.owner_id for e in entities})
    managed = {eid for eid, role in roles.items() if role in MANAGING_ROLES}
    sources = managed | ({as_entity.id} if as_entity is not None else set())
    plans = []
    for entity in entities:
        if entity.owner_id in blocked:
            raise Forbidden(
                errors.TARGET_NOT_ALLOWED,
                _("You can't post to @%(handle)s.") % {"handle": entity.handle},
                field="targets",
            )
        if as_entity is not None and entity.id == as_entity.id:
            plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "author_entity"))
        elif entity.id in managed:
            plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "managed"))
        else:
            edge = entity_selectors.crosspost_edge(sources, entity)
            if edge is not None:
                plans.append(TargetPlan(entity, PostTarget.Status.APPROVED, "edge_crosspost", edge))
            else:
                plans.append(TargetPlan(entity, PostTarget.Status.PENDING, "requested"))
    return plans


def post_targets_plan(
    *, author: User, as_entity: str | Entity | None, handles: Sequence[str]
) -> tuple[Entity | None, list[TargetPlan]]:
    """For a new post or repost: the entity it is posted as (checked) and the plan of its
    targets. Cross-posting switched off refuses any target list."""
    roles = member_roles(author)
    entity = as_entity_clean(author, as_entity, roles)
    handles = [h for h in handles if h and h.strip()]
    if handles and not crosspost_enabled(author):
        raise DomainError(
            errors.POST_CROSSPOST_DISABLED,
            _("Cross-posting is switched off right now."),
            field="targets",
        )
    return entity, targets_plan(author=author, as_entity=entity, handles=handles, roles=roles)


@dataclass
class Hop:
    """One auto-propagation step: `edge` carries the post from `from_entity_id` to `entity`."""

    entity: Entity
    edge: Edge
    from_entity_id: UUID
    depth: int


def propagation_walk(
    *,
    author_id,
    seeds: Iterable[tuple[UUID, int]],
    taken: Iterable[UUID],
    max_depth: int = PROPAGATION_MAX_DEPTH,
) -> list[Hop]:
    """Breadth-first over accepted `auto_propagate` edges from the seeds (entity id, depth of its
    target). `taken` are entities the post already has a target on. Terminates on any graph:
    each entity is entered at most once and depth is bounded. One query per level plus one for
    blocks; used both to write targets and, as a dry run, for the composer's hint."""
    taken = set(taken)
    frontier = [(eid, depth) for eid, depth in seeds if depth < max_depth]
    hops: list[Hop] = []
    while frontier:
        depth_of = {eid: depth for eid, depth in frontier}
        edges = entity_selectors.propagation_edges(list(depth_of), exclude=taken)
        blocked = blocked_owner_ids(author_id, {e.target.owner_id for e in edges})
        next_frontier = []
        for edge in edges:
            if edge.target_id in taken or edge.target.owner_id in blocked:
                continue
            taken.add(edge.target_id)
            depth = depth_of[edge.source_id] + 1
            hops.append(Hop(edge.target, edge, edge.source_id, depth))
            if depth < max_depth:
                next_frontier.append((edge.target_id, depth))
        frontier = next_frontier
    return hops


def _propagate(post: Post, approved: Sequence[PostTarget]) -> list[PostTarget]:
    """Write the auto-propagated targets that follow from newly approved ones."""
    if not approved:
        return []
    # Propagation writes targets on a post the acting member may not own (an entity manager
    # approving someone else's cross-post): the system follows the approved edges.
    with system_context():
        return _propagate_write(post, approved)


def _propagate_write(post: Post, approved: Sequence[PostTarget]) -> list[PostTarget]:
    taken = set(PostTarget.objects.filter(post=post).values_list("entity_id", flat=True))
    hops = propagation_walk(
        author_id=post.author_id, seeds=[(t.entity_id, t.depth) for t in approved], taken=taken
    )
    by_entity = {t.entity_id: t for t in approved}
    now = timezone.now()
    created = []
    for hop in hops:  # breadth-first: a hop's source target always exists before it
        target = PostTarget.objects.create(
            post=post,
            entity=hop.entity,
            status=PostTarget.Status.APPROVED,
            reason=f"auto_propagated:{hop.edge.type}",
            via_edge=hop.edge,
            source_target=by_entity[hop.from_entity_id],
            depth=hop.depth,
            decided_at=now,
        )
        by_entity[hop.entity.id] = target
        created.append(target)
    return created


def propagation_preview(
    *, author: User, as_entity: str | None, targets: Sequence[str] = ()
) -> dict:
    """The composer's dry run: which targets would be approved or wait, and which entities the post
    would then auto-propagate to (the same walk that writes them). Never writes."""
    roles = member_roles(author)
    entity = as_entity_clean(author, as_entity, roles)
    plans = targets_plan(author=author, as_entity=entity, handles=targets, roles=roles)
    approved = [p.entity.id for p in plans if p.status == PostTarget.Status.APPROVED]
    hops = propagation_walk(
        author_id=author.pk,
        seeds=[(eid, 0) for eid in approved],
        taken={p.entity.id for p in plans},
    )
    return {"targets": plans, "propagates_to": hops}


def targets_write(post: Post, plans: Sequence[TargetPlan], *, actor: User) -> list[PostTarget]:
    now = timezone.now()
    rows = []
    for plan in plans:
        approved = plan.status == PostTarget.Status.APPROVED
        rows.append(
            PostTarget.objects.create(
                post=post,
                entity=plan.entity,
                status=plan.status,
                reason=plan.reason,
                via_edge=plan.via_edge,
                decided_by=actor if approved else None,
                decided_at=now if approved else None,
            )
        )
    _propagate(post, [r for r in rows if r.status == PostTarget.Status.APPROVED])
    return rows


# --- Approvals ------------------------------------------------------------------------------------


def require_manager(actor: User, entity: Entity) -> None:
    role = (
        EntityMember.objects.filter(entity=entity, member=actor)
        .values_list("role", flat=True)
        .first()
    )
    if role not in MANAGING_ROLES:
        raise Forbidden(
            errors.TARGET_NOT_MANAGER,
            _("Only the owners and managers of @%(handle)s decide what appears on it.")
            % {"handle": entity.handle},
        )


@transaction.atomic
def target_decide(
    *,
    actor: User,
    entity: Entity,
    target_id: UUID | str,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> PostTarget:
    """Approve or reject a pending target on the entity. Approval auto-propagates and tells the
    author at once; a rejection (with its optional reason) reaches the author only after
    REJECT_UNDO_SECONDS, so the manager can take it back (target_reject_undo) meanwhile."""
    require_manager(actor, entity)
    target = None
    if uuid_parse(target_id) is not None:
        target = (
            PostTarget.objects.select_for_update(of=("self",))
            .select_related("post", "entity")
            .filter(pk=uuid_parse(target_id), entity=entity)
            .first()
        )
    if target is None or target.post.deleted_at is not None:
        raise NotFound(errors.TARGET_NOT_FOUND, _("No such request on this entity."))
    if target.status != PostTarget.Status.PENDING:
        raise Conflict(
            errors.TARGET_ALREADY_DECIDED,
            _("This request was already approved.")
            if target.status == PostTarget.Status.APPROVED
            else _("This request was already rejected."),
        )
    target.status = PostTarget.Status.APPROVED if approve else PostTarget.Status.REJECTED
    # The undo window (target_reject_undo) is judged from this instant.
    target.decided_by, target.decided_at = actor, now or timezone.now()
    target.save(update_fields=["status", "decided_by", "decided_at"])
    propagated = _propagate(target.post, [target]) if approve else []
    audit_record(
        actor=actor,
        action="target.approved" if approve else "target.rejected",
        target_type="post_target",
        target_id=target.pk,
        metadata={
            "post": str(target.post_id),
            "entity": entity.handle,
            "propagated": [str(t.entity_id) for t in propagated],
        },
    )
    if approve:
        notices.approval_decided(target=target, actor=actor)
    else:
        from yalls.social.tasks import target_rejection_announce

        target_rejection_announce.configure(schedule_in={"seconds": REJECT_UNDO_SECONDS}).defer(
            target_id=str(target.pk),
            actor_id=str(actor.pk),
            reason=" ".join((reason or "").split())[:REJECT_REASON_MAX],
        )
    return target


REJECT_UNDO_SECONDS = 10
REJECT_REASON_MAX = 500


@transaction.atomic
def target_reject_undo(*, actor: User, entity: Entity, target_id: UUID | str, now) -> PostTarget:
    """Take back a rejection within REJECT_UNDO_SECONDS: the request waits again and the author,
    who hasn't been told yet, never hears of it."""
    require_manager(actor, entity)
    target = None
    if uuid_parse(target_id) is not None:
        target = (
            PostTarget.objects.select_for_update(of=("self",))
            .filter(pk=uuid_parse(target_id), entity=entity)
            .first()
        )
    if target is None:
        raise NotFound(errors.TARGET_NOT_FOUND, _("No such request on this entity."))
    too_late = (
        target.status != PostTarget.Status.REJECTED
        or target.decided_at is None
        or (now - target.decided_at).total_seconds() > REJECT_UNDO_SECONDS
    )
    if too_late:
        raise Conflict(
            errors.TARGET_UNDO_EXPIRED,
            _("Too late to undo: the author has been told."),
        )
    target.status = PostTarget.Status.PENDING
    target.decided_by, target.decided_at = None, None
    target.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="target.rejection_undone",
        target_type="post_target",
        target_id=target.pk,
        metadata={"post": str(target.post_id), "entity": entity.handle},
    )
    return target


def target_rejection_announce(*, target_id: UUID | str, actor_id: UUID | str, reason: str) -> bool:
    """Tell the author their cross-post was declined (with the manager's reason), unless the
    rejection was undone meanwhile. Safe to run twice: the notification has a dedupe key."""
    target = (
        PostTarget.objects.select_related("post", "entity")
        .filter(pk=uuid_parse(target_id), status=PostTarget.Status.REJECTED)
        .first()
    )
    actor = User.objects.filter(pk=uuid_parse(actor_id)).first()
    if target is None or actor is None or target.post.deleted_at is not None:
        return False
    notices.approval_decided(target=target, actor=actor, reason=reason)
    return True
