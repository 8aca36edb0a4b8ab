"""Failed sign-ins are slowed, then refused for a while, per account and per IP (web and API).

After `FREE_FAILURES` failures an attempt must wait 2^(n-FREE_FAILURES) seconds after the previous
failure (capped at a minute); after `LOCK_AFTER_ACCOUNT` failures on one account, or
`LOCK_AFTER_IP` from one IP, sign-in is refused for `LOCK_SECONDS`. Counters live in the cache
(Redis when configured, so every process agrees) and expire after `WINDOW_SECONDS`.
"""

import hashlib
import math
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.core.errors import TooManyRequests

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 60
LOCK_AFTER_ACCOUNT = 10
LOCK_AFTER_IP = 30
LOCK_SECONDS = 15 * 60
WINDOW_SECONDS = 15 * 60


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    account = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    return [(f"signin:acct:{account}", LOCK_AFTER_ACCOUNT), (f"signin:ip:{ip}", LOCK_AFTER_IP)]


def _wait_seconds(state: dict | None, lock_after: int, now: float) -> float:
    if not state:
        return 0
    failures, last = state["failures"], state["last"]
    if failures >= lock_after:
        return last + LOCK_SECONDS - now
    if failures >= FREE_FAILURES:
        delay = min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
        return last + delay - now
    return 0


def signin_check(*, email: str, ip: str) -> None:
    """Raise auth.too_many_attempts (with retry_after) when this attempt must wait."""
    now = time.time()
    wait = 0.0
    for key, lock_after in _keys(email, ip):
        wait = max(wait, _wait_seconds(cache.get(key), lock_after, now))
    if wait > 0:
        seconds = math.ceil(wait)
        raise TooManyRequests(
            errors.TOO_MANY_ATTEMPTS,
            _("Too many failed sign-in attempts. Try again in %(seconds)s seconds.")
            % {"seconds": seconds},
            retry_after=seconds,
        )


def signin_failed(*, email: str, ip: str) -> None:
    now = time.time()
    for key, _scope in _keys(email, ip):
        state = cache.get(key) or {"failures": 0, "last": now}
        state = {"failures": state["failures"] + 1, "last": now}
        cache.set(key, state, timeout=max(WINDOW_SECONDS, LOCK_SECONDS))


def signin_succeeded(*, email: str, ip: str) -> None:
    # Only the account counter resets: an attacker's own successful sign-ins must not clear the IP's.
    account_key = _keys(email, ip)[0][0]
    cache.delete(account_key)
