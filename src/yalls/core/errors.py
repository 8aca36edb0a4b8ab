"""Domain errors with stable codes, and their RFC 9457 problem+json form."""

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"


class DomainError(Exception):
    """An error a member can cause: a stable `code`, a message fit to show, an HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
        **extra,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class TooManyRequests(DomainError):
    status = 429
    title = "Too many requests"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    request=None,
    errors=None,
    headers=None,
    **extra,
) -> JsonResponse:
    body = {
        "type": f"https://yalls.dev/problems/{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
        request_id = getattr(request, "request_id", None)
        if request_id:
            body["request_id"] = request_id
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def domain_error_response(request, exc: DomainError) -> JsonResponse:
    errors = [{"field": exc.field, "code": exc.code, "message": exc.message}] if exc.field else None
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.message,
        request=request,
        errors=errors,
        **exc.extra,
    )


class DomainErrorMiddleware:
    """Web pages: a domain error that escapes a view becomes its page (404, 403, 400), never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        from django.shortcuts import render

        template = {404: "404.html", 403: "403.html"}.get(exception.status, "400.html")
        return render(request, template, {"exception": exception.message}, status=exception.status)
