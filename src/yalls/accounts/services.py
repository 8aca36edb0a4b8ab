"""Every write of the accounts domain: members, profiles, API tokens, credential changes."""

import uuid
import zoneinfo
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.accounts import errors, signin_guard, tokens
from yalls.accounts.models import PrivateProfile, RefreshToken, User
from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import Conflict, DomainError, Forbidden, Unauthorized
from yalls.core.handles import handle_claim
from yalls.core.images import image_field_replace, image_square_thumbnail
from yalls.core.models import Handle
from yalls.core.names import name_clean

LOCALES = {code for code, _ in settings.LANGUAGES}


TIMEZONES = frozenset(zoneinfo.available_timezones())


def _validate_timezone(name: str) -> str:
    if name not in TIMEZONES:
        raise DomainError(
            errors.TIMEZONE_INVALID, _("Pick a time zone from the list."), field="timezone"
        )
    return name


def _validate_locale(code: str) -> str:
    if code not in LOCALES:
        raise DomainError(
            errors.LOCALE_INVALID, _("Pick a language from the list."), field="locale"
        )
    return code


def _validate_display_name(name: str, fallback: str) -> str:
    name = name_clean(name) or fallback
    if len(name) > 80:
        raise DomainError(
            "profile.display_name_too_long",
            _("Display names are at most 80 characters."),
            field="display_name",
        )
    return name


@transaction.atomic
def member_create(
    *,
    email: str,
    password: str | None,
    handle: str,
    display_name: str = "",
    role: str = User.Role.MEMBER,
    timezone_name: str = "UTC",
    locale: str = "en",
    email_verified: bool | None = None,
) -> User:
    """Create a member and claim their handle in one transaction.

    `email_verified=None` (allauth's sign-up) leaves the EmailAddress row to allauth, which records
    and verifies it; True/False records it here (demo data, admin tools, tests).
    """
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise DomainError("account.email_required", _("Enter an email address."), field="email")
    if User.objects.annotate(ci=Lower("email")).filter(ci=email).exists():
        raise Conflict(
            errors.EMAIL_TAKEN, _("An account with that email already exists."), field="email"
        )
    user = User(
        email=email,
        role=role,
        timezone=_validate_timezone(timezone_name),
        locale=_validate_locale(locale),
    )
    user.handle = handle_claim(handle=handle, kind=Handle.Kind.MEMBER, owner_id=user.id)
    user.display_name = _validate_display_name(display_name, user.handle)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if email_verified is not None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user


@transaction.atomic
def profile_update(
    *,
    member: User,
    handle: str | None = None,
    display_name: str | None = None,
    bio: str | None = None,
    timezone_name: str | None = None,
    locale: str | None = None,
    avatar=None,
    remove_avatar: bool = False,
) -> User:
    """Change a member's public profile; only the given fields change."""
    member = User.objects.select_for_update().get(pk=member.pk)
    thumbnail = image_square_thumbnail(avatar, field="avatar") if avatar is not None else None
    if handle is not None and handle != member.handle:
        member.handle = handle_claim(handle=handle, kind=Handle.Kind.MEMBER, owner_id=member.id)
    if display_name is not None:
        member.display_name = _validate_display_name(display_name, member.handle)
    if bio is not None:
        if len(bio) > 500:
            raise DomainError(
                "profile.bio_too_long", _("Bios are at most 500 characters."), field="bio"
            )
        member.bio = bio.strip()
    if timezone_name is not None:
        member.timezone = _validate_timezone(timezone_name)
    if locale is not None:
        member.locale = _validate_locale(locale)
    # The file is written last, once every check has passed; the old one goes after commit.
    image_field_replace(member, "avatar", thumbnail, remove=remove_avatar)
    member.save()
    return member


