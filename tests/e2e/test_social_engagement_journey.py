"""Favorites, the pin board and privacy settings in Chromium, as a member uses them.

Favorite a farm → still favorited after reload and listed on my favorites tab; reorder pins with
the keyboard (Space, arrow, Space) → the order survives a reload; a refused save rolls back
visibly; axe finds nothing on the profile with the pins editor, nor on /settings/privacy.
"""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import EntityFactory, MemberFactory
from yalls.social.services import engagement as services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page, live_server, member) -> None:
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def checked(page) -> None:
    assert_page_intact(page)
    assert_no_axe_violations(page)


def pin_titles(page) -> list[str]:
    return page.locator("[data-pin]").evaluate_all(
        "els => els.map(el => el.getAttribute('data-title'))"
    )


def test_favorite_an_entity_survives_reload_and_is_listed(page, live_server):
    rosa = MemberFactory(handle="rosa", display_name="Rosa Marín")
    farm = EntityFactory(handle="oak_farm", display_name="Oak Farm")
    sign_in(page, live_server, rosa)

    page.goto(f"/@{farm.handle}")
    checked(page)
    button = page.locator(f"#favorite-entity-{farm.pk}")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(page.locator(f"#favorite-entity-{farm.pk}")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#favorite-entity-{farm.pk}")).to_be_focused()  # htmx kept focus
    page.reload()
    expect(page.locator(f"#favorite-entity-{farm.pk}")).to_have_attribute("aria-pressed", "true")
    checked(page)

    page.goto("/@rosa?tab=favorites")
    expect(page.locator("#fav-entity")).to_have_text("Favorite entities")
    expect(page.locator("[data-favorites-list=entity]")).to_contain_text("Oak Farm")
    checked(page)


def test_reorder_pins_with_the_keyboard_then_reload(page, live_server):
    rosa = MemberFactory(handle="rosa", display_name="Rosa Marín")
    services.pins_set(
        member=rosa,
        pins=[
            {"kind": "achievement", "position": 1, "title": "Regional champion"},
            {"kind": "link", "position": 2, "title": "My shop", "url": "https://shop.example"},
            {"kind": "earning", "position": 3, "title": "Top earner 2024"},
        ],
    )
    sign_in(page, live_server, rosa)
    page.goto("/@rosa")
    checked(page)  # the editor (drag handles, forms, live region) passes axe

    first = page.locator("[data-pin]").first
    first.focus()
    page.keyboard.press("Space")
    expect(page.locator("[data-pins-live]")).to_contain_text("Picked up Regional champion")
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-pins-live]")).to_contain_text("moved to position 2 of 3")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me/pins")) as saved:
        page.keyboard.press("Space")
    assert saved.value.status == 200
    expect(page.locator("[data-pins-live]")).to_contain_text("Saved")
    expect(page.locator("[data-pins-undo]")).to_be_visible()
    assert pin_titles(page) == ["My shop", "Regional champion", "Top earner 2024"]

    page.reload()
    assert pin_titles(page) == ["My shop", "Regional champion", "Top earner 2024"]
    checked(page)

    # Undo puts the previous order back (and it sticks).
    page.locator("[data-pin]").nth(2).focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me/pins")):
        page.keyboard.press("Space")
    assert pin_titles(page) == ["My shop", "Top earner 2024", "Regional champion"]
    with page.expect_response(lambda r: r.url.endswith("/api/v1/me/pins")):
        page.get_by_role("button", name="Undo").click()
    assert pin_titles(page) == ["My shop", "Regional champion", "Top earner 2024"]
    page.reload()
    assert pin_titles(page) == ["My shop", "Regional champion", "Top earner 2024"]


def test_a_refused_save_rolls_back_visibly(page, live_server):
    rosa = MemberFactory(handle="rosa", display_name="Rosa Marín")
    services.pins_set(
        member=rosa,
        pins=[
            {"kind": "achievement", "position": 1, "title": "One"},
            {"kind": "achievement", "position": 2, "title": "Two"},
        ],
    )
    sign_in(page, live_server, rosa)
    page.goto("/@rosa")
    page.route(
        "**/api/v1/me/pins",
        lambda route: route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"status": 503, "code": "server.unavailable", "detail": "Try again soon."}',
        ),
    )
    page.locator("[data-pin]").first.get_by_role("button", name="Move down").click()
    expect(page.locator("[data-pins-error]")).to_be_visible()
    expect(page.locator("[data-pins-error]")).to_contain_text("back as they were")
    assert pin_titles(page) == ["One", "Two"]
    page.unroute("**/api/v1/me/pins")
    page._yalls_problems.clear()  # the 503 was ours, on purpose
    page.reload()
    assert pin_titles(page) == ["One", "Two"]


def test_privacy_settings_page(page, live_server):
    rosa = MemberFactory(handle="rosa", display_name="Rosa Marín")
    troll = MemberFactory(handle="troll", display_name="Troll")
    farm = EntityFactory(handle="noisy_farm", display_name="Noisy Farm")
    sign_in(page, live_server, rosa)
    page.goto("/settings/privacy")
    checked(page)  # empty states
    services.block_create(member=rosa, target=troll.pk)
    services.mute_create(member=rosa, target_kind="entity", target=farm.pk)
    page.reload()
    checked(page)
    page.get_by_role("button", name="Unblock @troll").click()
    expect(page.get_by_text("No one blocked")).to_be_visible()
    page.get_by_role("button", name="Unmute @noisy_farm").click()
    expect(page.get_by_text("Nothing muted")).to_be_visible()
