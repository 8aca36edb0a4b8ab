"""Reading flags: every flag for a subject at once (cached), the one-flag helpers, the readout.

Cache layout (Django's cache: Redis when REDIS_URL is set):
  flags:version           a counter; `flag_version_bump()` increments it after every committed change
  flags:snapshot:<v>      every flag definition as of version v, kept ~60 s
A process also keeps the last snapshot it loaded, keyed by version, so a warm evaluation costs one
cache read (the version) and no unpickling. If the cache or the database can't be reached,
`flags_for` serves FLAG_DEFAULTS instead of failing the request.
"""

import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from yalls.core.db_context import system_context
from yalls.core.errors import Forbidden, NotFound
from yalls.core.flags import errors
from yalls.core.flags.defaults import FLAG_DEFAULTS
from yalls.core.flags.evaluation import FlagState, Subject, control_variant, flag_evaluate
from yalls.core.flags.models import ExperimentConversion, ExperimentExposure, Flag
from yalls.core.flags.statistics import difference_interval, wilson_interval

log = logging.getLogger(__name__)

VERSION_KEY = "flags:version"
SNAPSHOT_KEY = "flags:snapshot:{}"
SNAPSHOT_TTL_SECONDS = 60
ANONYMOUS_ID_HEADER = "X-Anonymous-Id"
ANONYMOUS_ID_COOKIE = "yalls_aid"
ANONYMOUS_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
SNAPSHOT_FIELDS = (
    "key",
    "enabled",
    "kill_switch",
    "rollout_bp",
    "bucketing",
    "environments",
    "roles",
    "tiers",
    "cohorts",
    "allow_list",
    "deny_list",
    "variants",
    "payload",
)


class FlagStoreUnavailable(Exception):
    """The cache or the database did not answer; callers fall back to FLAG_DEFAULTS."""


_memo_lock = threading.Lock()
_memo: tuple[object, float, tuple[dict, ...]] | None = None  # (version, expires_at, snapshot)


def _version() -> object:
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            # Start from the clock, not 0: after an eviction a reused number could name an old
            # snapshot still in the cache.
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as exc:  # any cache backend error (redis ConnectionError, TimeoutError...)
        raise FlagStoreUnavailable(f"cache: {exc}") from exc
    return version


def flag_version_bump() -> None:
    """Invalidate every cached snapshot (called by the services after a change commits)."""
    global _memo
    with _memo_lock:
        _memo = None
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no counter yet (or evicted): a fresh one is a new version too
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        # Readers can't reach the cache either and serve defaults; snapshots expire within 60 s.
        log.warning("flags: could not bump the cache version", exc_info=True)


def _snapshot_load() -> tuple[dict, ...]:
    try:
        # A savepoint: a failing query must not poison the request's transaction.
        with transaction.atomic():
            rows = list(Flag.objects.order_by("key").values(*SNAPSHOT_FIELDS))
    except DatabaseError as exc:
        raise FlagStoreUnavailable(f"database: {exc}") from exc
    for row in rows:
        row["allow_list"] = frozenset(row["allow_list"])
        row["deny_list"] = frozenset(row["deny_list"])
    return tuple(rows)


def flag_snapshot() -> tuple[dict, ...]:
    """Every flag definition, from the process memo, the cache, or the database (in that order)."""
    global _memo
    version = _version()
    now = time.monotonic()
    memo = _memo
    if memo is not None and memo[0] == version and memo[1] > now:
        return memo[2]
    key = SNAPSHOT_KEY.format(version)
    try:
        snapshot = cache.get(key)
    except Exception as exc:
        raise FlagStoreUnavailable(f"cache: {exc}") from exc
    if snapshot is None:
        snapshot = _snapshot_load()
        try:
            cache.set(key, snapshot, SNAPSHOT_TTL_SECONDS)
        except Exception as exc:
            raise FlagStoreUnavailable(f"cache: {exc}") from exc
    with _memo_lock:
        _memo = (version, now + SNAPSHOT_TTL_SECONDS, snapshot)
    return snapshot


def _defaults() -> dict[str, FlagState]:
    return {key: FlagState(on, reason="default") for key, on in FLAG_DEFAULTS.items()}


def flags_for(member=None, *, anonymous_id: str | None = None) -> dict[str, FlagState]:
    """Every flag evaluated for a member (or an anonymous visitor's id); never raises because the
    flag store is down: then the code defaults are served."""
    try:
        snapshot = flag_snapshot()
    except FlagStoreUnavailable as exc:
        log.warning("flags: store unavailable, serving code defaults (%s)", exc)
        return _defaults()
    subject = Subject.of(member, anonymous_id=anonymous_id)
    environment = settings.YALLS_ENV
    return {flag["key"]: flag_evaluate(flag, subject, environment=environment) for flag in snapshot}


