"""Jobs of the idempotency keys: expired keys (older than 24 h) are deleted every hour."""

from yalls.core.idempotency import services
from yalls.core.jobs import tick_time, yalls_periodic


@yalls_periodic(cron="23 * * * *")
def idempotency_keys_prune(timestamp: int) -> int:
    return services.idempotency_keys_prune(now=tick_time(timestamp))
