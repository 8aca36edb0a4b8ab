"""Failed sign-ins are slowed, then refused for a while, per account and per IP (web and API).

The one sign-in throttle (allauth's own `login`/`login_failed` limits are off, see settings and
docs/accounts.md). After `FREE_FAILURES` failures an attempt must wait 2^(n-FREE_FAILURES)
seconds after the previous failure (capped at a minute); after `LOCK_AFTER_ACCOUNT` failures on
one account, or `LOCK_AFTER_IP` from one IP, sign-in is refused for `LOCK_SECONDS`. Counters live
in Redis (the shared client and circuit of yalls.core.redis, so every process agrees) and expire
after `WINDOW_SECONDS`; while Redis is not configured or down, they are kept per process, so
sign-in keeps working (and keeps being throttled) through a Redis outage.
"""

import hashlib
import math
import threading
import time

from django.conf import settings
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.core import redis as shared_redis
from yalls.core.errors import TooManyRequests

FREE_FAILURES = 3
MAX_DELAY_SECONDS = 60
LOCK_AFTER_ACCOUNT = 10
LOCK_AFTER_IP = 30
LOCK_SECONDS = 15 * 60
WINDOW_SECONDS = 15 * 60


TTL_SECONDS = max(WINDOW_SECONDS, LOCK_SECONDS)
# The per-process fallback forgets its oldest entries beyond this (an attacker spraying
# addresses during an outage must not grow it without bound).
FALLBACK_MAX_KEYS = 50_000


def _digest(value: str) -> str:
    # Keys name no email and no IP: both are hashed (Redis is not where personal data lives).
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    account = _digest((email or "").strip().lower())
    return [
        (f"signin:acct:{account}", LOCK_AFTER_ACCOUNT),
        (f"signin:ip:{_digest(ip or '')}", LOCK_AFTER_IP),
    ]


def _redis_key(key: str) -> str:
    # The cache's prefix: test runs sharing one Redis each get their own (and clear it).
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "yalls"
    return f"{prefix}:{key}"


class _ProcessCounters:
    """Failure counters of this process: used while Redis is away, and consulted always so a
    lock earned during an outage still holds when Redis comes back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, tuple[int, float, float]] = {}  # failures, last, expires

    def get(self, key: str, now: float) -> dict | None:
        state = self._states.get(key)
        if state is None or state[2] <= now:
            return None
        return {"failures": state[0], "last": state[1]}

    def add_failure(self, key: str, now: float) -> None:
        with self._lock:
            current = self.get(key, now)
            failures = (current["failures"] if current else 0) + 1
            self._states.pop(key, None)  # re-insert: dict order is the eviction order
            self._states[key] = (failures, now, now + TTL_SECONDS)
            while len(self._states) > FALLBACK_MAX_KEYS:
                self._states.pop(next(iter(self._states)))

    def delete(self, key: str) -> None:
        with self._lock:
            self._states.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()


_fallback = _ProcessCounters()


def _redis_states(keys: list[str]) -> list[dict | None]:
    """Each key's shared state, or raise RedisUnavailable."""
    with shared_redis.using() as r:
        pipe = r.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(_redis_key(key), "failures", "last")
        rows = pipe.execute()
    return [
        {"failures": int(failures), "last": float(last)} if failures is not None else None
        for failures, last in rows
    ]


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
    keys = _keys(email, ip)
    try:
        shared = _redis_states([key for key, _ in keys])
    except shared_redis.RedisUnavailable:
        shared = [None] * len(keys)
    wait = 0.0
    for (key, lock_after), state in zip(keys, shared, strict=True):
        for candidate in (state, _fallback.get(key, now)):
            wait = max(wait, _wait_seconds(candidate, lock_after, now))
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
    keys = [key for key, _ in _keys(email, ip)]
    try:
        with shared_redis.using() as r:
            pipe = r.pipeline(transaction=True)  # MULTI: the count and its time move together
            for key in keys:
                pipe.hincrby(_redis_key(key), "failures", 1)
                pipe.hset(_redis_key(key), "last", repr(now))
                pipe.expire(_redis_key(key), TTL_SECONDS)
            pipe.execute()
            return
    except shared_redis.RedisUnavailable:
        pass
    for key in keys:
        _fallback.add_failure(key, now)


def signin_succeeded(*, email: str, ip: str) -> None:
    # Only the account counter resets: an attacker's own successful sign-ins must not clear the IP's.
    account_key = _keys(email, ip)[0][0]
    _fallback.delete(account_key)
    try:
        with shared_redis.using() as r:
            r.delete(_redis_key(account_key))
    except shared_redis.RedisUnavailable:
        pass


def reset_fallback() -> None:
    """Forget this process's counters (tests)."""
    _fallback.clear()
