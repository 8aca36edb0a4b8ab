"""Template tags for feature flags: `{% load flags %}`, then

    {% flag_enabled "discover_reels" as reels_on %}{% if reels_on %}…{% endif %}
    {% flag_variant "composer_layout" as layout %}{% if layout == "compact" %}…{% endif %}

They evaluate for the request's member (or anonymous visitor) once per request.
"""

from django import template

register = template.Library()


def _state(context, key: str):
    from yalls.core.flags.defaults import FLAG_DEFAULTS
    from yalls.core.flags.evaluation import FlagState
    from yalls.core.flags.selectors import flags_for, flags_for_request

    request = context.get("request")
    flags = flags_for_request(request) if request is not None else flags_for(None)
    return flags.get(key) or FlagState(FLAG_DEFAULTS.get(key, False), reason="unknown")


@register.simple_tag(takes_context=True)
def flag_enabled(context, key: str) -> bool:
    return _state(context, key).enabled


@register.simple_tag(takes_context=True)
def flag_variant(context, key: str) -> str | None:
    return _state(context, key).variant
