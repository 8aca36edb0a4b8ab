"""Notification settings, one-click unsubscribe and the staff broadcast, in Chromium: the cap
slider shows its value as it moves (and without the script, the saved one), field errors are
announced, the unsubscribe link works signed out, and axe finds nothing on any of these pages."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import MemberFactory
from yalls.notifications.channels.email import unsubscribe_url
from yalls.notifications.models import Notification, Preference

pytestmark = [pytest.mark.e2e]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(page, live_server, member) -> None:
    client = Client()
    client.force_login(member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def checked(page) -> None:
    assert_page_intact(page)
    assert_no_axe_violations(page)


def test_settings_page_slider_errors_and_save(page, live_server):
    member = MemberFactory(handle="dana_denver", timezone_name="America/Denver")
    sign_in(page, live_server, member)
    page.goto(f"{live_server.url}/settings/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    output = page.locator("[data-cap-output]")
    expect(output).to_have_text("10")
    expect(page.get_by_text("a favorite would wait until 08:00")).to_be_visible()
    expect(page.locator("input[name=push]")).to_have_count(0)
    checked(page)

    slider = page.get_by_role("slider", name="Daily cap")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    expect(output).to_have_text("15")  # live, from notification_settings.js
    page.get_by_label("Hold notifications in quiet hours").uncheck()
    expect(page.get_by_label("Quiet from")).to_have_attribute("aria-disabled", "true")
    page.get_by_label("Hold notifications in quiet hours").check()
    page.get_by_label("Quiet until").fill("22:00")  # same as the start: refused
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-errors[role=alert]")).to_be_visible()
    expect(page.locator(".field-error")).to_contain_text("different times")
    checked(page)
    assert not Preference.objects.filter(member_id=member.pk).exists()

    page.get_by_label("Quiet until").fill("07:00")
    page.get_by_label("Social", exact=True).first.uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    expect(page.get_by_text("Turned off: Social.")).to_be_visible()
    checked(page)
    saved = Preference.objects.get(member_id=member.pk)
    assert (saved.daily_cap, saved.quiet_end.hour, saved.categories_off) == (15, 7, ["social"])


def test_unsubscribe_signed_out(page, live_server):
    member = MemberFactory(handle="rae_reads")
    url = unsubscribe_url(member.pk, "orders").replace(settings.SITE_URL, live_server.url)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop orders notification emails?")
    checked(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    checked(page)
    assert Preference.objects.get(member_id=member.pk).email_categories_off == ["orders"]
    page.goto(url[:-4] + "xxxx")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link doesn't work")
    checked(page)


def test_staff_broadcast(page, live_server):
    staff = MemberFactory(handle="ops_olu", role="admin")
    MemberFactory(handle="some_rider")
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/ops/notifications/broadcast")
    expect(page.get_by_role("heading", level=1)).to_have_text("Send an announcement")
    checked(page)
    page.get_by_label("Title").fill("Indoor arena closed Saturday")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Sending to 2 members")).to_be_visible()
    expect(page.get_by_role("cell", name="Indoor arena closed Saturday")).to_be_visible()
    checked(page)
    assert Notification.objects.count() == 0  # delivered by the jobs, not the request
