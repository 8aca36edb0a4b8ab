"""Request-level auth glue: Bearer access tokens for the API, the member's time zone and language."""

import uuid
import zoneinfo

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from yalls.accounts.models import RefreshToken, User
from yalls.accounts.tokens import access_token_decode
from yalls.core.errors import Unauthorized


def _user_from_claims(claims: dict):
    from django.contrib.auth.models import AnonymousUser

    members = User.objects.filter(pk=claims["sub"], is_active=True)
    if "fam" in claims:
        # One query: the token's sign-in must still be live (logout and "sign out everywhere"
        # revoke it), so a stolen access token stops at once rather than when it expires.
        try:
            family_id = uuid.UUID(str(claims["fam"]))
        except ValueError:
            return AnonymousUser()
        live = RefreshToken.objects.filter(
            user=OuterRef("pk"), family_id=family_id, revoked_at__isnull=True
        )
        members = members.filter(Exists(live))
    user = members.first()
    if user is None or user.token_version != claims["ver"]:
        return AnonymousUser()
    return user


def _empty_session():
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.SESSION_ENGINE).SessionStore()


class BearerTokenMiddleware:
    """`Authorization: Bearer <access JWT>` makes request.user that member; an invalid token is
    remembered on `request.bearer_error` so the API answers 401 with the precise reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        request.bearer_error = None
        if header[:7].lower() == "bearer ":
            request._dont_enforce_csrf_checks = True  # not a cookie: CSRF does not apply
            # A token request is not a web session: detach any session cookie sent with it, so
            # allauth does not record a phantom session (or fail on a junk cookie's key).
            request.session = _empty_session()
            try:
                claims = access_token_decode(header[7:].strip())
            except Unauthorized as exc:
                from django.contrib.auth.models import AnonymousUser

                request.bearer_error = exc
                request.user = AnonymousUser()
            else:
                request.user = SimpleLazyObject(lambda: _user_from_claims(claims))
                request.auth_method = "jwt"
        return self.get_response(request)


class MemberLocaleMiddleware:
    """A signed-in member's saved language wins over the language cookie and Accept-Language
    (which LocaleMiddleware already applied for visitors), on the web and the API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = user.locale
            if code in dict(settings.LANGUAGES):
                translation.activate(code)
                request.LANGUAGE_CODE = code
        return self.get_response(request)


class MemberTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
