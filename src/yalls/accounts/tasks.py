"""Jobs of the accounts domain."""

from yalls.accounts import services
from yalls.core.jobs import tick_time, yalls_periodic


@yalls_periodic(cron="17 3 * * *")
def refresh_tokens_prune(timestamp: int) -> int:
    return services.refresh_tokens_prune(now=tick_time(timestamp))


# --- Linked accounts --------------------------------------------------------------------------
from yalls.accounts.linked_accounts import services as linked_accounts  # noqa: E402
from yalls.core.jobs import yalls_task  # noqa: E402


@yalls_task(queue="default", retry=1)
def linked_account_verify(link_id: str) -> str:
    """Fetch a linked page and look for the rel="me" back-link. One attempt: a failure is
    recorded on the link (the member sees why and can ask for a re-check), not retried blindly."""
    return linked_accounts.linked_account_check(link_id=link_id)