def _state(key: str, member, anonymous_id: str | None) -> FlagState:
    state = flags_for(member, anonymous_id=anonymous_id).get(key)
    return (
        state if state is not None else FlagState(FLAG_DEFAULTS.get(key, False), reason="unknown")
    )


def flag_enabled(key: str, member=None, *, anonymous_id: str | None = None) -> bool:
    """Is this flag on for this member? An unknown key is its code default (or off)."""
    return _state(key, member, anonymous_id).enabled


def flag_variant(key: str, member=None, *, anonymous_id: str | None = None) -> str | None:
    """The experiment variant this member gets, or None when the flag is off for them."""
    return _state(key, member, anonymous_id).variant


def request_anonymous_id(request) -> str | None:
    """The id that keeps an anonymous visitor's buckets stable: an `X-Anonymous-Id` header (apps),
    the `yalls_aid` cookie (set by GET /api/v1/flags), else the session key; None without any."""
    header = request.headers.get(ANONYMOUS_ID_HEADER, "")
    if ANONYMOUS_ID_PATTERN.fullmatch(header):
        return header
    cookie = request.COOKIES.get(ANONYMOUS_ID_COOKIE, "")
    if ANONYMOUS_ID_PATTERN.fullmatch(cookie):
        return cookie
    session = getattr(request, "session", None)
    return getattr(session, "session_key", None) or None


def flags_for_request(request) -> dict[str, FlagState]:
    """flags_for the request's member (or anonymous visitor), computed once per request."""
    cached = getattr(request, "_yalls_flags", None)
    if cached is None:
        user = getattr(request, "user", None)
        anonymous_id = None
        if user is None or not user.is_authenticated:
            anonymous_id = request_anonymous_id(request)
        cached = flags_for(user, anonymous_id=anonymous_id)
        request._yalls_flags = cached
    return cached


# --- Ops ----------------------------------------------------------------------------------------


def _require_staff(actor) -> None:
    if not getattr(actor, "is_staff", False):
        raise Forbidden(errors.NOT_ALLOWED, _("Only staff can see and change flags."))


def flag_list(*, actor) -> list[Flag]:
    _require_staff(actor)
    return list(Flag.objects.order_by("key"))


def access_flag(*, actor, key: str) -> Flag:
    _require_staff(actor)
    flag = Flag.objects.filter(key=key).first()
    if flag is None:
        raise NotFound(errors.NOT_FOUND, _("There is no flag called “%(key)s”.") % {"key": key})
    return flag


@system_context()
def experiment_readout(*, actor, key: str, event: str | None = None) -> dict:
    """Exposures, conversions and conversion rate (95 % Wilson interval) per variant, and each
    variant's difference from the control (95 % Newcombe interval), for one conversion event."""
    flag = access_flag(actor=actor, key=key)
    events = list(
        ExperimentConversion.objects.filter(flag=flag)
        .order_by("event")
        .values_list("event", flat=True)
        .distinct()
    )
    if event is None or event not in events:
        event = events[0] if events else None
    exposures = _counts(ExperimentExposure.objects.filter(flag=flag))
    conversions = (
        _counts(ExperimentConversion.objects.filter(flag=flag, event=event)) if event else {}
    )
    declared = [v["key"] for v in flag.variants]
    # Variants removed since their exposures still show: the data is real.
    names = declared + sorted(set(exposures) - set(declared))
    control = control_variant(flag.variants)["key"] if flag.variants else None
    control_n = exposures.get(control, 0)
    control_x = conversions.get(control, 0)
    rows = []
    for name in names:
        n = exposures.get(name, 0)
        x = min(conversions.get(name, 0), n)
        rows.append(
            {
                "variant": name,
                "is_control": name == control,
                "exposures": n,
                "conversions": x,
                "rate": wilson_interval(x, n),
                "difference": None
                if name == control
                else difference_interval(x, n, min(control_x, control_n), control_n),
            }
        )
    return {
        "flag": flag,
        "event": event,
        "events": events,
        "control": control,
        "rows": rows,
        "total_exposures": sum(exposures.values()),
    }


def _counts(queryset) -> dict[str, int]:
    return dict(
        queryset.order_by().values("variant").annotate(n=Count("id")).values_list("variant", "n")
    )
