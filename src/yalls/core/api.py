"""The shared API machinery: input schemas that refuse unknown fields, member auth, problem+json."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.utils import check_csrf
from pydantic import ConfigDict, model_validator

from yalls.core.errors import DomainError, domain_error_response, problem_response
from yalls.core.input_guard import contains_unstorable, too_large_response

log = logging.getLogger(__name__)


class Input(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data):
        if contains_unstorable(data):
            raise ValueError("Text can't contain NUL characters or unpaired UTF-16 surrogates.")
        return data


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class MemberAuth:
    """Bearer access token (set by BearerTokenMiddleware) or the web session (with CSRF)."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request):
        error = getattr(request, "bearer_error", None)
        if error is not None:
            raise error
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        cookie_write = (
            getattr(request, "auth_method", "session") != "jwt"
            and request.method not in SAFE_METHODS
        )
        if cookie_write and check_csrf(request) is not None:
            raise DomainError(
                "auth.csrf_failed",
                _("CSRF check failed for a cookie-authenticated request."),
                status=403,
            )
        return user


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return ".".join(parts) or "body"


def install_problem_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain(request, exc: DomainError):
        headers = (
            {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
        )
        response = domain_error_response(request, exc)
        for key, value in (headers or {}).items():
            response[key] = value
        return response

    @api.exception_handler(ValidationError)
    def _validation(request, exc: ValidationError):
        errors = []
        for err in exc.errors:
            kind = err.get("type", "invalid")
            message = err.get("msg", "Invalid value.")
            if kind == "json_invalid" or "JSON" in message:
                return problem_response(
                    status=400,
                    code="request.malformed_json",
                    title=_("Malformed JSON"),
                    detail=_("The request body is not valid JSON."),
                    request=request,
                )
            errors.append({"field": _field(err.get("loc", ())), "code": kind, "message": message})
        return problem_response(
            status=422, code="request.validation_failed", title=_("Validation failed"),
            detail=_("Some fields are missing or invalid."), request=request, errors=errors,
        )  # fmt: skip

    @api.exception_handler(AuthenticationError)
    def _auth(request, exc):
        return problem_response(
            status=401, code="auth.required", title=_("Unauthorized"), detail=_("Sign in or send a Bearer access token."),
            request=request, headers={"WWW-Authenticate": 'Bearer realm="yalls"'},
        )  # fmt: skip

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        return too_large_response(request)

    @api.exception_handler(HttpError)
    def _http(request, exc: HttpError):
        if isinstance(exc.__cause__, DomainError):
            # Ninja wraps what the body parser (core.input_guard.JsonParser) raises: keep its code.
            return domain_error_response(request, exc.__cause__)
        if exc.status_code == 400 and "parse request body" in str(exc):
            return problem_response(
                status=400, code="request.malformed_json", title=_("Malformed JSON"),
                detail=_("The request body is not valid JSON."), request=request,
            )  # fmt: skip
        code = {
            400: "request.bad",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
        }.get(exc.status_code, "http_error")
        return problem_response(status=exc.status_code, code=code, title=str(exc), request=request)

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return problem_response(status=404, code="not_found", title=_("Not found"), request=request)

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        log.exception("unhandled API error")
        return problem_response(
            status=500, code="server.error", title=_("Internal error"),
            detail=_("Something went wrong on our side; it has been logged."), request=request,
        )  # fmt: skip