@transaction.atomic
def private_profile_update(
    *,
    member: User,
    phone: str = "",
    date_of_birth=None,
    postal_address: str = "",
    now: datetime | None = None,
) -> PrivateProfile:
    phone = (phone or "").strip()
    if phone and not all(ch.isdigit() or ch in "+-() ." for ch in phone):
        raise DomainError(
            "profile.phone_invalid",
            _("Phone numbers use digits, spaces and + - ( )."),
            field="phone",
        )
    if date_of_birth and date_of_birth > timezone.localdate(now or timezone.now()):
        raise DomainError(
            "profile.birth_date_future",
            _("A date of birth can't be in the future."),
            field="date_of_birth",
        )
    private, _unused = PrivateProfile.objects.update_or_create(
        user=member,
        defaults={
            "phone": phone,
            "date_of_birth": date_of_birth,
            "postal_address": (postal_address or "").strip(),
        },
    )
    return private


# --- API tokens -----------------------------------------------------------------------------------


def _token_pair(user: User, *, family_id: uuid.UUID | None = None, user_agent: str = "") -> dict:
    raw, token_hash = tokens.refresh_token_new()
    family_id = family_id or uuid.uuid4()
    RefreshToken.objects.create(
        user=user,
        family_id=family_id,
        token_hash=token_hash,
        user_agent=user_agent[:300],
        expires_at=timezone.now() + timedelta(days=settings.JWT_REFRESH_TTL_DAYS),
    )
    access, ttl = tokens.access_token_issue(user, family_id=family_id)
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl, "refresh_token": raw}


def _check_second_factor(user: User, code: str | None) -> None:
    authenticators = list(Authenticator.objects.filter(user=user))
    if not any(a.type == Authenticator.Type.TOTP for a in authenticators):
        return
    if not code:
        raise Unauthorized(
            errors.MFA_REQUIRED, _("Two-factor authentication is on: send the code from your app.")
        )
    second_factors = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    for authenticator in authenticators:
        if authenticator.type in second_factors and authenticator.wrap().validate_code(
            code.strip()
        ):
            authenticator.record_usage()
            return
    raise Unauthorized(errors.MFA_INVALID, _("That two-factor code is not valid."))


def auth_token_obtain(
    *, email: str, password: str, otp_code: str | None, ip: str, user_agent: str = ""
) -> dict:
    """Exchange credentials (and a TOTP or recovery code when MFA is on) for an access/refresh pair.

    Runs in the system database context: the caller is not signed in yet.
    """
    signin_guard.signin_check(email=email, ip=ip)
    with system_context():
        user = authenticate(email=email, password=password)
        if user is None:
            signin_guard.signin_failed(email=email, ip=ip)
            raise Unauthorized(errors.INVALID_CREDENTIALS, _("Email or password is wrong."))
        if not EmailAddress.objects.filter(user=user, verified=True).exists():
            raise Unauthorized(
                errors.EMAIL_UNVERIFIED, _("Verify your email address before using the API.")
            )
        try:
            _check_second_factor(user, otp_code)
        except Unauthorized as exc:
            if exc.code == errors.MFA_INVALID:
                signin_guard.signin_failed(email=email, ip=ip)
            raise
        signin_guard.signin_succeeded(email=email, ip=ip)
        return _token_pair(user, user_agent=user_agent)


def auth_token_refresh(
    *, refresh_token: str, user_agent: str = "", now: datetime | None = None
) -> dict:
    """Rotate a refresh token. Presenting one that was already used revokes its whole family."""
    now = now or timezone.now()
    with system_context():
        token = (
            RefreshToken.objects.select_for_update()
            .select_related("user")
            .filter(token_hash=tokens.refresh_token_hash(refresh_token or ""))
            .first()
        )
        if token is None or (token.revoked_at is not None and token.used_at is None):
            raise Unauthorized(errors.REFRESH_INVALID, _("That refresh token is not valid."))
        reused = token.used_at is not None
        if reused:
            # Reuse of a rotated token means it leaked: end every token descended from that sign-in.
            # The revocation commits with this block; the error is raised after it.
            RefreshToken.objects.filter(family_id=token.family_id, revoked_at__isnull=True).update(
                revoked_at=now
            )
        elif token.expires_at <= now or not token.user.is_active:
            raise Unauthorized(
                errors.REFRESH_EXPIRED, _("That refresh token has expired; sign in again.")
            )
        else:
            token.used_at = now
            token.save(update_fields=["used_at"])
            return _token_pair(token.user, family_id=token.family_id, user_agent=user_agent)
    raise Unauthorized(
        errors.REFRESH_REUSED, _("That refresh token was already used; sign in again.")
    )


