"""Every write of notifications: the one send path `notify(...)` (and its bulk form), mark read,
preferences, unsubscribe, the quiet-hours release and the digest ledger.

`notify` runs inside the caller's business transaction and writes in the system database context
(the recipient is another member, whose rows RLS would hide). The checks, in order:
self-actions never notify; blocked/muted actors, category opt-outs and in-app-off are recorded as
held for good; similar items fold into an unread group; the daily cap (the member's local day,
priority 1 excluded) holds for good; quiet hours (member's zone) hold until the window ends.
Priority 1 passes the cap and quiet hours; security notices (`security.*`) always pass.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import DomainError, Forbidden
from yalls.core.identifiers import uuids_parse
from yalls.notifications import audience, quiet, rules
from yalls.notifications.channels.in_app import (
    unread_changed_after_commit,
    unread_changed_many_after_commit,
)
from yalls.notifications.models import Category, DigestRun, Notification, Preference
from yalls.notifications.preferences import preferences_clean, preferences_for
from yalls.notifications.selectors import lane_clean

log = logging.getLogger(__name__)

Held = Notification.HeldReason
MARK_READ_MAX = 500
BULK_CHUNK = 500
DIGEST_CATCH_UP_HOURS = 6  # a digest missed at its hour (worker down) still goes out this late
DIGEST_ITEMS_PER_SECTION = 10


# --- the one send path ---------------------------------------------------------------------------


def _actor_hold(rule: rules.Rule, recipient_id, actor_id) -> str:
    """Blocks, mutes and whatever else the apps above registered (notifications.audience)."""
    holds = audience.actor_holds(
        actor_id=actor_id, recipient_ids=[recipient_id], always_delivered=rule.always_delivered
    )
    return holds.get(recipient_id, "")


def _preference_hold(rule: rules.Rule, prefs: Preference) -> str:
    if rule.always_delivered:
        return ""
    if rule.category in (prefs.categories_off or []):
        return Held.OPTED_OUT
    if not prefs.in_app:
        return Held.IN_APP_OFF
    return ""


def _counted_today(recipient_id, tz, now: datetime, limit: int) -> int:
    """Today's (member's local day) shown-or-quiet-held items, priority 1 excluded, up to `limit`."""
    start, end = quiet.local_day_bounds(tz=tz, now=now)
    counted = Notification.objects.filter(
        recipient_id=recipient_id,
        created_at__gte=start,
        created_at__lt=end,
        priority__gt=1,
        held_reason__in=("", Held.QUIET_HOURS),
    )[:limit]  # bounded work: we only need to know whether it reached the cap
    return counted.count()


def _hold_decide(rule, prefs, *, actor_held: str, counted_today, tz, now) -> tuple[str, datetime]:
    """The one hold decision of `notify` and `notify_many`: (held_reason, visible_at).
    Actor holds and opt-outs hold for good; then the daily cap (priority 1 passes it); then quiet
    hours hold until the window ends. `counted_today()` is called only when the cap matters."""
    held = actor_held or _preference_hold(rule, prefs)
    if held:
        return held, now
    if rule.priority == 1:
        return "", now
    if prefs.daily_cap <= 0 or counted_today() >= prefs.daily_cap:
        return Held.DAILY_CAP, now
    if prefs.quiet_enabled:
        until = quiet.quiet_until(start=prefs.quiet_start, end=prefs.quiet_end, tz=tz, now=now)
        if until is not None and until > now:
            return Held.QUIET_HOURS, until
    return "", now


FOLDED_KEYS_KEPT = 200  # a group remembers this many folded events' dedupe keys
DEDUPED = object()  # _fold's answer when the event was already folded into the group


def _fold(*, group_key, recipient_id, rule, actor, title, body, link, payload, dedupe_key, now,
          quiet_hold):  # fmt: skip
    """Fold into the member's unread group of the same key updated within the window, if any.
    The group rises to the top (created_at moves to now: keyset pagination on (created_at, id)
    stays a total order). Returns the row, DEDUPED for a replayed event, or None when there is no
    group to join. The row lock serialises concurrent folds (and their dedupe check)."""
    row = (
        Notification.objects.select_for_update()
        .filter(
            recipient_id=recipient_id,
            group_key=group_key,
            read_at__isnull=True,
            held_reason__in=("", Held.QUIET_HOURS),
            updated_at__gte=now - timedelta(hours=rules.GROUP_WINDOW_HOURS),
        )
        .order_by("-updated_at")
        .first()
    )
    if row is None:
        return None
    if dedupe_key and (dedupe_key == row.dedupe_key or dedupe_key in (row.folded_keys or [])):
        return DEDUPED
    actor_id = str(actor.pk) if actor is not None else ""
    previous = list(row.actor_ids or [])
    # The same person again (favourite, unfavourite, favourite) is not one more person.
    if not (actor_id and actor_id in previous):
        row.count += 1
    if actor_id:
        row.actor_ids = [actor_id, *(a for a in previous if a != actor_id)][
            : rules.GROUP_ACTORS_KEPT
        ]
        row.actor = actor
    if dedupe_key:
        row.folded_keys = [*(row.folded_keys or []), dedupe_key][-FOLDED_KEYS_KEPT:]
    name = getattr(actor, "display_name", "") or (f"@{actor.handle}" if actor else "")
    row.title = rules.grouped_title(rule, name, row.count, title)
    row.body, row.link = (body or row.body)[:1000], (link or row.link)[:500]
    if payload:
        row.payload = payload
    row.created_at = row.updated_at = now
    if row.held_reason == Held.QUIET_HOURS and not quiet_hold:
        row.held_reason, row.visible_at = "", min(row.visible_at, now)
    row.save(
        update_fields=[
            "count", "actor_ids", "actor", "folded_keys", "title", "body", "link", "payload",
            "created_at", "updated_at", "held_reason", "visible_at",
        ]
    )  # fmt: skip
    return row


def _email_allowed(rule: rules.Rule, prefs: Preference, held: str) -> bool:
    """Email goes unless held for good; in-app off does not stop email, quiet hours delay it."""
    if not prefs.email:
        return False
    if held in rules.HELD_FOR_GOOD and held != Held.IN_APP_OFF:
        return False
    if rule.category in (prefs.email_categories_off or []):
        return False
    return rule.always_delivered or rule.category not in (prefs.categories_off or [])


def _defer_email(ids: list[str], at: datetime | None, now: datetime) -> None:
    from yalls.notifications.tasks import notifications_email_send

    task = notifications_email_send
    if at is not None and at > now:
        task = task.configure(schedule_at=at)
    task.defer(notification_ids=ids)


def notify(
    *,
    recipient,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    actor=None,
    target_type: str = "",
    target_id: str = "",
    payload: dict | None = None,
    dedupe_key: str = "",
    group_key: str = "",
    priority: int | None = None,
    category: str | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Send one notification (call it inside your business transaction). Returns the row (new,
    held, or the group it folded into), or None when deduplicated or the recipient is the actor.
    Never raises for preference reasons; raises ValueError for a programming error (unknown kind,
    bad priority/category, empty title). `now` is for tests and replays."""
    rule = rules.rule_for(kind, category=category, priority=priority)
    title = (title or "").strip()[:200]
    if not title:
        raise ValueError("a notification needs a title")
    if actor is not None and str(actor.pk) == str(recipient.pk):
        return None
    if not getattr(recipient, "is_active", True):
        return None
    now = now or timezone.now()
    dedupe_key, target_id = (dedupe_key or "")[:200], str(target_id or "")[:80]
    group = rules.group_key_for(kind, rule, target_type, target_id, group_key)
    with system_context():
        if dedupe_key:
            seen = Q(dedupe_key=dedupe_key)
            if group:  # an event folded into a group is remembered there
                seen |= Q(group_key=group, folded_keys__contains=[dedupe_key])
            if Notification.objects.filter(seen, recipient_id=recipient.pk).exists():
                return None
        prefs = preferences_for(recipient)
        tz = quiet.member_zone(getattr(recipient, "timezone", "UTC"))
        actor_id = actor.pk if actor is not None else None
        actor_held = _actor_hold(rule, recipient.pk, actor_id)
        if group and not (actor_held or _preference_hold(rule, prefs)):
            quiet_until = None
            if rule.priority != 1 and prefs.quiet_enabled:
                quiet_until = quiet.quiet_until(
                    start=prefs.quiet_start, end=prefs.quiet_end, tz=tz, now=now
                )
            row = _fold(
                group_key=group, recipient_id=recipient.pk, rule=rule, actor=actor,
                title=title, body=body, link=link, payload=payload, dedupe_key=dedupe_key,
                now=now, quiet_hold=quiet_until is not None,
            )  # fmt: skip
            if row is DEDUPED:
                return None
            if row is not None:
                if not row.held_reason:
                    unread_changed_after_commit(recipient.pk)
                return row
        held, visible_at = _hold_decide(
            rule, prefs, actor_held=actor_held, tz=tz, now=now,
            counted_today=lambda: _counted_today(recipient.pk, tz, now, prefs.daily_cap),
        )  # fmt: skip
        row = Notification(
            recipient_id=recipient.pk, kind=kind, category=rule.category, lane=rule.lane,
            priority=rule.priority, title=title, body=(body or "")[:1000],
            link=(link or "")[:500], payload=payload or {}, actor_id=actor_id,
            actor_ids=[str(actor_id)] if actor_id else [], count=1,
            target_type=(target_type or "")[:30], target_id=target_id, group_key=group,
            dedupe_key=dedupe_key, held_reason=held, visible_at=visible_at,
            created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            with transaction.atomic():  # a savepoint: a lost dedupe race must not abort the caller
                row.save(force_insert=True)
        except IntegrityError:
            if (
                dedupe_key
                and Notification.objects.filter(
                    recipient_id=recipient.pk, dedupe_key=dedupe_key
                ).exists()
            ):
                return None  # the same event, inserted concurrently by another transaction
            raise
        if _email_allowed(rule, prefs, held):
            _defer_email([str(row.pk)], visible_at if held == Held.QUIET_HOURS else None, now)
        if not held:
            unread_changed_after_commit(recipient.pk)
    return row


# --- bulk send -------------------------------------------------------------------------------------


def notify_bulk(
    *,
    recipient_ids,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    payload: dict | None = None,
    dedupe_key: str = "",
    priority: int | None = None,
    category: str | None = None,
    actor=None,
    chunk_size: int = BULK_CHUNK,
) -> int:
    """Send one event to many members through jobs (deferred in the caller's transaction), in
    chunks of `chunk_size` recipients; each job applies the same rules as `notify` per member and
    inserts in bulk. Returns the number of jobs deferred."""
    rules.rule_for(kind, category=category, priority=priority)  # fail now, not in a job
    if not (title or "").strip():
        raise ValueError("a notification needs a title")
    from yalls.notifications.tasks import notifications_bulk_deliver

    ids = list(dict.fromkeys(str(i) for i in recipient_ids))
    jobs = 0
    for start in range(0, len(ids), max(1, chunk_size)):
        notifications_bulk_deliver.defer(
            recipient_ids=ids[start : start + chunk_size],
            kind=kind, title=title, body=body, link=link, payload=payload or {},
            dedupe_key=dedupe_key, priority=priority, category=category,
            actor_id=str(actor.pk) if actor is not None else None,
        )  # fmt: skip
        jobs += 1
    return jobs


def _cap_counts(members, prefs_by_id, now) -> dict:
    """{member_id: today's counted items} with one grouped query per timezone in the chunk."""
    from django.db.models import Count

    by_zone: dict[str, list] = defaultdict(list)
    for member in members:
        by_zone[member.timezone or "UTC"].append(member.pk)
    counts: dict = {}
    for zone, ids in by_zone.items():
        start, end = quiet.local_day_bounds(tz=quiet.member_zone(zone), now=now)
        rows = (
            Notification.objects.filter(
                recipient_id__in=ids, created_at__gte=start, created_at__lt=end,
                priority__gt=1, held_reason__in=("", Held.QUIET_HOURS),
            )
            .values("recipient_id")
            .annotate(n=Count("id"))
        )  # fmt: skip
        counts.update({r["recipient_id"]: r["n"] for r in rows})
    return counts


def notify_many(
    *,
    recipient_ids,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    payload: dict | None = None,
    dedupe_key: str = "",
    priority: int | None = None,
    category: str | None = None,
    actor_id=None,
    now: datetime | None = None,
) -> int:
    """The bulk job's work: `notify`'s rules for each member, a handful of queries per chunk and
    one bulk insert. Groupable kinds go through `notify` one by one (folding needs the row lock).
    Returns the number of rows written."""
    rule = rules.rule_for(kind, category=category, priority=priority)
    title = (title or "").strip()[:200]
    now = now or timezone.now()
    User = get_user_model()
    with system_context():
        members = list(
            User.objects.filter(pk__in=list(recipient_ids), is_active=True)
            .exclude(pk=actor_id)
            .only("id", "timezone")
        )
        if rule.groupable:
            actor = User.objects.filter(pk=actor_id).first() if actor_id else None
            sent = [
                notify(recipient=m, kind=kind, title=title, body=body, link=link, actor=actor,
                       payload=payload, dedupe_key=dedupe_key, priority=priority,
                       category=category, now=now)
                for m in members
            ]  # fmt: skip
            return sum(1 for s in sent if s is not None)
        ids = [m.pk for m in members]
        prefs = {p.member_id: p for p in Preference.objects.filter(member_id__in=ids)}
        done = set()
        if dedupe_key:
            done = set(
                Notification.objects.filter(
                    recipient_id__in=ids, dedupe_key=dedupe_key
                ).values_list("recipient_id", flat=True)
            )
        actor_held = audience.actor_holds(
            actor_id=actor_id, recipient_ids=ids, always_delivered=rule.always_delivered
        )
        counts = _cap_counts(members, prefs, now) if rule.priority != 1 else {}
        rows, email_at = [], defaultdict(list)
        for member in members:
            if member.pk in done:
                continue
            pref = prefs.get(member.pk) or Preference(member_id=member.pk)
            held, visible_at = _hold_decide(
                rule, pref, actor_held=actor_held.get(member.pk, ""),
                tz=quiet.member_zone(member.timezone), now=now,
                counted_today=lambda member=member: counts.get(member.pk, 0),
            )  # fmt: skip
            row = Notification(
                id=uuid.uuid4(), recipient_id=member.pk, kind=kind, category=rule.category,
                lane=rule.lane, priority=rule.priority, title=title, body=(body or "")[:1000],
                link=(link or "")[:500], payload=payload or {}, actor_id=actor_id,
                actor_ids=[str(actor_id)] if actor_id else [], dedupe_key=dedupe_key[:200],
                held_reason=held, visible_at=visible_at, created_at=now, updated_at=now,
            )  # fmt: skip
            rows.append(row)
            if _email_allowed(rule, pref, held):
                email_at[visible_at if held == Held.QUIET_HOURS else None].append(str(row.pk))
        # ignore_conflicts: a concurrent send of the same dedupe key wins; ours is skipped.
        Notification.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=bool(dedupe_key))
        for at, email_ids in email_at.items():
            _defer_email(email_ids, at, now)
        unread_changed_many_after_commit([r.recipient_id for r in rows if not r.held_reason])
    return len(rows)


