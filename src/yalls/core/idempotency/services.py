"""Claiming, completing, releasing and pruning idempotency keys.

Every function here commits on its own (autocommit outside the request transaction): a claim
must be visible to concurrent duplicates *before* the handler's transaction starts, and the
response must be stored after that transaction has committed.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from yalls.core.idempotency.models import IdempotencyKey

TTL = timedelta(hours=24)
# A claim older than this is treated as abandoned (its process died mid-request).
LEASE = timedelta(minutes=5)
PRUNE_BATCH = 5000


@dataclass(frozen=True)
class Claim:
    """The outcome of presenting a key: "owned" (run the handler), "replay", "mismatch" (the key
    was used for another request) or "in_progress" (the first is still running)."""

    outcome: str
    record: IdempotencyKey | None = None


def _insert(
    *, scope, member_id, key, route, method, path, fingerprint, now
) -> IdempotencyKey | None:
    try:
        with transaction.atomic():
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
        return None  # someone holds this scope already


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
) -> Claim:
    """Take the key for this request, or say why not. A duplicate that arrives while the first is
    running polls for up to `wait_seconds` and then replays the first's response."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.02
    while True:
        now = timezone.now()
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
        existing = IdempotencyKey.objects.filter(scope=scope).first()
        if existing is None:
            continue  # released or pruned between our insert and our read: try again
        if existing.expires_at <= now:
            # Expired but not pruned yet: it no longer counts.
            IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            return Claim("mismatch", existing)
        if existing.state == IdempotencyKey.State.COMPLETED:
            return Claim("replay", existing)
        if existing.locked_at <= now - LEASE:
            taken = IdempotencyKey.objects.filter(
                pk=existing.pk,
                state=IdempotencyKey.State.IN_PROGRESS,
                locked_at=existing.locked_at,
            ).update(locked_at=now)
            if taken:
                existing.locked_at = now
                return Claim("owned", existing)
            continue
        if time.monotonic() >= deadline:
            return Claim("in_progress", existing)
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 1.5, 0.25)


def idempotency_key_complete(
    *, record: IdempotencyKey, status: int, headers: list[list[str]], body: bytes
) -> None:
    """Store the response the key's first request got, for replay."""
    IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyKey.State.IN_PROGRESS).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=status,
        response_headers=headers,
        response_body=body,
        completed_at=timezone.now(),
    )


def idempotency_key_release(*, record: IdempotencyKey) -> None:
    """Forget a key whose request failed on our side (5xx): a retry with it runs again."""
    IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyKey.State.IN_PROGRESS).delete()


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
