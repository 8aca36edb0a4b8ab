"""Hostile input never yields a 500: bodies past the size limit (413), JSON nested thousands deep
(400), lone UTF-16 surrogates, odd digits in ids, and signed tokens with a malformed subject."""

import json

import jwt
import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, MemberFactory
from yalls.accounts import tokens

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
TOO_BIG = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


def problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


# --- bodies of 10 MiB or more -----------------------------------------------------------------


def test_a_huge_json_body_to_the_anonymous_token_endpoint_is_413_problem():
    body = json.dumps({"email": "a@example.com", "password": "x" * TOO_BIG})
    response = Client().post("/api/v1/auth/token", data=body, content_type="application/json")
    problem(response, 413, "request.too_large")


def test_a_huge_json_body_from_a_member_is_413_problem():
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    body = json.dumps({"body": "x" * TOO_BIG})
    response = client.post(
        "/api/v1/posts", data=body, content_type="application/json", HTTP_X_CSRFTOKEN="x"
    )
    problem(response, 413, "request.too_large")


def test_a_huge_form_body_gets_a_413_page():
    response = Client().post(
        "/accounts/login/",
        data=f"login=a%40example.com&password={'x' * TOO_BIG}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert b"too large" in response.content.lower()


# --- deeply nested JSON -----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [500, 2_000, 8_000])
def test_json_nested_thousands_deep_is_400_problem(depth):
    body = '{"email": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    response = Client().post("/api/v1/auth/token", data=body, content_type="application/json")
    problem(response, 400)


def test_json_nested_deep_from_a_member_is_400_problem():
    member = MemberFactory()
    client = Client()
    client.force_login(member)
    body = '{"body": "hi", "x": ' + "{" * 0 + "[" * 5000 + "]" * 5000 + "}"
    response = client.post(
        "/api/v1/posts", data=body, content_type="application/json", HTTP_X_CSRFTOKEN="x"
    )
    assert response.status_code in (400, 403), response.content[:300]
    assert response["Content-Type"] == PROBLEM


# --- lone surrogates ---------------------------------------------------------------------------


def test_a_lone_surrogate_in_the_api_sign_in_email_is_not_a_500():
    body = '{"email": "\\ud800@example.com", "password": "x"}'
    response = Client().post("/api/v1/auth/token", data=body, content_type="application/json")
    assert response.status_code in (400, 401, 422)
    assert response["Content-Type"] == PROBLEM


def test_a_lone_surrogate_in_the_web_sign_in_email_is_not_a_500():
    response = Client().post(
        "/accounts/login/",
        data="login=%ED%A0%80%40example.com&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400)


# --- ids that look like numbers -----------------------------------------------------------------


def test_ending_a_session_with_a_superscript_digit_is_not_a_500():
    member = MemberFactory()
    client = Client()
    assert client.login(email=member.email, password=PASSWORD) or client.force_login(member) is None
    response = client.post(
        "/settings/security/sessions/end",
        data="session=%C2%B2",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400)


# --- signed tokens with a malformed subject ---------------------------------------------------------


@pytest.mark.parametrize("sub", ["not-a-uuid", "²", "0" * 5000, ""])
def test_a_signed_token_whose_subject_is_not_a_uuid_is_401_problem(sub):
    member = MemberFactory()
    token, _ = tokens.access_token_issue(member)
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode({**claims, "sub": sub}, tokens._signing_key(), algorithm=tokens.ALGORITHM)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {forged}")
    problem(response, 401)
