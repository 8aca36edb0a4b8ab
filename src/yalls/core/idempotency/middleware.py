"""Idempotency-Key on every API write: the first request runs, repeats get its stored response.

It sits outside DbContextMiddleware (see settings.MIDDLEWARE) and opens the transaction the
whole request runs in: the key's claim, the view's write (DbContextMiddleware's and the view's
atomic blocks nest inside as savepoints) and the stored response commit together or not at all.
Concurrent duplicates wait on the claim's row, then replay. Keys are scoped to the member (or
anonymous client IP) and the route pattern. See docs/platform/idempotency.md.
"""

import hashlib

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse

from yalls.core.db_context import system_context
from yalls.core.errors import problem_response
from yalls.core.http import client_ip
from yalls.core.idempotency import services
from yalls.core.idempotency.decorators import MARK
from yalls.core.ratelimit.routes import handler_mark, route_pattern
from yalls.core.request_context import hash_ip

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
# Token endpoints mint credentials: storing their responses for a day would turn this table into
# a second, unhashed token store. They ignore the header (a retry simply signs in again).
EXEMPT_PREFIXES = ("/api/v1/auth/",)
MAX_KEY_LENGTH = 255
DEFAULT_WAIT_SECONDS = 10.0
# Headers that belong to one delivery, not to the stored result.
_NOT_STORED = frozenset(
    {
        "set-cookie",
        "content-length",
        "date",
        "server",
        "x-request-id",
        "retry-after",
        "ratelimit",
        "ratelimit-policy",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    }
)


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key)


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n")
    digest.update(request.get_full_path().encode())
    digest.update(b"\n")
    digest.update(hashlib.sha256(request.body).digest())
    return digest.hexdigest()


def _owner(request) -> tuple[str, object]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"member:{user.pk}", user.pk
    return f"anonymous:{hash_ip(client_ip(request))}", None


def _problem(request, status: int, code: str, title: str, detail: str):
    return problem_response(status=status, code=code, title=title, detail=detail, request=request)


def _replay(record) -> HttpResponse:
    response = HttpResponse(bytes(record.response_body or b""), status=record.response_status)
    for name, value in record.response_headers:
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in WRITE_METHODS or not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        key = request.headers.get(HEADER)
        if key is None:
            if handler_mark(request, MARK, {}).get("required"):
                return _problem(
                    request,
                    400,
                    "idempotency.key_required",
                    "Idempotency-Key required",
                    f"This write moves money or seats: send an {HEADER} header (a unique value "
                    "per intended operation, e.g. a UUID) so a retry cannot do it twice.",
                )
            return self.get_response(request)
        if not _valid_key(key):
            return _problem(
                request,
                400,
                "idempotency.key_invalid",
                "Invalid Idempotency-Key",
                f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            )
        if request.path_info.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        return self._run_once(request, key)

    def _run_once(self, request, key: str):
        owner, member_id = _owner(request)
        route = route_pattern(request)
        # The method is part of the operation: a POST to a PUT-only route with the PUT's key is a
        # different request, answered by the route (405), not a reused key (422).
        scope = hashlib.sha256(f"{owner}\n{request.method}\n{route}\n{key}".encode()).hexdigest()
        with transaction.atomic():
            with system_context():  # the key table is read by scope, not through RLS
                claim = services.idempotency_key_claim(
                    scope=scope,
                    member_id=member_id,
                    key=key,
                    route=route[:300],
                    method=request.method,
                    path=request.get_full_path(),
                    fingerprint=_fingerprint(request),
                    wait_seconds=float(
                        getattr(settings, "IDEMPOTENCY_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)
                    ),
                )
            if claim.outcome != "owned":
                return self._refusal(request, claim)
            record = claim.record
            # An exception in the view arrives here as Django's 500 response (each middleware's
            # get_response converts exceptions), so both cases are handled by the status.
            response = self.get_response(request)
            if response.status_code >= 500:
                # Our failure: nothing of this request stays (its write and its key roll back
                # together), so a retry with the same key runs again.
                transaction.set_rollback(True)
                return response
            with system_context():
                if getattr(response, "streaming", False):
                    services.idempotency_key_release(record=record)  # a body we can't keep
                    return response
                headers = [
                    [name, value]
                    for name, value in response.items()
                    if name.lower() not in _NOT_STORED
                ]
                services.idempotency_key_complete(
                    record=record,
                    status=response.status_code,
                    headers=headers,
                    body=response.content,
                )
        return response

    def _refusal(self, request, claim):
        if claim.outcome == "replay":
            return _replay(claim.record)
        if claim.outcome == "mismatch":
            return _problem(
                request,
                422,
                "idempotency.key_reused",
                "Idempotency-Key reused",
                f"This {HEADER} was already used for a different request (method, path or "
                "body). Use a new key for a new operation.",
            )
        response = _problem(
            request,
            409,
            "idempotency.in_progress",
            "Request in progress",
            f"A request with this {HEADER} is still being processed. Retry shortly to get "
            "its result.",
        )
        response["Retry-After"] = "1"
        return response