def notification_broadcast(
    *, actor, audience: str, title: str, body: str = "", link: str = "", kind: str = ""
) -> dict:
    """Staff: one system-lane announcement (or alert) to every active member or to one role,
    through bulk jobs. Audited. Returns {"recipients": n, "jobs": m, "broadcast_id": id}."""
    User = get_user_model()
    if not getattr(actor, "is_staff", False):
        raise Forbidden(
            "notifications.broadcast_forbidden", _("Only staff can send announcements.")
        )
    kind = kind or "system.announcement"
    if kind not in ("system.announcement", "system.alert"):
        raise DomainError(
            "notifications.broadcast_kind_invalid", _("Choose announcement or alert."), field="kind"
        )
    roles = list(User.Role.values)
    if audience != "all" and audience not in roles:
        raise DomainError(
            "notifications.audience_invalid",
            _("Choose all members or a role (%(value)s).") % {"value": ", ".join(roles)},
            field="audience",
        )
    title, body, link = (title or "").strip(), (body or "").strip(), (link or "").strip()
    if not title or len(title) > 200:
        raise DomainError(
            "notifications.title_invalid", _("Give a title of up to 200 characters."), field="title"
        )
    if len(body) > 1000:
        raise DomainError(
            "notifications.body_too_long", _("Keep the text under 1000 characters."), field="body"
        )
    if link and not (
        (link.startswith("/") and not link.startswith("//")) or link.startswith("https://")
    ):
        raise DomainError(
            "notifications.link_invalid",
            _("A link is a path on yalls (/…) or an https:// address."),
            field="link",
        )
    broadcast_id = str(uuid.uuid4())
    with transaction.atomic():
        with system_context():
            members = User.objects.filter(is_active=True)
            if audience != "all":
                members = members.filter(role=audience)
            ids = [str(pk) for pk in members.values_list("pk", flat=True)]
        jobs = notify_bulk(
            recipient_ids=ids, kind=kind, title=title, body=body, link=link,
            dedupe_key=f"broadcast:{broadcast_id}", payload={"broadcast_id": broadcast_id},
        )  # fmt: skip
        audit_record(
            actor=actor, action="notifications.broadcast", target_type="broadcast",
            target_id=broadcast_id,
            metadata={"audience": audience, "kind": kind, "recipients": len(ids), "title": title},
        )  # fmt: skip
    return {"recipients": len(ids), "jobs": jobs, "broadcast_id": broadcast_id}


