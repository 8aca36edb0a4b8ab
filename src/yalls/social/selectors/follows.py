"""Reads about follows shown to members: who follows a profile, whom a member follows, and the
"who to follow" suggestions on the home page (members and entities near the member's interests)."""

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from yalls.accounts.models import User
from yalls.entities import selectors as entity_selectors
from yalls.entities.models import Entity, EntityMember
from yalls.social.models import Follow
from yalls.social.selectors import relations

LIST_LIMIT = 50


def followers_of(viewer, target_kind: str, target_id) -> list[User]:
    """Members following this member or entity, newest first, without anyone blocked either way
    with the viewer (as everywhere else, neither side of a block sees the other)."""
    hidden = relations.blocked_ids(getattr(viewer, "pk", None) if _signed_in(viewer) else None)
    rows = (
        Follow.objects.filter(target_kind=target_kind, target_id=target_id)
        .exclude(follower_id__in=hidden)
        .filter(follower__is_active=True)
        .select_related("follower")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    return [row.follower for row in rows]


@dataclass(frozen=True)
class Followed:
    kind: str  # "member" | "entity"
    target: object  # a User or an Entity


def following_of(viewer, member: User) -> list[Followed]:
    """The members and entities `member` follows, newest first (same block rule as followers_of)."""
    hidden = relations.blocked_ids(getattr(viewer, "pk", None) if _signed_in(viewer) else None)
    rows = list(Follow.objects.filter(follower=member).order_by("-created_at", "-id")[:LIST_LIMIT])
    member_ids = [r.target_id for r in rows if r.target_kind == Follow.TargetKind.MEMBER]
    entity_ids = [r.target_id for r in rows if r.target_kind == Follow.TargetKind.ENTITY]
    members = User.objects.filter(pk__in=member_ids, is_active=True).exclude(pk__in=hidden)
    entities = entity_selectors.entities_visible(viewer).filter(pk__in=entity_ids)
    found = {("member", m.pk): m for m in members} | {("entity", e.pk): e for e in entities}
    return [
        Followed(kind=r.target_kind, target=found[(r.target_kind, r.target_id)])
        for r in rows
        if (r.target_kind, r.target_id) in found
    ]


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "member" | "entity"
    target: object
    reason: str


def who_to_follow(member: User, *, limit: int = 5) -> list[Suggestion]:
    """Members and entities near what `member` already cares about, best first:

    - entities followed by the people the member follows, and members those people follow;
    - members who follow the same entities as the member;
    - entities of the kinds the member owns or follows (a horse owner sees horses and farms...);
    - when none of that says anything yet (a brand-new member), the most-followed entities.

    Never the member, what they follow already, their own entities, or anyone blocked either way.
    """
    follows = list(Follow.objects.filter(follower=member).values_list("target_kind", "target_id"))
    followed_members = {t for k, t in follows if k == Follow.TargetKind.MEMBER}
    followed_entities = {t for k, t in follows if k == Follow.TargetKind.ENTITY}
    mine = set(EntityMember.objects.filter(member=member).values_list("entity_id", flat=True))
    blocked = relations.blocked_ids(member.pk)
    skip_members = followed_members | blocked | {member.pk}
    skip_entities = followed_entities | mine

    entity_score: Counter[UUID] = Counter()
    entity_reason: dict[UUID, str] = {}
    member_score: Counter[UUID] = Counter()
    member_reason: dict[UUID, str] = {}

    # What the people I follow follow.
    friends = {m.pk: m for m in User.objects.filter(pk__in=followed_members, is_active=True)}
    for row in Follow.objects.filter(follower_id__in=friends).exclude(follower_id__in=blocked):
        who = friends[row.follower_id].display_name or friends[row.follower_id].handle
        if row.target_kind == Follow.TargetKind.ENTITY and row.target_id not in skip_entities:
            entity_score[row.target_id] += 3
            entity_reason.setdefault(row.target_id, _("Followed by %(name)s") % {"name": who})
        elif row.target_kind == Follow.TargetKind.MEMBER and row.target_id not in skip_members:
            member_score[row.target_id] += 3
            member_reason.setdefault(row.target_id, _("Followed by %(name)s") % {"name": who})

    # People who follow what I follow.
    if followed_entities:
        co = (
            Follow.objects.filter(
                target_kind=Follow.TargetKind.ENTITY, target_id__in=followed_entities
            )
            .exclude(follower_id__in=skip_members)
            .values("follower_id")
            .annotate(n=Count("id"))
            .order_by("-n")[:20]
        )
        for row in co:
            member_score[row["follower_id"]] += 2 * row["n"]
            member_reason.setdefault(row["follower_id"], _("Follows what you follow"))

    # Entities of the kinds I own or follow.
    kinds = set(
        Entity.objects.filter(Q(pk__in=mine) | Q(pk__in=followed_entities)).values_list(
            "kind_id", flat=True
        )
    )
    if kinds:
        near = (
            entity_selectors.entities_visible(member)
            .filter(kind_id__in=kinds)
            .exclude(pk__in=skip_entities)
            .exclude(owner_id__in=blocked)
            .order_by("-created_at")[:20]
        )
        for entity in near:
            entity_score[entity.pk] += 1
            entity_reason.setdefault(
                entity.pk, _("More %(kind)s on yalls") % {"kind": entity.kind.plural.lower()}
            )

    # Nothing to go on yet: the most-followed entities.
    if not entity_score and not member_score:
        popular = (
            entity_selectors.entities_visible(member)
            .exclude(pk__in=skip_entities)
            .exclude(owner_id__in=blocked)
            .annotate(followers=Coalesce(_entity_follower_counts(), 0))
            .order_by("-followers", "-created_at")[:limit]
        )
        for entity in popular:
            entity_score[entity.pk] += 1
            entity_reason[entity.pk] = _("Popular on yalls")

    entities = {
        e.pk: e
        for e in entity_selectors.entities_visible(member)
        .filter(pk__in=list(entity_score))
        .exclude(owner_id__in=blocked)
    }
    members = {m.pk: m for m in User.objects.filter(pk__in=list(member_score), is_active=True)}
    ranked = [(score, "entity", pk) for pk, score in entity_score.items() if pk in entities] + [
        (score, "member", pk) for pk, score in member_score.items() if pk in members
    ]
    ranked.sort(key=lambda row: (-row[0], row[1], str(row[2])))
    suggestions = []
    for _score, kind, pk in ranked[:limit]:
        if kind == "entity":
            suggestions.append(Suggestion("entity", entities[pk], entity_reason[pk]))
        else:
            suggestions.append(Suggestion("member", members[pk], member_reason[pk]))
    return suggestions


def _entity_follower_counts() -> Subquery:
    counts = (
        Follow.objects.filter(target_kind=Follow.TargetKind.ENTITY, target_id=OuterRef("pk"))
        .values("target_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(counts, output_field=IntegerField())


def _signed_in(viewer) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False)
