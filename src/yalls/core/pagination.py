"""Keyset pagination on (created_at, id) with opaque cursors; never OFFSET."""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yalls.core.errors import DomainError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(created_at: datetime, pk) -> str:
    raw = json.dumps([created_at.isoformat(), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created), pk
    except (ValueError, TypeError, json.JSONDecodeError) as exc:
        raise DomainError(
            "pagination.bad_cursor", _("That cursor is not valid."), field="cursor"
        ) from exc


def paginate(queryset: QuerySet, *, cursor: str | None, limit: int | None) -> Page:
    """Newest first. `queryset` must expose `created_at` and `id`."""
    size = max(1, min(limit or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))
    qs = queryset.order_by("-created_at", "-id")
    if cursor:
        created_at, raw_pk = decode_cursor(cursor)
        try:
            pk = queryset.model._meta.pk.to_python(raw_pk)
        except ValidationError as exc:
            raise DomainError(
                "pagination.bad_cursor", _("That cursor is not valid."), field="cursor"
            ) from exc
        qs = qs.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    rows = list(qs[: size + 1])
    next_cursor = (
        encode_cursor(rows[size - 1].created_at, rows[size - 1].id) if len(rows) > size else None
    )
    return Page(items=rows[:size], next_cursor=next_cursor)