def auth_logout(*, refresh_token: str) -> None:
    """End the sign-in this refresh token belongs to (its whole family). Unknown tokens are a no-op."""
    with system_context():
        token = RefreshToken.objects.filter(
            token_hash=tokens.refresh_token_hash(refresh_token or "")
        ).first()
        if token is not None:
            RefreshToken.objects.filter(family_id=token.family_id, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


def _api_sign_ins_end(member: User) -> int:
    """End every API sign-in of the member: refresh tokens revoked, and the token version bumped
    so access tokens already handed out are refused at once. Returns how many sign-ins ended."""
    with system_context():
        User.objects.filter(pk=member.pk).update(token_version=F("token_version") + 1)
        member.refresh_from_db(fields=["token_version"])
        live = RefreshToken.objects.filter(user=member, revoked_at__isnull=True)
        families = live.values("family_id").distinct().count()
        live.update(revoked_at=timezone.now())
    return families


@transaction.atomic
def credentials_changed(*, member: User, keep_session_key: str | None) -> None:
    """After a password change or reset: end every other web session and every API token."""
    _api_sign_ins_end(member)
    audit_record(
        actor=member, action="member.credentials_changed", target_type="member", target_id=member.pk
    )
    with system_context():
        others = UserSession.objects.filter(user=member).exclude(session_key=keep_session_key or "")
        Session.objects.filter(
            session_key__in=list(others.values_list("session_key", flat=True))
        ).delete()
        others.delete()


@transaction.atomic
def member_role_set(*, actor: User, member: User, role: str) -> User:
    """Admins change roles; every change is audited."""
    if not actor.is_staff:
        raise Forbidden("member.role_change_forbidden", _("Only admins change roles."))
    if role not in User.Role.values:
        raise DomainError(
            "member.role_invalid", _("Pick member, producer, moderator or admin."), field="role"
        )
    if member.pk == actor.pk and role != User.Role.ADMIN:
        raise DomainError(
            "member.role_self_demotion",
            _("Ask another admin to change your own role."),
            field="role",
        )
    with system_context():  # another member's row: RLS lets a member write only their own
        member = User.objects.select_for_update().get(pk=member.pk)
        previous = member.role
        if previous != role:
            member.role = role
            member.save(update_fields=["role"])
            audit_record(
                actor=actor, action="member.role_changed", target_type="member",
                target_id=member.pk, metadata={"from": previous, "to": role},
            )  # fmt: skip
    return member


@transaction.atomic
def member_sessions_end(
    *, member: User, session_ids: list[int] | None, keep_session_key: str | None
) -> int:
    """End some (or all other) web sessions of the member, and with them every API sign-in.
    Returns how many ended (web sessions plus API sign-ins).

    An API sign-in is not tied to a browser, so ending a session the member does not recognise
    cannot tell which app tokens came with it: all of them end (apps sign in again), as they do
    on "sign out everywhere" and on a password change."""
    sessions = UserSession.objects.filter(user=member).exclude(session_key=keep_session_key or "")
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    keys = list(sessions.values_list("session_key", flat=True))
    with system_context():
        Session.objects.filter(session_key__in=keys).delete()
    sessions.delete()
    api_sign_ins = _api_sign_ins_end(member) if keys or session_ids is None else 0
    return len(keys) + api_sign_ins


def refresh_tokens_prune(*, now: datetime) -> int:
    """Delete refresh tokens that expired more than a week before `now` (the job's tick)."""
    cutoff = now - timedelta(days=7)
    with system_context():
        deleted, _unused = RefreshToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