# --- reading state ---------------------------------------------------------------------------------


def _parse_ids(ids) -> list[uuid.UUID]:
    if not isinstance(ids, (list, tuple)) or not ids:
        raise DomainError(
            "notifications.ids_required", _("Give the ids to mark read."), field="ids"
        )
    if len(ids) > MARK_READ_MAX:
        raise DomainError(
            "notifications.too_many_ids",
            _("Mark at most %(mark_read_max)s notifications at once.")
            % {"mark_read_max": MARK_READ_MAX},
            field="ids",
        )
    parsed = uuids_parse(ids)
    if parsed is None:
        raise DomainError(
            "notifications.id_invalid", _("That is not a notification id."), field="ids"
        )
    return parsed


def notifications_mark_read(*, member, ids, now: datetime | None = None) -> int:
    """Mark these of the member's shown notifications read (others' ids are ignored). Returns how
    many changed."""
    wanted = _parse_ids(ids)
    now = now or timezone.now()
    with transaction.atomic():
        changed = (
            Notification.objects.filter(recipient_id=member.pk, id__in=wanted, read_at__isnull=True)
            .filter(rules.shown_q(now))
            .update(read_at=now)
        )
        if changed:
            unread_changed_after_commit(member.pk)
    return changed


def notifications_mark_all_read(
    *, member, lane: str | None = None, now: datetime | None = None
) -> int:
    """Mark every shown unread notification of one lane (or all lanes) read."""
    lane = lane_clean(lane)
    now = now or timezone.now()
    with transaction.atomic():
        qs = Notification.objects.filter(recipient_id=member.pk, read_at__isnull=True).filter(
            rules.shown_q(now)
        )
        if lane:
            qs = qs.filter(lane=lane)
        changed = qs.update(read_at=now)
        if changed:
            unread_changed_after_commit(member.pk)
    return changed


