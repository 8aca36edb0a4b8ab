"""Who may see a post. Every read of posts goes through `visible_posts` or `can_see_post`.

A viewer sees a published, undeleted post when it is theirs, or it is public, or it is for
followers and they follow its author (or the entity it was posted as), or it is for followers or
entity members and they belong to the entity it was posted as or to an entity it appears on
(an approved target). Blocks hide everything both ways. Drafts and scheduled posts are the
author's alone.

Lists also leave out what the viewer hid (the post, and reposts of it) and, in lists that mix
authors (an entity's page, a #tag, feeds), what they muted: a muted member's posts and posts as a
muted entity. Opening one post (`can_see_post`) ignores hides and mutes: the viewer asked for it.
"""

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from yalls.social.models import Follow, Hide, Mute, Post, PostMedia, PostTarget
from yalls.social.selectors.relations import blocked_ids


def visible_posts(
    viewer,
    qs: QuerySet[Post] | None = None,
    *,
    drop_muted: bool = False,
    drop_hidden: bool = True,
) -> QuerySet[Post]:
    """`qs` narrowed to the published posts this viewer (a member, or None/anonymous) may see in a
    list: without the posts they hid (or reposts of them), and with `drop_muted` without what they
    muted. `drop_hidden=False` is for resolving what a member refers to (their hides page must
    still name the posts they hid)."""
    qs = _visible(viewer, qs)
    viewer_id = getattr(viewer, "pk", None) if getattr(viewer, "is_authenticated", False) else None
    if not viewer_id or not drop_hidden:
        return qs
    hidden = Hide.objects.filter(member_id=viewer_id, kind=Hide.Kind.POST).values("ref_id")
    qs = qs.exclude(pk__in=hidden).exclude(repost_of_id__in=hidden)
    if drop_muted:
        muted = Mute.objects.filter(muter_id=viewer_id)
        qs = qs.exclude(
            author_id__in=muted.filter(target_kind=Follow.TargetKind.MEMBER).values("target_id")
        ).exclude(
            as_entity_id__in=muted.filter(target_kind=Follow.TargetKind.ENTITY).values("target_id")
        )
    return qs


def _visible(viewer, qs: QuerySet[Post] | None) -> QuerySet[Post]:
    """The rule itself: published posts this viewer may see, hides and mutes aside."""
    qs = Post.objects.all() if qs is None else qs
    qs = qs.filter(deleted_at__isnull=True, state=Post.State.PUBLISHED)
    public = Q(visibility=Post.Visibility.PUBLIC)
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return qs.filter(public)
    from yalls.entities.models import EntityMember

    my_entities = EntityMember.objects.filter(member_id=viewer.pk).values("entity_id")
    followed_members = Follow.objects.filter(
        follower_id=viewer.pk, target_kind=Follow.TargetKind.MEMBER
    ).values("target_id")
    followed_entities = Follow.objects.filter(
        follower_id=viewer.pk, target_kind=Follow.TargetKind.ENTITY
    ).values("target_id")
    on_my_entities = Exists(
        PostTarget.objects.filter(
            post_id=OuterRef("pk"),
            status=PostTarget.Status.APPROVED,
            entity_id__in=my_entities,
        )
    )
    restricted = Q(visibility__in=[Post.Visibility.FOLLOWERS, Post.Visibility.MEMBERS])
    followers = Q(visibility=Post.Visibility.FOLLOWERS) & (
        Q(author_id__in=followed_members) | Q(as_entity_id__in=followed_entities)
    )
    visible = (
        public
        | Q(author_id=viewer.pk)
        | followers
        | (restricted & Q(as_entity_id__in=my_entities))
        | (restricted & on_my_entities)
    )
    qs = qs.filter(visible)
    blocked = blocked_ids(viewer.pk)
    if blocked:
        qs = qs.exclude(author_id__in=blocked)
    return qs


def can_see_post(viewer, post: Post) -> bool:
    """Whether the viewer may see this post (drafts and scheduled posts: only their author)."""
    if post.deleted_at is not None:
        return False
    if post.state != Post.State.PUBLISHED:
        return bool(viewer is not None and getattr(viewer, "pk", None) == post.author_id)
    if post.visibility == Post.Visibility.PUBLIC and (
        viewer is None or not getattr(viewer, "is_authenticated", False)
    ):
        return True
    return _visible(viewer, Post.objects.filter(pk=post.pk)).exists()


def post_media_file_visible(viewer, name: str) -> bool:
    """Whether the viewer may fetch a stored media file (`posts/<post id>/<file>`, the private
    storage's access rule): exactly when they may see the post it belongs to, so a draft's images
    are its author's alone and a public post's are everyone's."""
    parts = name.split("/")
    if len(parts) != 3:
        return False
    try:
        post_id = uuid.UUID(parts[1])
    except ValueError:
        return False
    media = (
        PostMedia.objects.filter(post_id=post_id)
        .filter(Q(file=name) | Q(thumbnail=name))
        .select_related("post")
        .first()
    )
    return media is not None and can_see_post(viewer, media.post)
