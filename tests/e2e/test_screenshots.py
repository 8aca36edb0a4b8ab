"""Screenshots of the pages a new member sees first, at 390 and 1280 px, on the demo world: each page
fits the screen, loads intact and has no axe violation; the PNGs land in test-results/ to look at."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    assert_no_axe_violations,
    assert_page_intact,
    save_screenshot,
)
from yalls.demo.world import DEMO_PASSWORD, seed_world

pytestmark = pytest.mark.e2e

PAGES = [
    ("home", "/"),
    ("profile", "/@maya_rides"),
    ("entity", "/@willow_creek"),
    ("composer", "/compose"),
    ("settings", "/settings/profile"),
    ("security", "/settings/security"),
    ("sessions", "/settings/security/sessions"),
    ("notifications", "/notifications"),
    ("entities", "/entities/"),
    ("edges", "/entities/little_thunder/edges"),
    ("approvals", "/entities/willow_creek/approvals"),
    ("search", "/search?q=thunder"),
    ("contact", "/entities/willow_creek/contact"),
    ("followers", "/@maya_rides/followers"),
    ("following", "/@maya_rides/following"),
]


def _sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name='login']").fill(email)
    page.locator("input[name='password']").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/$"))


def _fits(page) -> None:
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def _tour(page, size: str) -> None:
    seed_world()
    _sign_in(page, "maya@yalls.local")
    for name, path in PAGES:
        page.goto(path)
        assert_page_intact(page)
        _fits(page)
        save_screenshot(page, f"{name}-{size}")
        assert_no_axe_violations(page)
    page.goto("/@maya_rides")
    page.locator("main a[href^='/p/']").first.click()
    assert_page_intact(page)
    save_screenshot(page, f"post-{size}")


def test_first_pages_look_finished_on_a_phone(mobile_page):
    _tour(mobile_page, "phone")


def test_first_pages_look_finished_on_a_desktop(page):
    _tour(page, "desktop")
