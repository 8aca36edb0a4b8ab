"""The named rate-limit profiles, which profile a request falls under, and `@rate_limit`.

A profile is one or more rules; a rule is "q requests per w seconds" counted per *subject*:
- "client": the signed-in member, else the client IP, per route (method + route pattern);
- "account": the account named in a sign-in/sign-up/reset body (its email), across auth routes;
- "ip": the client IP, across auth routes.
The auth rules are shared by every auth route so an attacker can't multiply the budget by
alternating between the web form and the API.
"""

from dataclasses import dataclass

from yalls.core.ratelimit import routes

MARK = "_yalls_rate_limit_profile"


@dataclass(frozen=True)
class Rule:
    policy: str  # the name shown in the RateLimit / RateLimit-Policy headers
    quota: int
    window_seconds: int
    subject: str  # "client" | "account" | "ip"


@dataclass(frozen=True)
class Profile:
    name: str
    rules: tuple[Rule, ...]


def _simple(name: str, quota: int) -> Profile:
    return Profile(name, (Rule(name, quota, 60, "client"),))


PROFILES: dict[str, Profile] = {
    "high": _simple("high", 600),
    "standard": _simple("standard", 120),
    "expensive": _simple("expensive", 10),
    "auth": Profile(
        "auth",
        (Rule("auth-ip", 20, 60, "ip"), Rule("auth-account", 5, 60, "account")),
    ),
    "admin": _simple("admin", 60),
}

API_PREFIX = "/api/"
API_AUTH_PREFIX = "/api/v1/auth/"
# allauth's sign-in, sign-up and password-reset forms (POST only: showing the form is free).
# 2FA and re-authentication are sign-in steps too: a TOTP code is as guessable as a password.
WEB_AUTH_PREFIXES = (
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/2fa/authenticate/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/reauthenticate/",
)
WEBHOOK_PREFIX = "/webhooks/"
ADMIN_PREFIXES = ("/ops/", "/admin/")


def rate_limit(profile: str):
    """Give a handler (ninja operation or plain Django view) another profile than its route's.

        @router.post("/search/rebuild")
        @rate_limit("expensive")
        def rebuild(request): ...

    Either decorator order works: ninja registers the function object itself.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown rate-limit profile {profile!r}; known: {sorted(PROFILES)}")

    def decorate(view):
        setattr(view, MARK, profile)
        return view

    return decorate


def profile_for(request) -> Profile | None:
    """The profile this request is counted under, or None for requests that are not limited
    (ordinary web pages, static files, /health)."""
    path = request.path_info
    if path.startswith(API_PREFIX):
        marked = routes.handler_mark(request, MARK)
        if marked:
            return PROFILES[marked]
        return PROFILES["auth" if path.startswith(API_AUTH_PREFIX) else "standard"]
    if path.startswith(WEB_AUTH_PREFIXES):
        return PROFILES["auth"] if request.method == "POST" else None
    if path.startswith(WEBHOOK_PREFIX):
        return PROFILES[routes.handler_mark(request, MARK) or "high"]
    if path.startswith(ADMIN_PREFIXES):
        return PROFILES[routes.handler_mark(request, MARK) or "admin"]
    marked = routes.handler_mark(request, MARK)
    return PROFILES[marked] if marked else None
