"""GET /health: database round-trip, Redis state, pending migrations, version."""

import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from yalls.core import ratelimit
from yalls.core import redis as shared_redis

_MIGRATIONS_CACHE: dict[str, object] = {"checked_at": 0.0, "pending": None}
_MIGRATIONS_TTL_SECONDS = 30


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def _redis() -> dict:
    return shared_redis.redis_status()


def _pending_migrations() -> list[str] | None:
    now = time.monotonic()
    if now - float(_MIGRATIONS_CACHE["checked_at"]) > _MIGRATIONS_TTL_SECONDS:
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            _MIGRATIONS_CACHE["pending"] = [f"{m.app_label}.{m.name}" for m, _ in plan]
        except Exception:
            return None
        _MIGRATIONS_CACHE["checked_at"] = now
    return _MIGRATIONS_CACHE["pending"]  # type: ignore[return-value]


def _jobs(database_ok: bool) -> dict | None:
    """Queue depth and dead letters (docs/runbooks/jobs.md); None when the database is down."""
    if not database_ok:
        return None
    try:
        from yalls.core.ops.selectors import jobs_health

        return jobs_health()
    except Exception as exc:
        return {"error": exc.__class__.__name__}


@transaction.non_atomic_requests  # must answer (503) even when a transaction can't be opened
@require_GET
def health(request):
    database = _database()
    pending = _pending_migrations() if database["ok"] else None
    redis_state = _redis()
    if not database["ok"]:
        status = "unavailable"
    elif redis_state["status"] == "unreachable":
        # Still serving: rate limits, the sign-in throttle and metrics count per process.
        status = "degraded"
    else:
        status = "ok"
    body = {
        "ok": database["ok"],
        "status": status,
        "version": settings.VERSION,
        "environment": settings.YALLS_ENV,
        "database": database,
        "redis": redis_state,
        "ratelimit": ratelimit.status(),
        "jobs": _jobs(database["ok"]),
        "migrations": {
            "pending": pending,
            "up_to_date": pending == [] if pending is not None else None,
        },
    }
    response = JsonResponse(body, status=200 if database["ok"] else 503)
    response["Cache-Control"] = "no-store"
    return response
