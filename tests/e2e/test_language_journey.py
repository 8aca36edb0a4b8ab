"""The language menu in Chromium: a visitor switches the sign-in page to Spanish, a member
switches to French and it sticks (saved on their account), at phone and desktop widths, with no
axe violations in either language."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import MemberFactory

pytestmark = [pytest.mark.e2e]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(params=["mobile_page", "page"], ids=["390px", "1280px"])
def any_page(request):
    return request.getfixturevalue(request.param)


def checked(page) -> None:
    assert_page_intact(page)
    assert_no_axe_violations(page)


def switch_to(page, language_name: str, button: str) -> None:
    menu = page.locator("form.language-menu")
    menu.scroll_into_view_if_needed()
    menu.get_by_role("combobox").select_option(label=language_name)
    menu.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")


def test_visitor_switches_the_sign_in_page_to_spanish(any_page, live_server):
    page = any_page
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    checked(page)

    switch_to(page, "Español", "Change language")
    assert page.url.endswith("/accounts/login/")  # back where they were
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("button", name="Cambiar idioma")).to_be_visible()
    expect(page.locator("form.language-menu select")).to_have_value("es")
    checked(page)

    # The cookie keeps it: a later visit is still in Spanish.
    page.goto(f"{live_server.url}/search")
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_member_switches_to_french_and_it_is_saved(any_page, live_server):
    page = any_page
    member = MemberFactory(handle="lea_lyon", display_name="Léa")
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
    page.goto(f"{live_server.url}/settings/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    switch_to(page, "Français", "Change language")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_text("Heures calmes et plafond quotidien")).to_be_visible()
    checked(page)
    member.refresh_from_db()
    assert member.locale == "fr"

    # Saved on the account: a new browser session that signs in reads French straight away.
    page.context.clear_cookies()
    fresh = Client()
    fresh.force_login(member)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": fresh.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/settings/profile")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    checked(page)
