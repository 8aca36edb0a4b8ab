"""NUL characters can't be stored in PostgreSQL text: refuse them at the edge with a clear 400."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from yalls.core.errors import problem_response

NUL = "\x00"


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


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
        request, "400.html", {"exception": "The request contains a NUL character."}, status=400
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
        JSON bodies are checked by the API's input schemas; webhooks read their own raw body."""
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.startswith("/webhooks/")
            and _has_nul(request.POST)
        ):
            return _refuse(request)
        return None
