"""The counters: the `limits` moving-window strategy on Redis, with a per-process fallback.

Redis makes a limit shared by every web process; its Lua scripts make each hit atomic. The
moving window is exact (a sorted set of hit times per key): no burst of twice the quota across
a window boundary, as fixed windows allow, and no under-count as the sliding-window counter's
approximation allows. When Redis
is not configured, or stops answering (short socket timeouts, no retries), checks move to an
in-process `MemoryStorage` so requests are still served and still limited, per process. The
switch is a circuit: logged once when it opens, Redis tried again every
`RATELIMIT_REDIS_RETRY_SECONDS`, logged once when it closes. `/health` shows the state.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from yalls.core.ratelimit.profiles import Rule

log = logging.getLogger("yalls.core.ratelimit")

REDIS_ERRORS = (redis.RedisError, OSError, StorageError)
DEFAULT_RETRY_SECONDS = 30.0
DEFAULT_TIMEOUT_SECONDS = 0.25


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
    def __init__(
        self,
        *,
        redis_url: str,
        key_prefix: str,
        retry_seconds: float,
        timeout_seconds: float,
    ):
        self.redis_url = redis_url
        self.retry_seconds = retry_seconds
        self.key_prefix = key_prefix
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._redis: MovingWindowRateLimiter | None = None
        self._lock = threading.Lock()
        self._down_since: datetime | None = None
        self._down_reason = ""
        self._retry_at = 0.0
        self._items: dict[tuple[int, int], RateLimitItemPerSecond] = {}
        if redis_url:
            storage = RedisStorage(
                redis_url,
                key_prefix=key_prefix,
                socket_timeout=timeout_seconds,
                socket_connect_timeout=timeout_seconds,
                # A limiter that retries with backoff would hold every request hostage.
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
            )
            self._redis = MovingWindowRateLimiter(storage)
        else:
            log.warning(
                "ratelimit.fallback: REDIS_URL is not set; limits are counted per process",
                extra={"event": "ratelimit.fallback", "reason": "not configured"},
            )

    # --- circuit ------------------------------------------------------------------------------

    def _use_redis(self) -> bool:
        """Redis when it is healthy; while it is down, one request per retry interval tries it
        (the others stay on memory, so a hung Redis costs one timeout per interval, not one per
        request)."""
        if self._redis is None:
            return False
        if self._down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def _mark_down(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            if self._down_since is not None:
                return  # already reported: one log line per outage, not per request
            self._down_since = datetime.now(UTC)
            self._down_reason = exc.__class__.__name__
        log.warning(
            "ratelimit.fallback: Redis is not answering (%s); limits are counted per process "
            "until it is back (retried every %ss)",
            self._down_reason,
            self.retry_seconds,
            extra={"event": "ratelimit.fallback", "reason": self._down_reason},
        )

    def _mark_up(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            since = self._down_since
            self._down_since = None
            self._down_reason = ""
        log.warning(
            "ratelimit.restored: Redis answers again; limits are shared again (down since %s)",
            since.isoformat(),
            extra={"event": "ratelimit.restored"},
        )

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
        if self._use_redis():
            try:
                outcomes = self._apply(self._redis, checks)
            except REDIS_ERRORS as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                return outcomes
        return self._apply(self._memory, checks)

    def probe(self) -> None:
        """Try Redis now if the circuit is due for a retry (used by /health)."""
        if self._down_since is None or not self._use_redis():
            return
        try:
            ok = self._redis.storage.check()
        except REDIS_ERRORS as exc:  # check() normally swallows errors, but be sure
            self._mark_down(exc)
            return
        if ok:
            self._mark_up()
        else:
            self._mark_down(ConnectionError("ping failed"))

    def status(self) -> dict:
        if self._redis is None:
            return {
                "backend": "memory",
                "shared": False,
                "reason": "REDIS_URL not set: limits are counted per process",
            }
        if self._down_since is not None:
            return {
                "backend": "memory",
                "shared": False,
                "reason": f"Redis unreachable ({self._down_reason}): limits are counted per process",
                "since": self._down_since.isoformat(),
                "retry_in_seconds": max(0, round(self._retry_at - time.monotonic(), 1)),
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
                    retry_seconds=float(
                        _setting("RATELIMIT_REDIS_RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
                    ),
                    timeout_seconds=float(
                        _setting("RATELIMIT_REDIS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
                    ),
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
