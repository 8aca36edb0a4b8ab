"""Which route a request hit, and the marks (`@rate_limit`, `@idempotent`) on its handler.

Both the rate limiter and the idempotency middleware must decide before the view runs, so they
resolve the URL themselves (once per request, cached on it). A django-ninja route resolves to
ninja's per-path dispatcher, not to the handler; the handler for the request's method is found
on the dispatcher's `PathView` (tests/core/ratelimit pins this against ninja upgrades).
"""

import weakref

from django.urls import Resolver404, ResolverMatch, resolve

_UNSET = object()
_CACHE_ATTR = "_yalls_route_match"
# view -> {(method, mark name): value}; weak so a discarded URLConf's views are not kept alive.
_marks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def route_match(request) -> ResolverMatch | None:
    """The request's URL match (None for a path no route serves), resolved once per request."""
    match = getattr(request, _CACHE_ATTR, _UNSET)
    if match is _UNSET:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        setattr(request, _CACHE_ATTR, match)
    return match


def route_pattern(request) -> str:
    """The route pattern ("api/v1/entities/<handle>"), so one bucket or key scope covers every
    concrete path of a route; paths that match nothing share one "<unmatched>" pattern."""
    match = route_match(request)
    return match.route if match is not None and match.route else "<unmatched>"


def _ninja_path_view(view):
    for cell in getattr(view, "__closure__", None) or ():
        try:
            candidate = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if hasattr(candidate, "operations") and hasattr(candidate, "_find_operation"):
            return candidate
    return None


def handler_mark(request, name: str, default=None):
    """The attribute `name` set by a decorator on the handler serving this request's method."""
    match = route_match(request)
    if match is None:
        return default
    view = match.func
    try:
        cached = _marks.setdefault(view, {})
    except TypeError:  # a callable that can't be weakly referenced: look it up every time
        cached = {}
    cache_key = (request.method, name)
    if cache_key in cached:
        value = cached[cache_key]
    else:
        path_view = _ninja_path_view(view)
        if path_view is None:
            value = getattr(view, name, _UNSET)
        else:
            value = _UNSET
            for operation in path_view.operations:
                if request.method in operation.methods:
                    value = getattr(operation.view_func, name, _UNSET)
                    break
        cached[cache_key] = value
    return default if value is _UNSET else value
