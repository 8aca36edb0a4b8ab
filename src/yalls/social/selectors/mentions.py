"""Handles to suggest while a member types "@..." in the composer: members and entities whose
handle (or name) starts with what was typed, never anyone blocked either way."""

from dataclasses import dataclass

from django.db.models import Q

from yalls.accounts.models import User
from yalls.entities import selectors as entity_selectors
from yalls.social.selectors import relations

MIN_CHARS = 1
LIMIT = 8


@dataclass(frozen=True)
class MentionSuggestion:
    handle: str
    name: str
    kind: str  # "member" or the entity kind's label


def mention_suggestions(viewer, typed: str, *, limit: int = LIMIT) -> list[MentionSuggestion]:
    term = (typed or "").lstrip("@").strip()[:30]
    if len(term) < MIN_CHARS or not term.replace("_", "").isalnum():
        return []
    blocked = relations.blocked_ids(getattr(viewer, "pk", None))
    members = (
        User.objects.filter(is_active=True)
        .filter(Q(handle__istartswith=term) | Q(display_name__istartswith=term))
        .exclude(pk__in=blocked)
        .order_by("handle")[:limit]
    )
    entities = (
        entity_selectors.entities_visible(viewer)
        .filter(Q(handle__istartswith=term) | Q(display_name__istartswith=term))
        .exclude(owner_id__in=blocked)
        .order_by("handle")[:limit]
    )
    found = [MentionSuggestion(m.handle, m.display_name or m.handle, "member") for m in members]
    found += [MentionSuggestion(e.handle, e.display_name, e.kind.label) for e in entities]
    # Handles that start with the text first, then names; shorter handles first within each.
    found.sort(key=lambda s: (not s.handle.lower().startswith(term.lower()), len(s.handle)))
    return found[:limit]
