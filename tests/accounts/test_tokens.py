"""API sign-ins end with the web's: logout stops the access token at once, and ending web sessions
(one, all, or by a password change) ends every API refresh and access token of the member."""

import json

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


def _post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _api_sign_in(member) -> dict:
    response = _post(Client(), "/api/v1/auth/token", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()


def _me(pair) -> int:
    return (
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {pair['access_token']}").status_code
    )


def _refresh(pair) -> int:
    return _post(
        Client(), "/api/v1/auth/refresh", {"refresh_token": pair["refresh_token"]}
    ).status_code


def _web_sign_in(member, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    response = browser.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_logout_stops_the_access_token_at_once_and_only_that_sign_in():
    member = MemberFactory()
    phone, tablet = _api_sign_in(member), _api_sign_in(member)
    assert _me(phone) == 200
    response = _post(Client(), "/api/v1/auth/logout", {"refresh_token": phone["refresh_token"]})
    assert response.status_code == 204
    assert _me(phone) == 401  # not 15 minutes later: now
    assert _refresh(phone) == 401
    assert _me(tablet) == 200  # the member's other sign-in is not touched
    assert _refresh(tablet) == 200


def test_a_reused_refresh_token_stops_the_stolen_access_token_too():
    member = MemberFactory()
    first = _api_sign_in(member)
    rotated = _post(Client(), "/api/v1/auth/refresh", {"refresh_token": first["refresh_token"]})
    second = rotated.json()
    assert _me(second) == 200
    assert _refresh(first) == 401  # reuse: the whole family is revoked
    assert _me(second) == 401


def test_signing_out_everywhere_on_the_web_ends_api_tokens():
    member = MemberFactory()
    pair = _api_sign_in(member)
    laptop = _web_sign_in(member, "laptop")
    response = laptop.post("/settings/security/sessions/end", {"all": "1"})
    assert response.status_code == 302
    assert _me(pair) == 401
    assert _refresh(pair) == 401
    assert laptop.get("/settings/profile").status_code == 200  # this browser stays signed in


def test_ending_one_web_session_ends_api_tokens():
    member = MemberFactory()
    pair = _api_sign_in(member)
    laptop = _web_sign_in(member, "laptop")
    phone = _web_sign_in(member, "phone")
    target = UserSession.objects.get(user=member, user_agent="phone")
    laptop.post("/settings/security/sessions/end", {"session": str(target.pk)})
    assert phone.get("/settings/profile").status_code == 302
    assert _me(pair) == 401
    assert _refresh(pair) == 401


def test_ending_nothing_leaves_api_tokens_alone():
    member = MemberFactory()
    pair = _api_sign_in(member)
    laptop = _web_sign_in(member, "laptop")
    laptop.post("/settings/security/sessions/end", {"session": "999999"})
    assert _me(pair) == 200


def test_password_change_on_the_web_stops_access_tokens_too():
    member = MemberFactory()
    pair = _api_sign_in(member)
    laptop = _web_sign_in(member, "laptop")
    response = laptop.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-secret-9",
            "password2": "a-brand-new-secret-9",
        },
    )
    assert response.status_code == 302
    assert _me(pair) == 401
    assert _refresh(pair) == 401
