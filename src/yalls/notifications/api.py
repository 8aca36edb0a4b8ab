"""/api/v1/notifications: thin handlers over the notification selectors and services — lists by
lane with a cursor, unread counts per lane, mark read (batch), mark all read per lane, and the
member's preferences."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Router, Schema
from pydantic import Field

from yalls.core.api import Cursor, Flag, Input, LocalTimeIn, LocalTimeOut, PageLimit, QueryFlag
from yalls.notifications import selectors, services
from yalls.notifications.preferences import CAP_MAX, preferences_for

router = Router(tags=["notifications"])

LaneName = Literal["priority", "social", "system"]
CategoryName = Literal["social", "orders", "events", "farm", "ai", "system"]


class NotificationOut(Schema):
    id: UUID
    kind: str
    category: str
    lane: str
    priority: int
    title: str
    body: str
    link: str
    payload: dict
    actor_handle: str | None
    actor_ids: list[str]
    count: int
    target_type: str
    target_id: str
    read_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_actor_handle(obj):
        return obj.actor.handle if obj.actor_id and obj.actor else None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadCounts(Schema):
    priority: int
    social: int
    system: int
    total: int


class MarkReadIn(Input):
    ids: list[UUID] = Field(min_length=1, max_length=services.MARK_READ_MAX)


class MarkAllReadIn(Input):
    lane: LaneName | None = Field(default=None, description="One lane, or every lane when null")


class MarkedOut(Schema):
    marked: int
    unread: UnreadCounts


class PreferencesOut(Schema):
    quiet_enabled: bool
    quiet_start: LocalTimeOut
    quiet_end: LocalTimeOut
    daily_cap: int
    in_app: bool
    email: bool
    categories_off: list[str]
    email_categories_off: list[str]
    digest_hour: int
    digest_frequency: str
    timezone: str


class PreferencesIn(Input):
    """Only the given fields change. Times are local to the member's timezone (HH:MM). Push is not
    offered (there is no real push delivery yet)."""

    quiet_enabled: Flag | None = None
    quiet_start: LocalTimeIn | None = None
    quiet_end: LocalTimeIn | None = None
    daily_cap: int | None = Field(default=None, ge=0, le=CAP_MAX)
    in_app: Flag | None = None
    email: Flag | None = None
    categories_off: list[CategoryName] | None = Field(default=None, max_length=6)
    email_categories_off: list[CategoryName] | None = Field(default=None, max_length=6)
    digest_hour: int | None = Field(default=None, ge=0, le=23)
    digest_frequency: Literal["daily", "weekly", "off"] | None = None


def _preferences_out(member, prefs) -> dict:
    fields = {
        name: getattr(prefs, name) for name in PreferencesOut.model_fields if name != "timezone"
    }
    return {**fields, "timezone": member.timezone}


@router.get("", response=NotificationPage, summary="My notifications, newest first (keyset cursor)")
def notification_list(
    request,
    lane: LaneName | None = None,
    cursor: Cursor | None = None,
    limit: PageLimit = 20,
    unread: QueryFlag = False,
):
    page = selectors.notifications_page(
        request.auth, lane=lane, cursor=cursor, limit=limit, unread_only=unread
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/unread-counts", response=UnreadCounts, summary="Unread counts per lane and in all")
def unread_counts(request):
    return selectors.unread_counts(request.auth)


@router.post("/read", response=MarkedOut, summary="Mark up to 500 of my notifications read")
def mark_read(request, payload: MarkReadIn):
    marked = services.notifications_mark_read(member=request.auth, ids=payload.ids)
    return {"marked": marked, "unread": selectors.unread_counts(request.auth)}


@router.post("/read-all", response=MarkedOut, summary="Mark everything in one lane (or all) read")
def mark_all_read(request, payload: MarkAllReadIn):
    marked = services.notifications_mark_all_read(member=request.auth, lane=payload.lane)
    return {"marked": marked, "unread": selectors.unread_counts(request.auth)}


@router.get("/preferences", response=PreferencesOut, summary="My notification preferences")
def preferences_get(request):
    return _preferences_out(request.auth, preferences_for(request.auth))


@router.patch("/preferences", response=PreferencesOut, summary="Change my notification preferences")
def preferences_update(request, payload: PreferencesIn):
    changes = payload.model_dump(exclude_unset=True)
    prefs = services.preferences_update(member=request.auth, **changes)
    return _preferences_out(request.auth, prefs)
