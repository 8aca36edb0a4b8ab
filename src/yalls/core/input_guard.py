"""The edge's refusals of input no view should see: bodies past the size limit (413), JSON nested
deeper than any real document (400), and text PostgreSQL can't store (NUL, lone UTF-16
surrogates). Each answers problem+json on /api/ and a page elsewhere, never a 500."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.parser import Parser

from yalls.core.errors import DomainError, problem_response

NUL = "\x00"
# Our documents nest a few levels (a post's pins, a preference's lanes). 64 leaves room for any
# real client and stops the recursion in every validator long before Python's limit.
MAX_JSON_DEPTH = 64


def _unstorable(text: str) -> bool:
    if NUL in text:
        return True
    # A lone surrogate ("\ud800" in JSON) is a str Python holds but UTF-8 (and PostgreSQL) can't.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def contains_unstorable(value) -> bool:
    """Whether any text in `value` (nested dicts and lists, keys too) has NUL or a lone surrogate.
    Iterative, so a deep document can't exhaust the stack here."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def json_depth_exceeds(value, limit: int = MAX_JSON_DEPTH) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JsonParser(Parser):
    """django-ninja's body parser with a depth limit. Ninja wraps what this raises in a 400
    HttpError; the API's handler answers with the DomainError's own code (see core.api)."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except RecursionError as exc:
            raise _too_deep() from exc
        if json_depth_exceeds(data):
            raise _too_deep()
        # NUL and lone surrogates are the input schemas' to refuse (core.api.Input): a 422 that
        # names the field.
        return data


def _too_deep() -> DomainError:
    return DomainError(
        "request.too_deep",
        _("The JSON document is nested more than %(depth)s levels deep.")
        % {"depth": MAX_JSON_DEPTH},
    )


def _has_nul(query_dict) -> bool:
    return any(NUL in k or any(NUL in v for v in values) for k, values in query_dict.lists())


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(request):
    if request.path.startswith("/api/"):
        return problem_response(
            status=400,
            code="request.nul_character",
            title=_("Bad request"),
            detail=_("The request contains a NUL character."),
            request=request,
        )
    return render(
        request, "400.html", {"exception": _("The request contains a NUL character.")}, status=400
    )


class RejectNulMiddleware:
    """Paths, query strings and form fields with NUL are refused before any view or query sees
    them (every value of a repeated field, not only the last)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or _has_nul(request.GET):
            return _refuse(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Form bodies (web forms, API uploads) are checked here, just before the view, like
        CsrfViewMiddleware reads them: by now the idempotency middleware has hashed the raw body.
        JSON bodies are checked by the API's parser (JsonParser); webhooks read their own raw
        body."""
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.startswith("/webhooks/")
            and _has_nul(request.POST)
        ):
            return _refuse(request)
        return None


# --- body size ----------------------------------------------------------------------------------


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def body_limit(request) -> int:
    """The most bytes this request's body may have. Multipart bodies carry uploads (a 50 MiB video,
    several 10 MiB images), which Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count, so they get
    their own bound; every other body is held in memory whole and gets Django's."""
    if (request.content_type or "") == "multipart/form-data":
        return settings.UPLOAD_MAX_REQUEST_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_response(request):
    limit_mib = body_limit(request) // (1024 * 1024)
    detail = _("The request body is larger than %(megabytes)s MB.") % {"megabytes": limit_mib}
    if request.path.startswith("/api/"):
        return problem_response(
            status=413,
            code="request.too_large",
            title=_("Request too large"),
            detail=detail,
            request=request,
        )
    return render(request, "413.html", {"exception": detail}, status=413)


class BodySizeLimitMiddleware:
    """A body over its limit is refused from its Content-Length, before anything reads it (the
    idempotency key's hash, CSRF, the rate limiter's account lookup). Django still raises
    RequestDataTooBig lazily for bodies that arrive without a length or whose form fields alone
    exceed the limit: `process_exception` and the error handlers turn that into the same 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _declared_length(request) > body_limit(request):
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None


def bad_request(request, exception=None):
    """handler400: Django turns RequestDataTooBig raised in a middleware (CSRF reading the form)
    into a 400; it is a 413 to the client."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    if request.path.startswith("/api/"):
        return problem_response(
            status=400, code="request.bad", title=_("Bad request"), request=request
        )
    return render(request, "400.html", status=400)
