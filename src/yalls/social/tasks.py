"""Jobs of the social domain: publishing scheduled posts when their time comes."""

from yalls.core.jobs import tick_time, yalls_periodic
from yalls.social.services import posts as post_services


@yalls_periodic(cron="* * * * *")
def posts_publish_scheduled(timestamp: int) -> int:
    """Every minute: publish what is due by the tick's time. Safe to run twice (the service flips
    a post only while it is still scheduled)."""
    return post_services.posts_publish_due(now=tick_time(timestamp))
