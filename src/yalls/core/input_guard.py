"""NUL characters can't be stored in PostgreSQL text: refuse them at the edge with a clear 400."""

from django.shortcuts import render

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


class RejectNulMiddleware:
    """Paths and query strings with NUL are refused before any view or query sees them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path or any(NUL in k or NUL in v for k, v in request.GET.items()):
            if request.path.startswith("/api/"):
                return problem_response(
                    status=400,
                    code="request.nul_character",
                    title="Bad request",
                    detail="The request contains a NUL character.",
                    request=request,
                )
            return render(
                request,
                "400.html",
                {"exception": "The address contains a NUL character."},
                status=400,
            )
        return self.get_response(request)
