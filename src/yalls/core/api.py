"""The shared API machinery: input schemas that refuse unknown fields, member auth, problem+json."""

import logging
from datetime import time
from typing import Annotated

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.utils import check_csrf
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from yalls.core.db_outage import database_unavailable, outage_response
from yalls.core.errors import DomainError, domain_error_response, problem_response
from yalls.core.input_guard import contains_unstorable, too_large_response
from yalls.core.pagination import MAX_PAGE_SIZE

log = logging.getLogger(__name__)


# Text can't hold NUL (PostgreSQL refuses it); every body string says so in the document.
NO_NUL_PATTERN = r"^[^\x00]*$"
_SCHEMA_BRANCHES = ("anyOf", "oneOf", "allOf")


def _document_no_nul(node) -> None:
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(node):
        node["pattern"] = NO_NUL_PATTERN
    for key in _SCHEMA_BRANCHES:
        for branch in node.get(key, ()):
            _document_no_nul(branch)
    _document_no_nul(node.get("items"))
    if isinstance(node.get("additionalProperties"), dict):
        _document_no_nul(node["additionalProperties"])


def _input_json_schema(schema: dict, _model) -> None:
    for prop in schema.get("properties", {}).values():
        _document_no_nul(prop)


class Input(Schema):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_input_json_schema
    )

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data):
        if contains_unstorable(data):
            raise ValueError("Text can't contain NUL characters or unpaired UTF-16 surrogates.")
        return data


# Shared field types, so every operation documents (and enforces) the same formats and bounds.
# A page size the API refuses outside 1..100 rather than silently clamping.
PageLimit = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description="Page size (1-100)")]
# An opaque keyset cursor from a previous page's `next_cursor`.
Cursor = Annotated[str, Field(max_length=200, description="`next_cursor` of the previous page")]
# JSON booleans only: pydantic's lax mode would take 0, 1, "yes" or "off" for a bool.
Flag = StrictBool


def _query_bool(value):
    # A query string only carries text: accept exactly `true` and `false`, as documented.
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError(_("Use true or false."))


QueryFlag = Annotated[bool, BeforeValidator(_query_bool)]

# A wall-clock time in the member's own zone (quiet hours): no offset, by design, so it is not a
# JSON Schema `time` (which requires one): HH:MM, 00:00-23:59.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
LocalTimeIn = Annotated[
    str,
    Field(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$",
        description="HH:MM in the member's timezone (a trailing :00 is accepted)",
    ),
]
LocalTimeOut = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_TIME_PATTERN,
            "description": "HH:MM in the member's timezone (no offset: it follows the zone)",
        },
        mode="serialization",
    ),
]

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BearerAuth:
    """`Authorization: Bearer <access JWT>`, decoded by BearerTokenMiddleware; a bad token is a 401
    with its precise reason, never a silent fall back to another scheme or to anonymous."""

    scheme_name = "bearerAuth"

    def __call__(self, request):
        error = getattr(request, "bearer_error", None)
        if error is not None:
            raise error
        if getattr(request, "auth_method", None) != "jwt":
            return None
        user = request.user
        return user if user.is_authenticated else None

    def openapi_schemes(self) -> dict:
        return {
            self.scheme_name: {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An access token from `POST /api/v1/auth/token` (or `/refresh`).",
            }
        }

    def openapi_requirements(self, methods) -> list[dict]:
        return [{self.scheme_name: []}]


class SessionAuth:
    """The web session cookie; a write through it must carry the CSRF token (`X-CSRFToken`
    header, the value of the `csrftoken` cookie)."""

    scheme_name = "sessionCookie"
    csrf_scheme_name = "csrfToken"

    def __call__(self, request):
        if getattr(request, "auth_method", None) == "jwt":
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise DomainError(
                "auth.csrf_failed",
                _("CSRF check failed for a cookie-authenticated request."),
                status=403,
            )
        return user

    def openapi_schemes(self) -> dict:
        return {
            self.scheme_name: {
                "type": "apiKey",
                "in": "cookie",
                "name": settings.SESSION_COOKIE_NAME,
                "description": "The web sign-in (allauth). Writes also need `csrfToken`.",
            },
            self.csrf_scheme_name: {
                "type": "apiKey",
                "in": "header",
                "name": _csrf_header_name(),
                "description": f"The `{settings.CSRF_COOKIE_NAME}` cookie's value, on cookie "
                "writes.",
            },
        }

    def openapi_requirements(self, methods) -> list[dict]:
        if set(methods) <= set(SAFE_METHODS):
            return [{self.scheme_name: []}]
        return [{self.scheme_name: [], self.csrf_scheme_name: []}]


class AnonymousAuth:
    """Last in a list: lets the request through signed out (request.auth is AnonymousUser), so an
    operation serves everyone and shows members more. Put after BearerAuth so a bad token still
    answers 401."""

    allows_anonymous = True

    def __call__(self, request):
        return AnonymousUser()

    def openapi_schemes(self) -> dict:
        return {}

    def openapi_requirements(self, methods) -> list[dict]:
        return [{}]


def _csrf_header_name() -> str:
    # Django names it as a META key (HTTP_X_CSRFTOKEN); the wire name is X-CSRFToken.
    meta = settings.CSRF_HEADER_NAME
    return "X-CSRFToken" if meta == "HTTP_X_CSRFTOKEN" else meta.removeprefix("HTTP_").title()


# The two ways a member authenticates, tried in this order; every operation needs one of them
# unless it says otherwise.
MEMBER_AUTH = [BearerAuth(), SessionAuth()]
# Open to everyone; members (and only valid tokens) may see more.
MEMBER_OR_ANONYMOUS = [*MEMBER_AUTH, AnonymousAuth()]


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
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="yalls", error="invalid_token"'
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
        if database_unavailable(exc):
            return outage_response(request)  # 503 + Retry-After, not a 500
        log.exception("unhandled API error")
        return problem_response(
            status=500, code="server.error", title=_("Internal error"),
            detail=_("Something went wrong on our side; it has been logged."), request=request,
        )  # fmt: skip
