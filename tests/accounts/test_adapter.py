"""allauth hooks seen by a new member: mail speaks as "yalls" (not the host), the first sign-in is
greeted with "Welcome" and later ones with "Welcome back", and the entrance pages are in sentence case."""

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db


def test_signup_mail_greets_from_yalls_not_the_host(client):
    client.post(
        "/accounts/signup/",
        {
            "display_name": "New Rider",
            "handle": "new_rider",
            "email": "new@example.test",
            "password1": "a-long-unusual-secret-77",
            "password2": "a-long-unusual-secret-77",
        },
    )
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Hello from yalls!" in body
    assert "testserver" not in body.split("\n")[0]


def _sign_in(member) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_first_sign_in_says_welcome_and_the_next_says_welcome_back():
    member = MemberFactory(display_name="Nova Rider")
    first = _sign_in(member).get("/").content.decode()
    assert "Welcome, Nova Rider" in first
    assert "Welcome back" not in first

    again = _sign_in(member).get("/").content.decode()
    assert "Welcome back, Nova Rider" in again


def test_entrance_pages_use_sentence_case(client):
    login = client.get("/accounts/login/").content.decode()
    signup = client.get("/accounts/signup/").content.decode()
    for page in (login, signup):
        assert "Sign In" not in page and "Sign Up" not in page
    assert ">Sign in<" in login.replace("\n", "").replace("  ", "")
    assert "Sign up" in signup
