"""The OpenAPI document as the API really behaves: security schemes per operation, the
problem+json answers every operation can give, and the Idempotency-Key header on writes.

One schema subclass does it for every operation, so a new endpoint is documented honestly
without touching its decorator; an operation adds rarer codes with
`openapi_extra={"x-problems": [409]}`.
"""

from http.client import responses as reasons

from ninja import NinjaAPI
from ninja.openapi.schema import BODY_CONTENT_TYPES, OpenAPISchema

from yalls.core.errors import PROBLEM_CONTENT_TYPE
from yalls.core.idempotency import middleware as idempotency

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
EXTRA_PROBLEMS_KEY = "x-problems"

PROBLEM_SCHEMA = {
    "title": "Problem",  # a schema name for API clients, like every other one: not translated
    "description": "RFC 9457 problem details. `code` is stable: branch on it, not on `title`.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "A URI naming the problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "description": "Stable, e.g. `entity.handle_taken`"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Field errors (validation and field-bound domain errors)",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
        "retry_after": {"type": "integer", "minimum": 0},
    },
    "required": ["type", "title", "status", "code"],
    # Domain errors may carry extra members (RFC 9457 §3.2 allows extensions).
    "additionalProperties": True,
}

PROBLEM_DESCRIPTIONS = {
    400: "Malformed request: bad JSON, a bad cursor, a domain rule the input breaks",
    401: "No valid credentials: sign in, or send a valid Bearer access token",
    403: "Signed in but not allowed (or a cookie write without its CSRF token)",
    404: "The thing named does not exist, or you may not know that it does",
    409: "Conflicts with the current state (or the same Idempotency-Key is still running)",
    413: "The request body is too large",
    422: "Validation failed: `errors` lists each field",
    429: "Rate limited: wait `Retry-After` seconds",
    503: "A dependency (the database) is unavailable: retry after `Retry-After` seconds",
}

RETRY_AFTER = {
    "description": "Seconds to wait before retrying",
    "schema": {"type": "string", "pattern": r"^\d+$"},
}
# core/request_id.py echoes one on every response (the caller's when well-formed, else a new one).
REQUEST_ID = {
    "description": "This request's id, also in every log line it caused",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
}
WWW_AUTHENTICATE = {"description": "The Bearer challenge (RFC 6750)", "schema": {"type": "string"}}


def _problem_response(status: int) -> dict:
    response = {
        "description": PROBLEM_DESCRIPTIONS.get(status, reasons.get(status, "Error")),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": RETRY_AFTER}
    elif status == 401:
        response["headers"] = {"WWW-Authenticate": WWW_AUTHENTICATE}
    return response


class HonestOpenAPISchema(OpenAPISchema):
    """ninja's generator, plus what ninja cannot know on its own (see the module docstring)."""

    def operation_details(self, operation) -> dict:
        result = super().operation_details(operation)
        result.pop(EXTRA_PROBLEMS_KEY, None)  # consumed by responses(); not an OpenAPI field
        if not set(operation.methods) & SAFE_METHODS and not self._idempotency_exempt(operation):
            result["parameters"].append(_idempotency_parameter(operation))
        return result

    def _idempotency_exempt(self, operation) -> bool:
        path = "/" + self.path_prefix.strip("/") + "/" + getattr(operation, "_yalls_path", "")
        return path.startswith(idempotency.EXEMPT_PREFIXES)

    def operation_security(self, operation):
        if not operation.auth_callbacks:
            return None
        requirements: list[dict] = []
        for auth in operation.auth_callbacks:
            for name, scheme in auth.openapi_schemes().items():
                self.securitySchemes[name] = scheme
            for requirement in auth.openapi_requirements(operation.methods):
                if requirement not in requirements:
                    requirements.append(requirement)
        return requirements

    def responses(self, operation) -> dict:
        result = super().responses(operation)
        for status in sorted(problem_statuses(operation)):
            result.setdefault(status, _problem_response(status))
        for response in result.values():
            response.setdefault("headers", {})["X-Request-ID"] = REQUEST_ID
        return result

    def get_components(self) -> dict:
        components = super().get_components()
        components["schemas"]["Problem"] = PROBLEM_SCHEMA
        return components


def _sources(operation) -> set[str]:
    return {model.__ninja_param_source__ for model in operation.models}


def problem_statuses(operation) -> set[int]:
    """The problem+json statuses an operation can answer, from what it takes and who may call it.

    Every operation: 400 (malformed input, a domain rule), 429 (rate limits), 503 (database
    down). Inputs add 404 (a named thing that does not exist) and 422 (validation); a body adds
    413; a write adds 409 (state conflicts, an Idempotency-Key still running); credentials add
    401 (missing or bad token) and, when required, 403 (not allowed, CSRF)."""
    statuses = {400, 429, 503}
    sources = _sources(operation)
    if sources:
        statuses |= {404, 422}
    if sources & set(BODY_CONTENT_TYPES):
        statuses.add(413)
    if not set(operation.methods) & SAFE_METHODS:
        statuses.add(409)
    callbacks = operation.auth_callbacks or []
    if callbacks:
        statuses.add(401)
        if not any(getattr(auth, "allows_anonymous", False) for auth in callbacks):
            statuses.add(403)
    statuses |= set((operation.openapi_extra or {}).get(EXTRA_PROBLEMS_KEY, ()))
    return statuses


def _idempotency_parameter(operation) -> dict:
    # The middleware's own rule and marks (core/idempotency), so the document follows them.
    required = bool(getattr(operation.view_func, idempotency.MARK, {}).get("required"))
    return {
        "in": "header",
        "name": "Idempotency-Key",
        "required": required,
        "description": "A unique value per intended write (e.g. a UUID): a retry with the same "
        "key replays the first answer (`Idempotent-Replayed: true`) instead of writing twice.",
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": idempotency.MAX_KEY_LENGTH,
            "pattern": "^[ -~]+$",  # printable ASCII
        },
    }


class YallsAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document is produced by HonestOpenAPISchema."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        self._mark_paths()
        return HonestOpenAPISchema(self, path_prefix)

    def _mark_paths(self) -> None:
        # Operations don't know their path; the Idempotency-Key exemption is by path.
        for bound_router in self._get_bound_routers():
            for path, path_view in bound_router.path_operations.items():
                full = "/".join(p for p in (bound_router.prefix, path) if p).lstrip("/")
                for operation in path_view.operations:
                    operation._yalls_path = full
