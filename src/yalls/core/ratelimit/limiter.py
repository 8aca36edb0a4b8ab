"""The counters: the `limits` moving-window strategy on Redis, with a per-process fallback.

Redis makes a limit shared by every web process; its Lua scripts make each hit atomic. The
moving window is exact (a sorted set of hit times per key): no burst of twice the quota across
a window boundary, as fixed windows allow, and no under-count as the sliding-window counter's
approximation allows. The Redis connection and its circuit breaker are the process's shared ones
(`yalls.core.redis`: short timeouts, no retries): while Redis is not configured or its circuit is
open, checks go to an in-process `MemoryStorage`, so requests are still served and still
limited, per process; when the circuit's probe succeeds, counting returns to Redis.
`/health` shows the state.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

from yalls.core import redis as shared_redis
from yalls.core.ratelimit.profiles import Rule

log = logging.getLogger("yalls.core.ratelimit")

REDIS_ERRORS = (*shared_redis.REDIS_ERRORS, StorageError)


@dataclass(frozen=True)
class Outcome:
    """One rule's verdict for one request."""

    rule: Rule
    allowed: bool
    remaining: int
    reset_seconds: int  # until at least one more request is allowed (>= 1 when exhausted)


def _setting(name: str, default):
    return getattr(settings, name, default)


class Limiter:
    def __init__(self, *, redis_url: str, key_prefix: str):
        self.redis_url = redis_url
        self.key_prefix = key_prefix
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: MovingWindowRateLimiter | None = None
        self._items: dict[tuple[int, int], RateLimitItemPerSecond] = {}
        if redis_url:
            # The shared client's pool: one set of sockets (and one timeout policy) per server.
            pool = shared_redis.client(redis_url).connection_pool
            storage = RedisStorage(redis_url, key_prefix=key_prefix, connection_pool=pool)
            self._redis = MovingWindowRateLimiter(storage)
        else:
            log.warning(
                "ratelimit.fallback: REDIS_URL is not set; limits are counted per process",
                extra={"event": "ratelimit.fallback", "reason": "not configured"},
            )

    @property
    def circuit(self) -> shared_redis.Circuit | None:
        return shared_redis.circuit(self.redis_url) if self._redis is not None else None

    # --- checks -------------------------------------------------------------------------------

    def _item(self, rule: Rule) -> RateLimitItemPerSecond:
        key = (rule.quota, rule.window_seconds)
        item = self._items.get(key)
        if item is None:
            item = RateLimitItemPerSecond(rule.quota, rule.window_seconds, namespace="rl")
            self._items[key] = item
        return item

    def _apply(self, strategy, checks: list[tuple[Rule, str]]) -> list[Outcome]:
        outcomes = []
        now = time.time()
        for rule, subject_key in checks:
            item = self._item(rule)
            allowed = strategy.hit(item, rule.policy, subject_key)
            stats = strategy.get_window_stats(item, rule.policy, subject_key)
            reset = max(0, math.ceil(stats.reset_time - now))
            if not allowed:
                reset = max(1, reset)
            outcomes.append(Outcome(rule, allowed, max(0, int(stats.remaining)), reset))
            if not allowed:
                break  # refused: later rules are not charged for a request that won't run
        return outcomes

    def check(self, checks: list[tuple[Rule, str]]) -> list[Outcome]:
        """Charge one request to each (rule, subject key); stop at the first refusal."""
        circuit = self.circuit
        if circuit is not None and circuit.allow():
            try:
                outcomes = self._apply(self._redis, checks)
            except REDIS_ERRORS as exc:
                circuit.failure(exc)
            else:
                circuit.success()
                return outcomes
        return self._apply(self._memory, checks)

    def probe(self) -> None:
        """Try Redis now if its circuit is open and due for a retry (used by /health)."""
        if self.circuit is not None and self.circuit.is_open:
            shared_redis.redis_available(self.redis_url)

    def status(self) -> dict:
        if self._redis is None:
            return {
                "backend": "memory",
                "shared": False,
                "reason": "REDIS_URL not set: limits are counted per process",
            }
        state = self.circuit.status()
        if state["circuit"] == "open":
            return {
                "backend": "memory",
                "shared": False,
                "reason": f"Redis unreachable ({state['reason']}): limits are counted per process",
                "since": state["since"],
                "retry_in_seconds": state["retry_in_seconds"],
            }
        return {"backend": "redis", "shared": True}


_limiter: Limiter | None = None
_build_lock = threading.Lock()


def limiter() -> Limiter:
    """The process-wide limiter, built from settings on first use (and after settings change)."""
    global _limiter
    current = _limiter
    if current is None:
        with _build_lock:
            if _limiter is None:
                _limiter = Limiter(
                    redis_url=_setting("RATELIMIT_REDIS_URL", settings.REDIS_URL),
                    key_prefix=_setting("RATELIMIT_KEY_PREFIX", "yalls-rl"),
                )
            current = _limiter
    return current


def reset() -> None:
    """Forget the limiter (settings changed): the next check builds a fresh one."""
    global _limiter
    with _build_lock:
        _limiter = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("RATELIMIT_") or setting == "REDIS_URL":
        reset()


def status() -> dict:
    """For /health: whether limits are enforced, and shared through Redis or per process."""
    if not _setting("RATELIMIT_ENABLED", True):
        return {"enabled": False}
    current = limiter()
    current.probe()
    return {"enabled": True, **current.status()}
