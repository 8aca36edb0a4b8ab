"""Reads of the accounts domain that are more than a `get`."""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from user_agents import parse as parse_user_agent

from yalls.accounts.models import PrivateProfile, RefreshToken, User
from yalls.core.errors import NotFound


def access_member_by_handle(handle: str) -> User:
    user = (
        User.objects.annotate(ci=Lower("handle")).filter(ci=handle.lower(), is_active=True).first()
    )
    if user is None:
        raise NotFound("member.not_found", _("No member has that handle."))
    return user


def private_profile_for(member: User) -> PrivateProfile:
    return PrivateProfile.objects.filter(user=member).first() or PrivateProfile(user=member)


def mfa_enabled(member: User) -> bool:
    return Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()


def describe_user_agent(raw: str) -> str:
    if not raw:
        return _("Unknown device")
    agent = parse_user_agent(raw)
    browser = agent.browser.family or "Browser"
    system = agent.os.family or "unknown system"
    return f"{browser} on {system}"


def device_kind(raw: str) -> str:
    """ "phone", "tablet" or "computer" (what the sessions page draws), from a user-agent string."""
    if not raw:
        return "computer"
    agent = parse_user_agent(raw)
    return "phone" if agent.is_mobile else "tablet" if agent.is_tablet else "computer"


def member_sessions(member: User, *, current_session_key: str | None) -> list[dict]:
    """The member's signed-in browsers, this one first, then by last activity."""
    rows = UserSession.objects.filter(user=member).order_by("-last_seen_at")[:50]
    sessions = [
        {
            "id": row.pk,
            "device": describe_user_agent(row.user_agent),
            "kind": device_kind(row.user_agent),
            "ip": row.ip,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "current": row.session_key == current_session_key,
        }
        for row in rows
    ]
    return sorted(sessions, key=lambda s: not s["current"])


def member_api_sign_ins(member: User) -> list[dict]:
    """Active API sign-ins: the newest live refresh token of each family."""
    rows = RefreshToken.objects.filter(
        user=member, revoked_at__isnull=True, used_at__isnull=True
    ).order_by("-created_at")[:50]
    return [
        {
            "family_id": r.family_id,
            "device": describe_user_agent(r.user_agent),
            "created_at": r.created_at,
        }
        for r in rows
    ]
