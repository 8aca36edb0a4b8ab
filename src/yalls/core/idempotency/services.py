"""Claiming, completing and pruning idempotency keys.

A key is claimed and completed inside the *same* transaction as the write it protects (the
middleware opens it around the whole request): the stored response commits with the write or
not at all, so a crash between the two can neither lose the result nor let a retry write twice.
A concurrent duplicate's insert of the same `scope` waits on the first transaction (PostgreSQL's
unique-index wait), then finds the completed row and replays it, or takes the key if the first
rolled back. An abandoned claim needs no lease: its transaction dies with its connection.
"""

from dataclasses import dataclass
from datetime import timedelta

import psycopg
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from yalls.core.idempotency.models import IdempotencyKey

TTL = timedelta(hours=24)
PRUNE_BATCH = 5000
# A duplicate retries its claim a few times when the row it waited for vanished (rolled back or
# expired) before settling: each round either takes the key or sees the winner's committed row.
CLAIM_ROUNDS = 5


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key: "owned" (run the handler), "replay", "mismatch" (the key
    was used for another request) or "in_progress" (the first is still running)."""

    outcome: str
    record: IdempotencyKey | None = None


def _lock_wait_timed_out(exc: OperationalError) -> bool:
    return isinstance(exc.__cause__, psycopg.errors.LockNotAvailable)


def _set_lock_timeout(value: str) -> str:
    """Set this transaction's lock_timeout, returning the previous value."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [value],
        )
        return cursor.fetchone()[0]


def _insert(
    *, scope, member_id, key, route, method, path, fingerprint, now
) -> IdempotencyKey | None:
    try:
        with transaction.atomic():  # a savepoint: a conflict leaves the request transaction usable
            return IdempotencyKey.objects.create(
                scope=scope,
                member_id=member_id,
                key=key,
                route=route,
                method=method,
                path=path,
                fingerprint=fingerprint,
                created_at=now,
                locked_at=now,
                expires_at=now + TTL,
            )
    except IntegrityError:
        return None  # someone committed this scope already


def _locked(scope: str) -> IdempotencyKey | None:
    with transaction.atomic():
        return IdempotencyKey.objects.select_for_update().filter(scope=scope).first()


def idempotency_key_claim(
    *,
    scope: str,
    member_id,
    key: str,
    route: str,
    method: str,
    path: str,
    fingerprint: str,
    wait_seconds: float,
    now=None,
) -> Claim:
    """Take the key for this request, or say why not. Must run inside the request's transaction
    (the claim is that transaction's uncommitted row). A duplicate that arrives while the first
    is running waits up to `wait_seconds` for it to commit, then replays its response."""
    if not connection.in_atomic_block:
        raise RuntimeError("idempotency_key_claim must run inside the write's transaction")
    now = now or timezone.now()
    previous = _set_lock_timeout(f"{max(1, int(wait_seconds * 1000))}ms")
    try:
        for _ in range(CLAIM_ROUNDS):
            record = _insert(
                scope=scope,
                member_id=member_id,
                key=key,
                route=route,
                method=method,
                path=path,
                fingerprint=fingerprint,
                now=now,
            )
            if record is not None:
                return Claim("owned", record)
            existing = _locked(scope)
            if existing is None:
                continue  # pruned between our insert and our read: try again
            if existing.expires_at <= now:
                existing.delete()  # expired but not pruned yet: it no longer counts
                continue
            if existing.fingerprint != fingerprint:
                return Claim("mismatch", existing)
            if existing.state == IdempotencyKey.State.COMPLETED:
                return Claim("replay", existing)
            # A committed in-progress row predates same-transaction claims: its request is gone.
            existing.locked_at = now
            existing.save(update_fields=["locked_at"])
            return Claim("owned", existing)
        return Claim("in_progress", None)
    except OperationalError as exc:
        if _lock_wait_timed_out(exc):
            return Claim("in_progress", None)
        raise
    finally:
        if not connection.needs_rollback:
            _set_lock_timeout(previous)


def idempotency_key_complete(
    *, record: IdempotencyKey, status: int, headers: list[list[str]], body: bytes, now=None
) -> None:
    """Store the response the key's first request got, for replay: in the same transaction as
    the write, so both commit or neither does."""
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=status,
        response_headers=headers,
        response_body=body,
        completed_at=now or timezone.now(),
    )


def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget a key whose response can't be stored (a streamed body): a retry runs again."""
    IdempotencyKey.objects.filter(pk=record.pk).delete()


def idempotency_keys_prune(*, now=None) -> int:
    """Delete expired keys, in batches so a backlog never holds a long lock."""
    now = now or timezone.now()
    deleted = 0
    while True:
        batch = list(
            IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[
                :PRUNE_BATCH
            ]
        )
        if not batch:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]
