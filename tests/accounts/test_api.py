"""API auth: token, refresh rotation, reuse detection, logout, MFA, revocation on password change."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.factories import PASSWORD, MemberFactory
from yalls.accounts import services
from yalls.accounts.models import RefreshToken

pytestmark = pytest.mark.django_db


def post(client, path, body, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def obtain(client, member, **extra):
    return post(
        client, "/api/v1/auth/token", {"email": member.email, "password": PASSWORD, **extra}
    )


def test_token_gives_access_and_refresh_and_access_works(client):
    member = MemberFactory()
    response = obtain(client, member)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert me.status_code == 200
    assert me.json()["handle"] == member.handle
    # stored only as a hash
    assert not RefreshToken.objects.filter(token_hash=body["refresh_token"]).exists()
    assert RefreshToken.objects.filter(user=member).count() == 1


def test_wrong_password_is_401_problem(client):
    member = MemberFactory()
    response = post(
        client, "/api/v1/auth/token", {"email": member.email, "password": "nope-nope-nope"}
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "auth.invalid_credentials"


def test_refresh_rotates_and_old_token_stops_working(client):
    member = MemberFactory()
    first = obtain(client, member).json()
    second = post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    again = post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    assert again.json()["code"] == "auth.refresh_reused"


def test_reusing_a_rotated_token_revokes_the_whole_family(client):
    member = MemberFactory()
    first = obtain(client, member).json()
    second = post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}).json()
    other_sign_in = obtain(client, member).json()
    assert (
        post(client, "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]}).status_code
        == 401
    )
    # the thief's (or victim's) newer token from that family is dead too
    dead = post(client, "/api/v1/auth/refresh", {"refresh_token": second["refresh_token"]})
    assert dead.status_code == 401
    # an unrelated sign-in keeps working
    assert (
        post(
            client, "/api/v1/auth/refresh", {"refresh_token": other_sign_in["refresh_token"]}
        ).status_code
        == 200
    )


def test_logout_revokes_the_family(client):
    member = MemberFactory()
    pair = obtain(client, member).json()
    assert (
        post(client, "/api/v1/auth/logout", {"refresh_token": pair["refresh_token"]}).status_code
        == 204
    )
    response = post(client, "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]})
    assert response.status_code == 401


def test_password_change_revokes_refresh_and_access_tokens(client):
    member = MemberFactory()
    pair = obtain(client, member).json()
    services.credentials_changed(member=member, keep_session_key=None)
    assert (
        post(client, "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}).status_code
        == 401
    )
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}")
    assert me.status_code == 401


def test_password_change_on_the_web_ends_api_tokens(client):
    member = MemberFactory()
    pair = obtain(client, member).json()
    client.force_login(member)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-secret-9",
            "password2": "a-brand-new-secret-9",
        },
    )
    assert response.status_code == 302
    assert (
        post(client, "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}).status_code
        == 401
    )


def _current_code(secret: str) -> str:
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


def test_mfa_member_needs_a_totp_code(client):
    member = MemberFactory()
    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    missing = obtain(client, member)
    assert missing.status_code == 401
    assert missing.json()["code"] == "auth.mfa_required"
    wrong = obtain(
        client, member, otp_code="000000" if _current_code(secret) != "000000" else "111111"
    )
    assert wrong.json()["code"] == "auth.mfa_invalid"
    ok = obtain(client, member, otp_code=_current_code(secret))
    assert ok.status_code == 200, ok.content
    assert Authenticator.objects.get(user=member).last_used_at is not None


def test_unverified_email_cannot_get_tokens(client):
    member = MemberFactory(email_verified=False)
    assert obtain(client, member).json()["code"] == "auth.email_unverified"


def test_repeated_failures_are_slowed_then_refused(client):
    member = MemberFactory()
    codes = []
    for _ in range(5):
        response = post(
            client, "/api/v1/auth/token", {"email": member.email, "password": "wrong-password-1"}
        )
        codes.append(response.json()["code"])
    assert codes[:3] == ["auth.invalid_credentials"] * 3
    assert "auth.too_many_attempts" in codes[3:]
    limited = post(client, "/api/v1/auth/token", {"email": member.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "request.malformed_json"),
        (json.dumps({"email": "a@b.c"}), 422, "request.validation_failed"),
        (
            json.dumps({"email": "a@b.c", "password": "x", "extra": 1}),
            422,
            "request.validation_failed",
        ),
        (json.dumps({"email": ["a"], "password": 5}), 422, "request.validation_failed"),
    ],
)
def test_bad_input_is_problem_json(client, body, status, code):
    response = client.post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_unknown_api_route_and_missing_auth_are_problem_json(client):
    missing = client.get("/api/v1/nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    unauth = client.get("/api/v1/me")
    assert unauth.status_code == 401
    assert unauth.json()["code"] == "auth.required"
    garbage = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer garbage")
    assert garbage.json()["code"] == "auth.token_invalid"


def test_refresh_expiry_is_judged_at_the_given_now(client):
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from yalls.core.errors import Unauthorized

    pair = obtain(client, MemberFactory()).json()
    past_expiry = timezone.now() + timedelta(days=settings.JWT_REFRESH_TTL_DAYS, minutes=1)
    with pytest.raises(Unauthorized) as refused:
        services.auth_token_refresh(refresh_token=pair["refresh_token"], now=past_expiry)
    assert refused.value.code == "auth.refresh_expired"
    assert services.auth_token_refresh(refresh_token=pair["refresh_token"])["refresh_token"]
