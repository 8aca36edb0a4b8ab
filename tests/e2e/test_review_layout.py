"""Layout regressions found in the product review, at a phone's 390 px width: no page is wider than
the screen (the .sr-only spans inside a scrolling table and the long rel="me" snippet used to push
it wider), and the profile's pin-board error and undo bars stay hidden until a save needs them."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import PASSWORD, MemberFactory
from yalls.entities import services

pytestmark = pytest.mark.e2e


def sign_in(page, member):
    page.goto("/accounts/login/")
    page.locator("input[name='login']").fill(member.email)
    page.locator("input[name='password']").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/$"))


def assert_fits_viewport(page) -> None:
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def test_main_pages_fit_a_phone(mobile_page):
    page = mobile_page
    maya = MemberFactory(handle="maya_layout", role="admin")
    foal = services.entity_create(
        actor=maya, handle="foal_layout", display_name="Little Foal", kind="horse", sex="colt"
    )
    services.entity_create(
        actor=maya, handle="sire_layout", display_name="Big Sire", kind="horse", sex="stallion"
    )
    services.edge_create(
        actor=maya,
        source=foal,
        target_handle="sire_layout",
        type="offspring_of",
        parent_role="sire",
        allow_crosspost=True,
        auto_propagate=True,
    )
    sign_in(page, maya)

    for path in (
        "/",
        "/entities/foal_layout/edges",
        "/settings/links",
        "/@foal_layout",
        "/@maya_layout",
        "/ops/",
        "/ops/flags/",
    ):
        page.goto(path)
        assert_page_intact(page)
        assert_fits_viewport(page)

    # The pin board's error and undo bars carry [hidden] until a save fails or succeeds.
    page.goto("/@maya_layout")
    expect(page.locator("[data-pins-error]")).to_be_hidden()
    expect(page.locator("[data-pins-undo]")).to_be_hidden()
    assert_no_axe_violations(page)
