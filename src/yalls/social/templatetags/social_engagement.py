"""Template tags of favorites, pins, follows, blocks and mutes, so the profile and entity pages
(owned by accounts and entities) show them without their views loading social data.

    {% load social_engagement %}
    {% favorite_button kind obj %}                 kind: post|entity|event|horse|listing
    {% favorite_button kind obj favorited=True %}  when the caller already knows the state
    {% follow_controls target_kind target %}       target_kind: member|entity
    {% follow_counts target_kind target %}         follower / following counts, linked to the lists
    {% follow_counts "member" m followers=False %} just "N following" (the controls show followers)
    {% pins_board member %}
    {% favorites_tab member %}
"""

from django import template
from django.utils.translation import gettext_lazy

from yalls.core.errors import DomainError
from yalls.social.models import Block, Favorite, Follow, Pin
from yalls.social.selectors import engagement as selectors
from yalls.social.selectors import relations
from yalls.social.services.engagement import MAX_PINS

register = template.Library()

# Headings name the section as favorites: the profile already has an "Entities" region, and two
# regions with one name are indistinguishable to a screen reader.
FAVORITE_SECTIONS = [
    ("post", gettext_lazy("Favorite posts")),
    ("entity", gettext_lazy("Favorite entities")),
    ("horse", gettext_lazy("Favorite horses")),
    ("event", gettext_lazy("Favorite events")),
    ("listing", gettext_lazy("Favorite listings")),
]
FAVORITES_PER_SECTION = 6
# A refused "Add a pin" comes back through the session: what was typed, the field, the reason.
PIN_FORM_SESSION_KEY = "yalls_pin_form"
PIN_FORM_FIELDS = ("kind", "post", "horse", "title", "url")


def _user(context):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return user if user is not None and user.is_authenticated else None


def _next(context) -> str:
    request = context.get("request")
    return request.get_full_path() if request is not None else "/"


def _label(obj) -> str:
    for attr in ("display_name", "title", "name"):
        value = getattr(obj, attr, "")
        if value:
            return str(value)
    return "this"


@register.inclusion_tag("social/engagement_favorite_button.html", takes_context=True)
def favorite_button(context, kind: str, obj, favorited=None, label: str | None = None):
    """A favorite toggle for one thing: a POST form (works without JS) that htmx swaps in place.
    `obj` is the thing (anything with `.pk`) or its id."""
    user = _user(context)
    ref_id = getattr(obj, "pk", obj)
    if favorited is None:
        favorited = selectors.favorite_state(user, kind, ref_id) if user else False
    return {
        "user": user,
        "kind": kind,
        "ref_id": ref_id,
        "favorited": bool(favorited),
        "label": label or _label(obj),
        "next": _next(context),
        "csrf_token": context.get("csrf_token"),
        "error": context.get("favorite_error"),
    }


def follow_controls_context(request, target_kind: str, target, *, error: str = "") -> dict:
    user = request.user if request.user.is_authenticated else None
    owner_id = target.pk if target_kind == Follow.TargetKind.MEMBER else target.owner_id
    blocked_by_me = blocked = muted = following = False
    if user is not None and user.pk != owner_id:
        blocked = relations.is_blocked_between(user.pk, owner_id)
        if blocked:
            blocked_by_me = Block.objects.filter(blocker_id=user.pk, blocked_id=owner_id).exists()
        muted = relations.is_muted(user.pk, target_kind, target.pk)
        following = relations.follows(user, target_kind, target.pk)
    favorite_kind = None
    if target_kind == Follow.TargetKind.ENTITY:
        is_horse = getattr(getattr(target, "kind", None), "is_horse", False)
        favorite_kind = Favorite.Kind.HORSE if is_horse else Favorite.Kind.ENTITY
    return {
        "request": request,
        "user": user,
        "target_kind": target_kind,
        "target": target,
        "is_self": user is not None and target_kind == "member" and user.pk == target.pk,
        "owner_is_me": user is not None and user.pk == owner_id,
        "blocked": blocked,
        "blocked_by_me": blocked_by_me,
        "muted": muted,
        "following": following,
        "follower_count": relations.follower_count(target_kind, target.pk),
        "favorite_kind": favorite_kind,
        "next": request.get_full_path(),
        "error": error,
    }


@register.inclusion_tag("social/engagement_follow_controls.html", takes_context=True)
def follow_controls(context, target_kind: str, target):
    """Follow (with the follower count), favorite (entities), mute and block for one member or
    entity page."""
    ctx = follow_controls_context(context["request"], target_kind, target)
    ctx["csrf_token"] = context.get("csrf_token")
    return ctx


@register.inclusion_tag("social/follow_counts.html")
def follow_counts(target_kind: str, target, followers: bool = True):
    """ "12 followers · 30 following" linking to the lists (entities have followers only). Pass
    followers=False where the follow controls beside it already show (and update) that count."""
    return {
        "followers": followers,
        "target": target,
        "target_kind": target_kind,
        "follower_count": relations.follower_count(target_kind, target.pk),
        "following_count": (
            relations.following_count(target.pk)
            if target_kind == Follow.TargetKind.MEMBER
            else None
        ),
    }


@register.inclusion_tag("social/pins_board.html", takes_context=True)
def pins_board(context, member):
    user = _user(context)
    is_me = user is not None and user.pk == member.pk
    if user is not None and not is_me and relations.is_blocked_between(user.pk, member.pk):
        board = []
    else:
        board = selectors.pins_board(user, member)
    my_posts, my_horses = [], []
    if is_me and len(board) < MAX_PINS:
        my_posts, my_horses = selectors.pinnable_for(member)
    return {
        "member": member,
        "board": board,
        "my_posts": my_posts,
        "my_horses": my_horses,
        "is_me": is_me,
        "max_pins": MAX_PINS,
        "full": len(board) >= MAX_PINS,
        "next": _next(context),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        "pin_error": context.get("pin_error"),
        "pin_form": _pin_form_once(context) if is_me else None,
        "pin_kinds": Pin.Kind.choices,
    }


def _pin_form_once(context):
    request = context.get("request")
    session = getattr(request, "session", None)
    return session.pop(PIN_FORM_SESSION_KEY, None) if session is not None else None


@register.inclusion_tag("social/engagement_favorites_tab.html", takes_context=True)
def favorites_tab(context, member):
    """The profile's favorites tab: one section per kind, each with its own keyset cursor
    (`?tab=favorites&cursor_<kind>=...`)."""
    request = context["request"]
    user = _user(context)
    sections = []
    for kind, label in FAVORITE_SECTIONS:
        cursor = request.GET.get(f"cursor_{kind}") or None
        try:
            items, next_cursor = selectors.favorites_page(
                user, member, kind=kind, cursor=cursor, limit=FAVORITES_PER_SECTION
            )
        except DomainError:  # a mangled cursor: start that section over
            items, next_cursor = selectors.favorites_page(
                user, member, kind=kind, cursor=None, limit=FAVORITES_PER_SECTION
            )
        if items or cursor:
            sections.append(
                {
                    "kind": kind,
                    "label": label,
                    "items": items,
                    "next_cursor": next_cursor,
                    "paged": bool(cursor),
                }
            )
    return {
        "member": member,
        "sections": sections,
        "is_me": user is not None and user.pk == member.pk,
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
    }
