"""Reads of posts: a post, lists by member and entity, attribution chains, the approval queue,
drafts, and what the composer offers. Every list is narrowed by `visible_posts`."""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from yalls.core.errors import NotFound
from yalls.core.identifiers import uuid_parse
from yalls.entities import selectors as entity_selectors
from yalls.entities.models import Edge, Entity, EntityMember
from yalls.social import errors
from yalls.social.models import Favorite, Post, PostMedia, PostTarget
from yalls.social.selectors.visibility import can_see_post, visible_posts
from yalls.social.services.targets import MANAGING_ROLES, POSTING_ROLES, require_manager

CHAIN_MAX = 50  # a chain is acyclic by construction; the bound only guards against bad data


def _with_card_data(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.select_related(
        "author", "as_entity", "as_entity__kind", "repost_of", "repost_of__author",
        "repost_of__as_entity", "reposted_from", "reposted_from__author", "reposted_from__as_entity",
        "link_preview", "repost_of__link_preview",
    ).prefetch_related(
        "mentions", "tags",
        Prefetch("media", queryset=PostMedia.objects.order_by("position")),
        Prefetch("repost_of__media", queryset=PostMedia.objects.order_by("position")),
        "repost_of__mentions",
    )  # fmt: skip


def access_post(viewer, post_id) -> Post:
    """The post as this viewer may see it, or post.not_found (also for drafts of others)."""
    pk = uuid_parse(post_id)
    post = _with_card_data(Post.objects.filter(pk=pk)).first() if pk else None
    if post is None or not can_see_post(viewer, post):
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    return post


def access_own_post(member, post_id) -> Post:
    """A post (any state) the member wrote, or post.not_found."""
    pk = uuid_parse(post_id)
    post = (
        Post.objects.filter(pk=pk, author=member, deleted_at__isnull=True).first() if pk else None
    )
    if post is None:
        raise NotFound(errors.POST_NOT_FOUND, _("No such post."))
    return post


def own_post_card(member, post_id) -> Post:
    """One of the member's posts in any state (drafts too), with what a card shows."""
    access_own_post(member, post_id)
    return _with_card_data(Post.objects.filter(pk=post_id)).get()


def posts_of_member(viewer, member) -> QuerySet[Post]:
    """The member's own posts (not reposts), as the viewer may see them."""
    return _with_card_data(
        visible_posts(viewer, Post.objects.filter(author=member, repost_of__isnull=True))
    )


def reposts_of_member(viewer, member) -> QuerySet[Post]:
    return _with_card_data(
        visible_posts(viewer, Post.objects.filter(author=member, repost_of__isnull=False))
    )


def posts_tagged(viewer, tag: str) -> QuerySet[Post]:
    """Posts carrying #tag (stored lower-case, without the '#'), as the viewer may see them."""
    tag = tag.lstrip("#").strip().lower()
    return _with_card_data(
        visible_posts(viewer, Post.objects.filter(tags__tag=tag), drop_muted=True)
    )


def posts_of_entity(viewer, entity: Entity) -> QuerySet[Post]:
    """Posts on an entity's page: approved targets on it (which include posts as it)."""
    on_entity = Post.objects.filter(
        Q(as_entity=entity) | Q(targets__entity=entity, targets__status=PostTarget.Status.APPROVED)
    ).distinct()
    # distinct() and keyset ordering don't mix with joins: narrow by ids instead.
    return _with_card_data(
        visible_posts(viewer, Post.objects.filter(pk__in=on_entity.values("pk")), drop_muted=True)
    )


def cards_prepare(viewer, posts: list[Post]) -> list[Post]:
    """Attach what a post card shows: the original's repost count, whether the viewer may see the
    original (a repost of a removed or hidden original says so)."""
    originals = {p.repost_of_id or p.pk for p in posts}
    counts = dict(
        Post.objects.filter(repost_of_id__in=originals, deleted_at__isnull=True)
        .values("repost_of_id")
        .annotate(n=Count("id"))
        .values_list("repost_of_id", "n")
    )
    repost_originals = {p.repost_of_id for p in posts if p.repost_of_id}
    visible_originals = (
        set(
            visible_posts(viewer, Post.objects.filter(pk__in=repost_originals)).values_list(
                "pk", flat=True
            )
        )
        if repost_originals
        else set()
    )
    viewer_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
    favorited = (
        set(
            Favorite.objects.filter(
                member_id=viewer_id, kind=Favorite.Kind.POST, ref_id__in=[p.pk for p in posts]
            ).values_list("ref_id", flat=True)
        )
        if viewer_id and posts
        else set()
    )
    for post in posts:
        post.favorited = post.pk in favorited  # one query for the whole page, not one per card
        post.repost_count = counts.get(post.repost_of_id or post.pk, 0)
        if post.repost_of_id:
            post.original_removed = post.repost_of.deleted_at is not None
            post.original_visible = post.repost_of_id in visible_originals
    return posts


def attribution_chain(post: Post) -> list[Post]:
    """[the post, the post it was reposted from, …, the original]. Always ends at the original."""
    chain = [post]
    current = post
    while current.reposted_from_id and len(chain) < CHAIN_MAX:
        current = Post.objects.select_related("author", "as_entity").get(
            pk=current.reposted_from_id
        )
        chain.append(current)
        if current.repost_of_id is None:
            break
    if post.repost_of_id and chain[-1].pk != post.repost_of_id:
        chain.append(Post.objects.select_related("author", "as_entity").get(pk=post.repost_of_id))
    return chain


def post_targets(post: Post) -> list[PostTarget]:
    return list(post.targets.select_related("entity", "via_edge").order_by("depth", "created_at"))


def post_targets_for(viewer, post: Post) -> list[PostTarget]:
    """The targets this viewer may see: all of them for the author (pending and rejected ones
    too), the approved ones for everyone else."""
    is_author = viewer is not None and getattr(viewer, "pk", None) == post.author_id
    return [t for t in post_targets(post) if is_author or t.status == PostTarget.Status.APPROVED]


def post_deletable_by(viewer, post: Post) -> bool:
    """The author, or an owner or manager of the entity it was posted as: the rule post_delete
    applies, and the one pages use to offer Delete."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.pk == post.author_id:
        return True
    return bool(post.as_entity_id) and entity_selectors.controls(viewer, post.as_entity_id)


def approval_queue(actor, entity: Entity) -> QuerySet[PostTarget]:
    """Pending targets on the entity, for its owners and managers (target.not_manager otherwise)."""
    require_manager(actor, entity)
    return (
        PostTarget.objects.filter(
            entity=entity,
            status=PostTarget.Status.PENDING,
            post__state=Post.State.PUBLISHED,
            post__deleted_at__isnull=True,
        )
        .select_related("post", "post__author", "post__as_entity")
        .prefetch_related("post__mentions", "post__media")
    )


def my_drafts(member) -> QuerySet[Post]:
    return Post.objects.filter(
        author=member, state=Post.State.DRAFT, deleted_at__isnull=True
    ).order_by("-updated_at")


def my_scheduled(member) -> QuerySet[Post]:
    return Post.objects.filter(
        author=member, state=Post.State.SCHEDULED, deleted_at__isnull=True
    ).order_by("publish_at")


def composer_entities(member) -> dict:
    """The composer's entity picker: entities I own or manage first (then those I edit, which I may
    post as but not approve on), then suggestions — live entities reached by accepted edges from
    mine, marked when an edge lets my posts cross without approval."""
    order = {EntityMember.Role.OWNER: 0, EntityMember.Role.MANAGER: 1, EntityMember.Role.EDITOR: 2}
    rows = EntityMember.objects.filter(
        member=member, entity__archived_at__isnull=True
    ).select_related("entity", "entity__kind")
    mine = sorted(
        ((r.entity, r.role) for r in rows if r.role in POSTING_ROLES),
        key=lambda pair: (order[pair[1]], pair[0].display_name.lower()),
    )
    managed_ids = [e.id for e, role in mine if role in MANAGING_ROLES]
    mine_ids = {e.id for e, _ in mine}
    suggestions: dict = {}
    edges = (
        Edge.objects.filter(
            source_id__in=managed_ids, status=Edge.Status.ACCEPTED, target__archived_at__isnull=True
        )
        .exclude(target_id__in=mine_ids)
        .select_related("target", "target__kind")
        .order_by("target__display_name")
    )
    for edge in edges:
        entry = suggestions.setdefault(edge.target_id, {"entity": edge.target, "crosspost": False})
        entry["crosspost"] = entry["crosspost"] or edge.allow_crosspost
    return {"mine": mine, "suggested": list(suggestions.values())}
