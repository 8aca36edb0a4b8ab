"""Notifications in Chromium, on the real ASGI server (uvicorn: the stream is async), as two
members use them.

Liam favourites Maya's post in his browser → Maya's bell changes without a reload; her drawer
opens from the bell (focus inside, Escape returns it), shows the favourite, and updates while
open when Liam follows her; "Mark all read" on /notifications clears the badge for good; the
phone's bottom nav carries the badge too. axe finds nothing on the drawer, the page and
/settings/notifications.
"""

import time

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.conftest import _new_page, assert_no_axe_violations, assert_page_intact
from tests.factories import MemberFactory
from tests.notifications.surface_asgi import asgi_server_start
from yalls.notifications import services as notification_services
from yalls.social.services import engagement
from yalls.social.services import posts as post_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def server(transactional_db, entity_kinds):
    running = asgi_server_start()
    yield running
    running.stop()


@pytest.fixture
def open_page(request, browser, server):
    """Browser contexts on the ASGI server (closed at the end)."""
    contexts = []

    def make(width=1280, height=900):
        context, page = _new_page(browser, server, width, height)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, server, member) -> None:
    client = Client()
    client.force_login(member)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": server.url,
            }
        ]
    )


def members():
    """Maya and Liam, with quiet hours off: the journey must not depend on the time of day."""
    maya = MemberFactory(handle="maya_rides", display_name="Maya Lopez")
    liam = MemberFactory(handle="liam_tack", display_name="Liam Tack")
    for member in (maya, liam):
        notification_services.preferences_update(member=member, quiet_enabled=False)
    return maya, liam


def checked(page, *, context=None) -> None:
    # Leaving a page aborts its live stream (a browser does that on every navigation): not a
    # broken page.
    page._yalls_problems[:] = [p for p in page._yalls_problems if "/notifications/stream" not in p]
    assert_page_intact(page)
    assert_no_axe_violations(page, context=context)


def wait_streams(server, n: int, timeout: float = 5.0) -> None:
    """Until n browsers hold a live stream on the server (their badge can change from now on)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hub = server.hub()
        if hub is not None and hub.open_streams() >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"expected {n} open notification streams")


def test_bell_updates_live_drawer_and_mark_all_read(open_page, server):
    maya, liam = members()
    post = post_services.post_create(author=maya, body="Foal born tonight")

    mine = open_page()
    sign_in(mine, server, maya)
    mine.goto("/")
    bell = mine.locator("[data-notif-bell]")
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(mine.locator('.topbar [data-unread="total"]')).to_be_hidden()
    checked(mine)
    wait_streams(server, 1)

    # Liam, in another browser, favourites the post.
    theirs = open_page()
    sign_in(theirs, server, liam)
    theirs.goto(f"/p/{post.pk}")
    started = time.monotonic()
    theirs.locator(f"#favorite-post-{post.pk}").click()
    expect(theirs.locator(f"#favorite-post-{post.pk}")).to_have_attribute("aria-pressed", "true")

    # Maya's bell changes without a reload.
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread", timeout=5_000)
    assert time.monotonic() - started < 5
    expect(mine.locator('.topbar [data-unread="total"]')).to_have_text("1 unread")
    expect(mine.locator("[data-notif-live]")).to_have_text("1 new notification")

    # The drawer: opened by the bell, focus inside, the favourite listed under Social.
    bell.click()
    drawer = mine.locator("#notif-drawer")
    expect(drawer).to_be_visible()
    expect(bell).to_have_attribute("aria-expanded", "true")
    expect(mine.locator("#notif-drawer-title")).to_be_focused()
    expect(drawer.locator("[data-notif-item]")).to_have_count(1)
    expect(drawer).to_contain_text("Liam Tack favorited your post")
    expect(drawer.locator('[data-notif-lane="social"]')).to_have_attribute("aria-current", "true")
    checked(mine)
    assert_no_axe_violations(mine, context="#notif-drawer")

    # While it is open, Liam follows Maya: the drawer and the bell follow.
    engagement.follow_create(member=liam, target_kind="member", target="maya_rides")
    expect(drawer).to_contain_text("Liam Tack followed you", timeout=5_000)
    expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")

    # Lanes switch in place, by keyboard too; Escape closes and focus returns to the bell.
    drawer.locator('[data-notif-lane="priority"]').focus()
    mine.keyboard.press("Enter")
    expect(drawer).to_contain_text("Nothing needs you right now.")
    expect(drawer.locator('[data-notif-lane="priority"]')).to_be_focused()
    mine.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(bell).to_be_focused()
    expect(bell).to_have_attribute("aria-expanded", "false")

    # Mark one read from the drawer, then everything in Social from the page.
    bell.click()  # it reopens on the lane it showed last
    expect(drawer.locator('[data-notif-lane="priority"]')).to_have_attribute("aria-current", "true")
    drawer.locator('[data-notif-lane="social"]').click()
    expect(drawer.locator("[data-notif-item]")).to_have_count(2)
    drawer.locator(".notif-read-form button").first.click()
    expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
    expect(drawer.locator(".notif-item.is-unread")).to_have_count(1)

    mine.goto("/notifications")
    expect(
        mine.locator('nav[aria-label="Notification lanes"] [aria-current="page"]')
    ).to_contain_text("Social")
    checked(mine)
    mine.locator("[data-notif-read-all]").click()
    expect(mine.locator("[data-notif-announce]")).to_have_text(
        "Marked 1 notification in Social as read."
    )
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(mine.locator('[data-unread="total"]').first).to_be_hidden()
    mine.reload()
    expect(bell).to_have_attribute("aria-label", "Notifications")
    expect(mine.locator(".notif-item.is-unread")).to_have_count(0)
    checked(mine)


def test_empty_lanes_mobile_badge_and_settings_page(open_page, server):
    maya, liam = members()

    phone = open_page(390, 844)
    sign_in(phone, server, maya)
    phone.goto("/notifications?lane=system")
    expect(phone.locator(".empty-state")).to_contain_text("No system notices")
    checked(phone)
    wait_streams(server, 1)
    engagement.follow_create(member=liam, target_kind="member", target="maya_rides")
    badge = phone.locator('.bottomnav [data-unread="total"]')
    expect(badge).to_be_visible(timeout=5_000)
    expect(badge).to_have_text("1 unread")
    expect(phone.locator('[data-unread="social"]').first).to_have_text("1 unread")
    expect(phone.locator("[data-notif-fresh]")).to_be_hidden()  # not this lane's news
    # A new notification in the lane on screen offers the fresh list without moving the reader.
    phone.goto("/notifications?lane=social")
    expect(phone.locator("[data-notif-item]")).to_have_count(1)
    checked(phone)
    wait_streams(server, 1)
    post = post_services.post_create(author=maya, body="Sunrise ride")
    engagement.favorite_toggle(member=liam, kind="post", ref_id=post.pk)
    expect(phone.locator("[data-notif-fresh]")).to_be_visible(timeout=5_000)
    expect(phone.locator("[data-notif-item]")).to_have_count(1)
    phone.locator("[data-notif-fresh]").click()
    expect(phone.locator("[data-notif-item]")).to_have_count(2)
    checked(phone)

    desk = open_page()
    sign_in(desk, server, maya)
    desk.goto("/settings/notifications")
    expect(desk.locator("h1")).to_have_count(1)
    checked(desk)
