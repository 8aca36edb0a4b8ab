"""Which lane, category and priority each kind of notification gets: the rules, in one place.

A feature that sends a new kind adds one line here (unknown kinds are a programming error and
raise). Lanes: **priority** = mentions, orders, event registrations, approvals, security;
**social** = follows, favorites, reposts; **system** = product updates and alerts.
"""

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import ngettext

from yalls.notifications.models import Category, Lane, Notification

GROUP_WINDOW_HOURS = 6  # similar notifications within this window (while unread) fold into one
GROUP_ACTORS_KEPT = 5  # actor_ids keeps the newest few actors of a group


@dataclass(frozen=True)
class Rule:
    category: str
    lane: str
    priority: int  # 1 = critical (passes quiet hours and the daily cap), 2 = normal, 3 = low
    groupable: bool = False  # same kind + target within the window fold into one entry
    verb: str = ""  # "favorited your post": grouped titles read "<actor> and N others <verb>"
    always_delivered: bool = False  # security notices ignore category opt-outs and mutes


# Exact kinds first; then families by prefix ("orders.*"). Keep both sorted by lane.
KINDS: dict[str, Rule] = {
    # priority lane
    "social.mention": Rule(Category.SOCIAL, Lane.PRIORITY, 2),
    "social.approval_requested": Rule(Category.SOCIAL, Lane.PRIORITY, 2),
    "social.approval_decided": Rule(Category.SOCIAL, Lane.PRIORITY, 2),
    "events.registration": Rule(Category.EVENTS, Lane.PRIORITY, 2),
    # social lane
    "social.follow": Rule(Category.SOCIAL, Lane.SOCIAL, 3, groupable=True, verb="followed you"),
    "social.favorite": Rule(
        Category.SOCIAL, Lane.SOCIAL, 3, groupable=True, verb="favorited your post"
    ),
    "social.repost": Rule(
        Category.SOCIAL, Lane.SOCIAL, 3, groupable=True, verb="reposted your post"
    ),
    # system lane
    "accounts.link_verified": Rule(Category.SYSTEM, Lane.SYSTEM, 3),
    "system.announcement": Rule(Category.SYSTEM, Lane.SYSTEM, 3),
    "system.alert": Rule(Category.SYSTEM, Lane.SYSTEM, 2),
}

FAMILIES: dict[str, Rule] = {
    "orders.": Rule(Category.ORDERS, Lane.PRIORITY, 2),
    "security.": Rule(Category.SYSTEM, Lane.PRIORITY, 1, always_delivered=True),
    "events.": Rule(Category.EVENTS, Lane.SYSTEM, 2),  # reminders, changes: alerts
    "farm.": Rule(Category.FARM, Lane.SYSTEM, 2),  # care tasks due: alerts
    "ai.": Rule(Category.AI, Lane.SYSTEM, 3),  # Rocker's suggestions
    "system.": Rule(Category.SYSTEM, Lane.SYSTEM, 3),
}


def rule_for(kind: str, *, category: str | None = None, priority: int | None = None) -> Rule:
    """The rule for `kind`, with the caller's category/priority overrides applied (validated).
    Raises ValueError for an unknown kind or a bad override: a bug in the caller, not user input."""
    rule = KINDS.get(kind)
    if rule is None:
        rule = next((r for prefix, r in FAMILIES.items() if kind.startswith(prefix)), None)
    if rule is None or len(kind) > 60:
        raise ValueError(f"unknown notification kind {kind!r}: add it to notifications/rules.py")
    if category is not None:
        if category not in Category.values:
            raise ValueError(f"unknown notification category {category!r}")
        rule = Rule(**{**rule.__dict__, "category": category})
    if priority is not None:
        if priority not in (1, 2, 3):
            raise ValueError(f"notification priority must be 1, 2 or 3, not {priority!r}")
        rule = Rule(**{**rule.__dict__, "priority": priority})
    return rule


def group_key_for(kind: str, rule: Rule, target_type: str, target_id: str, given: str) -> str:
    """The caller's key, else `kind:target` for groupable kinds (favorites of one post...)."""
    if given:
        return given[:200]
    if rule.groupable and target_type and target_id:
        return f"{kind}:{target_type}:{target_id}"[:200]
    return ""


def grouped_title(rule: Rule, actor_name: str, count: int, fallback: str) -> str:
    """ "Maya Lopez and 11 others favorited your post" (or the sender's title when the kind has
    no verb)."""
    if not rule.verb or not actor_name or count <= 1:
        return fallback
    others = count - 1
    values = {"actor": actor_name, "count": others, "verb": rule.verb}
    return (_grouped_title(rule.verb, others) % values)[:200]


def _grouped_title(verb: str, others: int) -> str:
    """One whole sentence per verb, so each language can order and inflect it."""
    if verb == "followed you":
        return ngettext(
            "%(actor)s and %(count)s other followed you",
            "%(actor)s and %(count)s others followed you",
            others,
        )
    if verb == "favorited your post":
        return ngettext(
            "%(actor)s and %(count)s other favorited your post",
            "%(actor)s and %(count)s others favorited your post",
            others,
        )
    if verb == "reposted your post":
        return ngettext(
            "%(actor)s and %(count)s other reposted your post",
            "%(actor)s and %(count)s others reposted your post",
            others,
        )
    return "%(actor)s and %(count)s others %(verb)s"


# Held back for good (never shown; kept for the record and the settings preview).
HELD_FOR_GOOD = (
    Notification.HeldReason.DAILY_CAP,
    Notification.HeldReason.OPTED_OUT,
    Notification.HeldReason.MUTED,
    Notification.HeldReason.BLOCKED,
    Notification.HeldReason.IN_APP_OFF,
)


def shown_q(now) -> Q:
    """Rows a member sees in the bell, drawer, page and API at `now`: not held, or held by quiet
    hours whose window has ended (the release job clears `held_reason` within a minute, but the
    lists must not wait for it)."""
    return Q(held_reason__in=("", Notification.HeldReason.QUIET_HOURS), visible_at__lte=now)