# --- preferences -----------------------------------------------------------------------------------


def preferences_update(*, member, **changes) -> Preference:
    """Change some of the member's preferences (the rest keep their saved or default values).
    Validates everything before writing; audited."""
    with transaction.atomic():
        current = Preference.objects.select_for_update().filter(
            member_id=member.pk
        ).first() or Preference(member_id=member.pk)
        clean = preferences_clean(current, changes)
        changed = sorted(k for k, v in clean.items() if getattr(current, k) != v)
        for name, value in clean.items():
            setattr(current, name, value)
        current.save()
        if changed:
            audit_record(
                actor=member,
                action="notifications.preferences_updated",
                target_type="member",
                target_id=str(member.pk),
                metadata={"fields": changed},
            )
    return current


def preferences_unsubscribe(*, token: str) -> tuple[object, str]:
    """The one-click unsubscribe (no sign-in: the signed token names the member and the topic).
    Turns that category's emails off, or digests off. Safe to repeat. Returns (member, topic)."""
    from yalls.notifications.channels.email import DIGEST, unsubscribe_read

    member_id, topic = unsubscribe_read(token)
    User = get_user_model()
    with transaction.atomic(), system_context():
        member = User.objects.filter(pk=member_id).first()
        if member is None:
            raise DomainError(
                "notifications.unsubscribe_invalid", _("This unsubscribe link is not valid.")
            )
        prefs = Preference.objects.select_for_update().filter(
            member_id=member.pk
        ).first() or Preference(member_id=member.pk)
        if topic == DIGEST:
            changed = prefs.digest_frequency != Preference.DigestFrequency.OFF
            prefs.digest_frequency = Preference.DigestFrequency.OFF
        else:
            changed = topic not in prefs.email_categories_off
            prefs.email_categories_off = [
                c for c in Category.values if c in {*prefs.email_categories_off, topic}
            ]
        prefs.save()
        if changed:
            audit_record(
                actor=None,
                action="notifications.unsubscribed",
                target_type="member",
                target_id=str(member.pk),
                metadata={"topic": topic, "via": "email_link"},
            )
    return member, topic


