"""API credentials: short-lived access JWTs and opaque refresh tokens (stored as hashes)."""

import hashlib
import secrets
import time
import uuid

import jwt
from django.conf import settings
from django.utils.translation import gettext as _

from yalls.accounts import errors
from yalls.core.errors import Unauthorized
from yalls.core.identifiers import uuid_parse

ALGORITHM = "HS256"
ISSUER = "yalls"


def _signing_key() -> str:
    return hashlib.sha256(f"yalls.jwt:{settings.SECRET_KEY}".encode()).hexdigest()


def access_token_issue(user, *, family_id=None) -> tuple[str, int]:
    """`fam` names the sign-in (the refresh-token family) the token belongs to: revoking that
    family (logout, reuse, sign out everywhere) stops its access tokens at once, not at expiry.
    Every sign-in passes it; a token minted without one is judged by `token_version` alone."""
    now = int(time.time())
    ttl = settings.JWT_ACCESS_TTL_SECONDS
    claims = {
        "iss": ISSUER,
        "sub": str(user.pk),
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
        "ver": user.token_version,
        "typ": "access",
    }
    if family_id is not None:
        claims["fam"] = str(family_id)
    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM), ttl


def access_token_decode(token: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "ver"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized(
            errors.TOKEN_EXPIRED, _("The access token has expired; refresh it.")
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized(errors.TOKEN_INVALID, _("The access token is not valid.")) from exc
    if claims.get("typ") != "access":
        raise Unauthorized(errors.TOKEN_INVALID, _("The access token is not valid."))
    # Signed is not well-formed: a token minted with another key rotation's bug, or by a test,
    # must still be a 401 rather than a failed lookup (a 500) further in.
    subject = uuid_parse(claims["sub"])
    version = claims["ver"]
    if subject is None or not isinstance(version, int) or isinstance(version, bool):
        raise Unauthorized(errors.TOKEN_INVALID, _("The access token is not valid."))
    if "fam" in claims and uuid_parse(claims["fam"]) is None:
        raise Unauthorized(errors.TOKEN_INVALID, _("The access token is not valid."))
    claims["sub"] = str(subject)
    return claims


def refresh_token_new() -> tuple[str, str]:
    """A fresh opaque refresh token and the hash we store instead of it."""
    raw = secrets.token_urlsafe(40)
    return raw, refresh_token_hash(raw)


def refresh_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
