"""The 429 page a person sees after too many sign-in attempts: intact, accessible, one h1."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from yalls.core.ratelimit import limiter

pytestmark = pytest.mark.e2e


@pytest.fixture
def limits_on(settings):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMIT_REDIS_URL = ""  # the per-process counter: the live server is this process
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield
    limiter.reset()


def test_too_many_sign_in_attempts_show_a_friendly_page(page, limits_on):
    page.goto("/accounts/login/")
    for _ in range(5):
        page.get_by_label("Email", exact=True).fill("rider@example.test")
        page.get_by_label("Password", exact=True).fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    page.get_by_label("Email", exact=True).fill("rider@example.test")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    with page.expect_response(re.compile(r"/accounts/login/$")) as answer:
        page.get_by_role("button", name="Sign in").click()
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    expect(page.get_by_text(re.compile(r"Wait \d+ seconds?, then try again"))).to_be_visible()
    assert_page_intact(page)
    assert_no_axe_violations(page)