# --- jobs' work: quiet-hours release, email, digest ------------------------------------------------


def quiet_holds_release(*, now: datetime | None = None, batch: int = 5000) -> set:
    """Clear `held_reason` of quiet-hours items whose window has ended and tell those members'
    browsers. Lists already show them from `visible_at` on (rules.shown_q); clearing the reason
    makes the row plainly "shown" and gives each member exactly one bell update. Safe to run
    twice; concurrent runs skip each other's rows."""
    now = now or timezone.now()
    released: set = set()
    while True:
        with system_context():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(held_reason=Held.QUIET_HOURS, visible_at__lte=now)
                .values_list("id", "recipient_id")[:batch]
            )
            if not rows:
                break
            Notification.objects.filter(id__in=[r[0] for r in rows]).update(held_reason="")
            members = {r[1] for r in rows}
            for member_id in members - released:
                unread_changed_after_commit(member_id)
            released |= members
        if len(rows) < batch:
            break
    return released


def notification_email_deliver(*, notification_id) -> bool:
    """Email one notification if it still should go (preferences re-read now; never twice:
    `emailed_at` is set in the same transaction as the send). Returns whether it was sent."""
    from yalls.notifications.channels.email import notification_email

    with system_context():
        row = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if row is None or row.read_at is not None or not row.recipient.is_active:
            return False
        rule = rules.Rule(
            row.category, row.lane, row.priority, always_delivered=row.kind.startswith("security.")
        )
        if not _email_allowed(rule, preferences_for(row.recipient), row.held_reason):
            return False
        notification_email(row)
        row.emailed_at = timezone.now()
        row.save(update_fields=["emailed_at"])
    return True


