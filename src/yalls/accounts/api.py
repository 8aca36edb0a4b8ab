"""/api/v1/auth and /api/v1/me: thin handlers over accounts services."""

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema, Status
from pydantic import Field

from yalls.accounts import services
from yalls.core.api import Input
from yalls.core.http import client_ip

router = Router(tags=["auth"])
me_router = Router(tags=["members"])


class TokenIn(Input):
    email: str = Field(max_length=254)
    password: str = Field(max_length=512)
    otp_code: str | None = Field(
        default=None, max_length=32, description="TOTP or recovery code when MFA is on"
    )


class RefreshIn(Input):
    refresh_token: str = Field(max_length=200)


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str


class MemberOut(Schema):
    id: UUID
    handle: str
    display_name: str
    bio: str
    avatar_url: str | None
    timezone: str
    locale: str
    role: str
    date_joined: datetime

    @staticmethod
    def resolve_avatar_url(obj):
        return obj.avatar.url if obj.avatar else None


class MeOut(MemberOut):
    email: str


class ProfilePatch(Input):
    handle: str | None = Field(default=None, max_length=30)
    display_name: str | None = Field(default=None, max_length=80)
    bio: str | None = Field(default=None, max_length=500)
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=10)


@router.post(
    "/token",
    response=TokenOut,
    auth=None,
    summary="Exchange email + password (+ TOTP) for tokens",
    openapi_extra={"x-problems": [401]},
)
def token(request, payload: TokenIn):
    return services.auth_token_obtain(
        email=payload.email,
        password=payload.password,
        otp_code=payload.otp_code,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )


@router.post(
    "/refresh",
    response=TokenOut,
    auth=None,
    summary="Rotate a refresh token",
    openapi_extra={"x-problems": [401]},
)
def refresh(request, payload: RefreshIn):
    return services.auth_token_refresh(
        refresh_token=payload.refresh_token, user_agent=request.headers.get("User-Agent", "")
    )


@router.post(
    "/logout",
    response={204: None},
    auth=None,
    summary="Revoke the sign-in a refresh token belongs to",
)
def logout(request, payload: RefreshIn):
    services.auth_logout(refresh_token=payload.refresh_token)
    return Status(204, None)


@me_router.get("", response=MeOut, summary="The signed-in member")
def me(request):
    return request.auth


@me_router.patch("", response=MeOut, summary="Update the signed-in member's profile")
def me_update(request, payload: ProfilePatch):
    data = payload.model_dump(exclude_unset=True)
    if "timezone" in data:
        data["timezone_name"] = data.pop("timezone")
    return services.profile_update(member=request.auth, **data)
