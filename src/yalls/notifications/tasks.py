"""Notification jobs: bulk fan-out, emails, the quiet-hours release (every minute) and the digest
(every 15 minutes). Each takes ids, loads fresh state and is safe to run twice; the work is in
`notifications.services`."""

from yalls.core.jobs import tick_time, yalls_periodic, yalls_task
from yalls.notifications import services


@yalls_task(queue="notifications")
def notifications_bulk_deliver(
    *,
    recipient_ids: list[str],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    payload: dict | None = None,
    dedupe_key: str = "",
    priority: int | None = None,
    category: str | None = None,
    actor_id: str | None = None,
) -> int:
    # Run twice (worker died after commit): with a dedupe key the second run writes nothing.
    return services.notify_many(
        recipient_ids=recipient_ids, kind=kind, title=title, body=body, link=link,
        payload=payload, dedupe_key=dedupe_key, priority=priority, category=category,
        actor_id=actor_id,
    )  # fmt: skip


@yalls_task(queue="notifications")
def notifications_email_send(*, notification_ids: list[str]) -> int:
    return sum(services.notification_email_deliver(notification_id=i) for i in notification_ids)


@yalls_periodic(cron="* * * * *")
def notifications_quiet_release(timestamp: int) -> int:
    return len(services.quiet_holds_release(now=tick_time(timestamp)))


@yalls_periodic(cron="*/15 * * * *")
def notifications_digest_schedule(timestamp: int) -> int:
    return services.digests_schedule(now=tick_time(timestamp))


@yalls_task(queue="notifications")
def notifications_digest_send(*, digest_run_id: int) -> bool:
    return services.digest_deliver(digest_run_id=digest_run_id)
