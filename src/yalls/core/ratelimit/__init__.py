"""Rate limiting: named profiles per route, counted in Redis (or per process when Redis is away).

Import surface: `RateLimitMiddleware` (installed in settings.MIDDLEWARE), the `rate_limit`
decorator that gives a handler another profile, `PROFILES`, and `status()` for /health.
See docs/platform/ratelimit.md.
"""

from yalls.core.ratelimit.limiter import status
from yalls.core.ratelimit.middleware import RateLimitMiddleware
from yalls.core.ratelimit.profiles import PROFILES, Profile, Rule, rate_limit

__all__ = ["PROFILES", "Profile", "RateLimitMiddleware", "Rule", "rate_limit", "status"]