def _period(prefs_row: dict, now: datetime) -> str | None:
    """The digest period due now for this member, or None (not their hour / not Monday)."""
    local = now.astimezone(quiet.member_zone(prefs_row["member__timezone"]))
    hour = prefs_row["digest_hour"]
    if not hour <= local.hour < hour + DIGEST_CATCH_UP_HOURS:
        return None
    if prefs_row["digest_frequency"] == Preference.DigestFrequency.WEEKLY:
        if local.weekday() != 0:
            return None
        year, week, _unused = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def _digest_queryset(member_id, prefs: Preference, now: datetime):
    skip = {*(prefs.categories_off or []), *(prefs.email_categories_off or [])}
    return (
        Notification.objects.filter(recipient_id=member_id, read_at__isnull=True)
        .filter(rules.shown_q(now))
        .exclude(category__in=skip)
    )


def digests_schedule(*, now: datetime | None = None) -> int:
    """For every member with email on and a digest frequency, whose local digest hour has come:
    record the period's `DigestRun` (unique: a second run, or a run after a crash, is a no-op) and,
    when they have something unread, defer the email job in the same transaction. Returns the
    number of periods recorded now."""
    from yalls.notifications.tasks import notifications_digest_send

    now = now or timezone.now()
    with system_context():
        candidates = list(
            Preference.objects.filter(email=True, member__is_active=True)
            .exclude(digest_frequency=Preference.DigestFrequency.OFF)
            .values("member_id", "member__timezone", "digest_hour", "digest_frequency")
        )
    recorded = 0
    for row in candidates:
        period = _period(row, now)
        if period is None:
            continue
        with transaction.atomic(), system_context():
            if DigestRun.objects.filter(member_id=row["member_id"], period_key=period).exists():
                continue
            try:
                with transaction.atomic():
                    run = DigestRun.objects.create(
                        member_id=row["member_id"], period_key=period, created_at=now
                    )
            except IntegrityError:
                continue  # another run recorded it first
            prefs = Preference.objects.get(member_id=row["member_id"])
            run.notification_count = _digest_queryset(row["member_id"], prefs, now).count()
            run.save(update_fields=["notification_count"])
            if run.notification_count:
                notifications_digest_send.defer(digest_run_id=run.pk)
            recorded += 1
    return recorded


