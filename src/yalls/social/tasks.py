"""Jobs of the social domain: publishing scheduled posts when their time comes, telling an author
about a rejected cross-post once the manager's undo window has passed, fetching link previews."""

from yalls.core.jobs import tick_time, yalls_periodic, yalls_task
from yalls.social.services import posts as post_services
from yalls.social.services import targets as target_services


@yalls_periodic(cron="* * * * *")
def posts_publish_scheduled(timestamp: int) -> int:
    """Every minute: publish what is due by the tick's time. Safe to run twice (the service flips
    a post only while it is still scheduled)."""
    return post_services.posts_publish_due(now=tick_time(timestamp))


@yalls_task(queue="default")
def target_rejection_announce(target_id: str, actor_id: str, reason: str = "") -> bool:
    """Deferred by target_decide with a delay; does nothing if the rejection was undone."""
    return target_services.target_rejection_announce(
        target_id=target_id, actor_id=actor_id, reason=reason
    )


@yalls_task(queue="default", retry=3)
def post_link_preview_fetch(post_id: str) -> bool:
    """Deferred when a published post's body names a web address: fetch its preview card."""
    return post_services.link_preview_fetch(post_id=post_id) is not None
