"""Template tags of posts, so the profile and entity pages (owned by accounts and entities) list
posts without their views loading social data.

    {% load social_posts %}
    {{ post|post_body }}                 the body as safe HTML with @mentions and #tags linked
    {% entity_posts entity %}            posts on an entity's page (approved targets, cursor paged)
    {% member_posts member "posts" %}    a member's posts tab ("posts" or "reposts")
    {% post_label post %}                who a post is by: "Little Thunder" or "Maya Lopez"
    {% post_avatar_url post %}           that entity's or member's uploaded avatar, or ""
"""

from django import template
from django.utils.translation import gettext as _

from yalls.core.errors import DomainError
from yalls.core.pagination import paginate
from yalls.entities.selectors import MANAGING_ROLES
from yalls.social.selectors import posts as selectors
from yalls.social.text import body_render

register = template.Library()

PAGE_SIZE = 10


def _viewer(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.filter
def post_body(post):
    mentions = {m.handle.lower(): m.handle for m in post.mentions.all()}
    return body_render(post.body, mentions=mentions)


@register.simple_tag
def post_label(post) -> str:
    return post.as_entity.display_name if post.as_entity_id else post.author.display_name


@register.filter
def post_label_filter(post) -> str:
    """post_label as a filter, for {% blocktranslate with name=post|post_label_filter %}."""
    return post_label(post)


@register.simple_tag
def post_avatar_url(post) -> str:
    by = post.as_entity if post.as_entity_id else post.author
    avatar = getattr(by, "avatar", None)
    return avatar.url if avatar else ""


def _page(context, qs) -> dict:
    request = context.get("request")
    cursor = request.GET.get("cursor") if request is not None else None
    try:
        page = paginate(qs, cursor=cursor, limit=PAGE_SIZE)
    except DomainError:
        return {"posts": [], "error": _("That page link is broken; start from the newest posts.")}
    posts = selectors.cards_prepare(_viewer(context), page.items)
    return {"posts": posts, "next_cursor": page.next_cursor, "error": None}


@register.inclusion_tag("social/post_list.html", takes_context=True)
def entity_posts(context, entity):
    data = _page(context, selectors.posts_of_entity(_viewer(context), entity))
    role = context.get("my_role")
    return {
        **data,
        "request": context.get("request"),
        "user": context.get("user"),
        "entity": entity,
        "can_post_as": bool(role),
        "can_approve": role in MANAGING_ROLES,
        "empty_title": _("No posts yet"),
        "empty_text": _("Posts by and about %(name)s will show up here.")
        % {"name": entity.display_name},
        "list_label": _("Posts on %(name)s") % {"name": entity.display_name},
    }


@register.inclusion_tag("social/post_list.html", takes_context=True)
def member_posts(context, member, kind: str = "posts"):
    viewer = _viewer(context)
    reposts = kind == "reposts"
    qs = (selectors.reposts_of_member if reposts else selectors.posts_of_member)(viewer, member)
    data = _page(context, qs)
    is_me = viewer is not None and viewer.pk == member.pk
    return {
        **data,
        "request": context.get("request"),
        "user": context.get("user"),
        "tab": kind,
        "is_me": is_me,
        "empty_title": _("No reposts yet") if reposts else _("No posts yet"),
        "empty_text": (
            (
                _("Posts you share from others will show up here.")
                if is_me
                else _("Posts %(name)s shares from others will show up here.")
                % {"name": member.display_name}
            )
            if reposts
            else (
                _("Write your first post.")
                if is_me
                else _("%(name)s hasn't posted yet.") % {"name": member.display_name}
            )
        ),
        "list_label": (_("Reposts by %(name)s") if reposts else _("Posts by %(name)s"))
        % {"name": member.display_name},
    }