def digest_deliver(*, digest_run_id, now: datetime | None = None) -> bool:
    """Email one recorded digest (once: `sent_at` is set in the transaction of the send)."""
    from yalls.notifications.channels.email import digest_email

    now = now or timezone.now()
    with system_context():
        run = (
            DigestRun.objects.select_for_update()
            .filter(pk=digest_run_id, sent_at__isnull=True)
            .first()
        )
        if run is None:
            return False
        member = get_user_model().objects.filter(pk=run.member_id, is_active=True).first()
        if member is None:
            return False
        prefs = preferences_for(member)
        qs = _digest_queryset(member.pk, prefs, now)
        sections, total = [], 0
        for category in Category:
            in_category = qs.filter(category=category.value)
            count = in_category.count()
            if not count:
                continue
            items = list(in_category.order_by("-created_at", "-id")[:DIGEST_ITEMS_PER_SECTION])
            sections.append(
                {
                    "label": category.label,
                    "count": count,
                    "items": items,
                    "more": count - len(items),
                }
            )
            total += count
        if total and prefs.email:
            weekly = prefs.digest_frequency == Preference.DigestFrequency.WEEKLY
            digest_email(
                member=member, sections=sections, total=total,
                period_label="weekly" if weekly else "daily",
            )  # fmt: skip
        run.notification_count = total
        run.sent_at = now
        run.save(update_fields=["notification_count", "sent_at"])
    return bool(total)
