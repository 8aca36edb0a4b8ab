"""Counts each limited request before its view runs; answers 429 when over, and adds the headers.

Headers (IETF draft-ietf-httpapi-ratelimit-headers, plus the widely used X- trio):
    RateLimit-Policy: "standard";q=120;w=60
    RateLimit: "standard";r=57;t=31
    X-RateLimit-Limit: 120   X-RateLimit-Remaining: 57   X-RateLimit-Reset: 31 (seconds)
When a profile has several rules (auth), every rule is listed in RateLimit-Policy and the
others report the rule closest to refusing.
"""

import hashlib
import json

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from yalls.core.errors import problem_response
from yalls.core.http import client_ip
from yalls.core.ratelimit import profiles
from yalls.core.ratelimit.limiter import Outcome, limiter
from yalls.core.ratelimit.routes import route_pattern
from yalls.core.request_context import hash_ip

# Machine clients get problem+json; people filling in a form get a page.
JSON_PREFIXES = (profiles.API_PREFIX, profiles.WEBHOOK_PREFIX)
_ACCOUNT_FIELDS = ("email", "login")
_MAX_ACCOUNT_BODY = 16 * 1024


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def _account(request) -> str | None:
    """The account an auth request is about (the email in its body), normalised and hashed."""
    if request.method != "POST":
        return None
    value = None
    content_type = request.content_type or ""
    try:
        if content_type == "application/json":
            if int(request.META.get("CONTENT_LENGTH") or 0) <= _MAX_ACCOUNT_BODY:
                body = json.loads(request.body or b"{}")
                if isinstance(body, dict):
                    value = next((body[f] for f in _ACCOUNT_FIELDS if body.get(f)), None)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            value = next((request.POST[f] for f in _ACCOUNT_FIELDS if request.POST.get(f)), None)
    except (ValueError, UnicodeDecodeError, OSError, RecursionError):
        return None  # a malformed body is the view's to reject; the IP rule still counts it
    if not isinstance(value, str) or not value.strip():
        return None
    return _digest(value.strip().lower())


def _checks(request, profile: profiles.Profile) -> list:
    ip = hash_ip(client_ip(request))[:24]
    checks = []
    for rule in profile.rules:
        if rule.subject == "ip":
            checks.append((rule, f"ip:{ip}"))
        elif rule.subject == "account":
            account = _account(request)
            if account is not None:
                checks.append((rule, f"acct:{account}"))
        else:
            user = getattr(request, "user", None)
            who = f"m:{user.pk}" if user is not None and user.is_authenticated else f"ip:{ip}"
            checks.append((rule, f"{request.method} {route_pattern(request)}|{who}"))
    return checks


def _headers(outcomes: list[Outcome]) -> dict[str, str]:
    binding = min(outcomes, key=lambda o: (o.allowed, o.remaining, o.rule.quota))
    policies = ", ".join(
        f'"{o.rule.policy}";q={o.rule.quota};w={o.rule.window_seconds}' for o in outcomes
    )
    return {
        "RateLimit-Policy": policies,
        "RateLimit": f'"{binding.rule.policy}";r={binding.remaining};t={binding.reset_seconds}',
        "X-RateLimit-Limit": str(binding.rule.quota),
        "X-RateLimit-Remaining": str(binding.remaining),
        "X-RateLimit-Reset": str(binding.reset_seconds),
    }


def _too_many(request, refused: Outcome):
    retry_after = max(1, refused.reset_seconds)
    if request.path_info.startswith(JSON_PREFIXES):
        return problem_response(
            status=429,
            code="rate_limited",
            title=_("Too many requests"),
            detail=_("Slow down: try again in %(retry_after)s seconds.")
            % {"retry_after": retry_after},
            request=request,
            retry_after=retry_after,
            policy=refused.rule.policy,
        )
    return render(request, "429.html", {"retry_after": retry_after}, status=429)


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "RATELIMIT_ENABLED", True):
            return self.get_response(request)
        profile = profiles.profile_for(request)
        if profile is None:
            return self.get_response(request)
        checks = _checks(request, profile)
        outcomes = limiter().check(checks) if checks else []
        if not outcomes:
            return self.get_response(request)
        refused = next((o for o in outcomes if not o.allowed), None)
        response = _too_many(request, refused) if refused else self.get_response(request)
        headers = _headers(outcomes)
        if refused:
            headers["Retry-After"] = str(max(1, refused.reset_seconds))
        for name, value in headers.items():
            response[name] = value
        return response
