"""Row-level security of social: public posts readable by all; drafts and scheduled posts only by
their author and the entity's managers; every write only by the row's owner."""

from yalls.core.rls import UID, Policies, owned, protect

_POST_WRITER = f"author_id = {UID} OR app.manages_entity(as_entity_id)"
# Child rows follow their post: the subquery runs under social_post's own read policy.
_POST_VISIBLE = "EXISTS (SELECT 1 FROM social_post p WHERE p.id = post_id)"
_POST_WRITABLE = "app.may_write_post(post_id)"


def _post_child(table: str, why: str) -> Policies:
    return Policies(
        table,
        read=_POST_VISIBLE,
        insert=_POST_WRITABLE,
        update=_POST_WRITABLE,
        delete=_POST_WRITABLE,
        why=why,
    )


protect(
    Policies(
        "social_post",
        read=f"state = 'published' OR {_POST_WRITER}",
        insert=f"author_id = {UID}",
        update=_POST_WRITER,
        delete=_POST_WRITER,
        why="posts; drafts and scheduled posts private to their author and the entity's managers",
    ),
    _post_child("social_postrevision", "a post's earlier bodies"),
    _post_child("social_postmedia", "a post's images"),
    _post_child("social_postmention", "who a post mentions"),
    _post_child("social_posttag", "a post's tags"),
    _post_child("social_postlinkpreview", "the card of a post's first web address"),
    Policies(
        "social_posttarget",
        read=_POST_VISIBLE,
        insert=_POST_WRITABLE,
        update=f"{_POST_WRITABLE} OR app.manages_entity(entity_id)",
        delete=f"{_POST_WRITABLE} OR app.manages_entity(entity_id)",
        why="where a post appears; the target entity's managers approve or reject",
    ),
    owned("social_favorite", "member_id", public_read=True, why="favorites are public"),
    owned("social_pin", "member_id", public_read=True, why="the profile pin board"),
    owned("social_follow", "follower_id", public_read=True, why="follower lists are public"),
    Policies(
        "social_block",
        read=f"blocker_id = {UID} OR blocked_id = {UID}",
        insert=f"blocker_id = {UID}",
        delete=f"blocker_id = {UID}",
        why="both parties see a block (it works both ways); only the blocker lifts it",
    ),
    owned("social_mute", "muter_id", why="private"),
    owned("social_hide", "member_id", why="private"),
)
