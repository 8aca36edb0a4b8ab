"""Jobs of the accounts domain."""

from yalls.accounts import services
from yalls.core.jobs import app


@app.periodic(cron="17 3 * * *")
@app.task(queue="maintenance", queueing_lock="refresh_tokens_prune")
def refresh_tokens_prune(timestamp: int) -> int:
    return services.refresh_tokens_prune()
