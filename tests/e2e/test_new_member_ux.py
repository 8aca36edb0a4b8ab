"""What a new member hit (issue 9), checked in Chromium at a phone's 390 px and a desktop's 1280 px:
the unread badge beside the bell, a long search that still fits, the whole TOTP secret, the Ops
routes table, the Post button in reach, "Add a pin" by kind, relations as a list, @mention
autocomplete, Reject with confirm/reason/undo, and "Following". axe-core runs on every page."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact
from tests.factories import PASSWORD, EntityFactory, MemberFactory
from tests.notifications.surface_helpers import make_notification
from yalls.entities import services as entity_services
from yalls.social.services import posts as post_services

pytestmark = pytest.mark.e2e


def sign_in(page: Page, member) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def fits(page: Page) -> None:
    width, viewport = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"


def checked(page: Page) -> None:
    assert_page_intact(page)
    fits(page)
    assert_no_axe_violations(page)


def icon_is_uncovered(page: Page, icon_selector: str) -> None:
    """The middle of the icon and its top-left quarter are the icon itself, not the badge."""
    hits = page.evaluate(
        """(selector) => {
            const icon = document.querySelector(selector);
            const box = icon.getBoundingClientRect();
            const points = [[0.5, 0.5], [0.3, 0.3], [0.5, 0.3]];
            return points.map(([x, y]) => {
                const el = document.elementFromPoint(box.left + box.width * x, box.top + box.height * y);
                return !!el && !el.closest(".notif-count");
            });
        }""",
        icon_selector,
    )
    assert all(hits), f"the unread badge covers {icon_selector}: {hits}"


@pytest.fixture
def maya(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    member = MemberFactory(handle="maya_ux", display_name="Maya Lopez", role="admin")
    MemberFactory(handle="liam_ux", display_name="Liam Chen")
    make_notification(member, lane="social", title="Liam Chen followed you")  # one unread
    return member


def test_phone_bell_search_secret_and_ops(mobile_page: Page, maya):
    page = mobile_page
    sign_in(page, maya)
    expect(page.locator(".bottomnav .notif-count")).to_be_visible()
    icon_is_uncovered(page, ".bottomnav a[href='/notifications'] svg")
    icon_is_uncovered(page, ".topbar-bell svg")
    checked(page)

    page.goto("/search?q=" + "thunderroadmoonlightbelle" * 6)
    checked(page)

    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # allauth may ask for the password again first
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret")
    expect(secret).to_be_visible()
    assert secret.evaluate("el => el.scrollWidth <= el.clientWidth")
    box = secret.bounding_box()
    assert box and box["x"] + box["width"] <= 390
    checked(page)

    page.goto("/ops/")
    checked(page)  # the routes table stacks its rows instead of widening the page


def test_desktop_bell_and_ops_routes_keep_p99_in_view(page: Page, maya):
    from yalls.core.ops import metrics

    metrics.record("/entities/<str:handle>/edges/<uuid:edge_id>/accept", "POST", 200, 40.0)
    sign_in(page, maya)
    icon_is_uncovered(page, ".topbar-bell svg")
    page.goto("/ops/")
    header = page.locator("[data-testid='route-table'] th", has_text="p99")
    expect(header).to_be_visible()
    table = page.locator("[data-testid='route-table']").bounding_box()
    cell = header.bounding_box()
    card = page.locator("section", has=page.locator("#routes-heading")).bounding_box()
    assert cell["x"] + cell["width"] <= card["x"] + card["width"] + 1, (cell, card, table)
    checked(page)


def test_composer_post_button_in_reach_and_mentions(mobile_page: Page, maya):
    page = mobile_page
    sign_in(page, maya)
    page.goto("/compose")
    post = page.get_by_role("button", name="Post", exact=True)
    box = post.bounding_box()
    bottom_bar = page.locator(".bottomnav").bounding_box()
    assert box and box["y"] + box["height"] <= bottom_bar["y"], (box, bottom_bar)
    expect(page.get_by_label("Schedule for later")).to_be_hidden()
    checked(page)

    body = page.get_by_label("What's happening?")
    body.click()
    body.press_sequentially("Great ride with @li")
    options = page.locator("#mention-list").get_by_role("option")
    expect(options.first).to_contain_text("@liam_ux")
    expect(page.locator("#mention-list")).to_be_visible()
    assert_no_axe_violations(page)
    body.press("Enter")
    expect(body).to_have_value("Great ride with @liam_ux ")
    expect(page.locator("#mention-list")).to_be_hidden()


def test_add_a_pin_shows_the_chosen_kinds_fields(page: Page, maya):
    post_services.post_create(author=maya, body="Clear round at the Classic")
    sign_in(page, maya)
    page.goto("/@maya_ux")
    page.get_by_text("Add a pin").click()
    kind = page.get_by_label("What to pin")
    kind.select_option("link")
    expect(page.get_by_label("Link (https://…)")).to_be_visible()
    expect(page.locator("#pin-post")).to_be_hidden()
    expect(page.locator("#pin-horse")).to_be_hidden()
    kind.select_option("post")
    expect(page.locator("#pin-post")).to_be_visible()
    expect(page.get_by_label("Link (https://…)")).to_be_hidden()

    # A refused pin comes back open, with the input kept and the reason beside the field.
    kind.select_option("link")
    page.get_by_label("Title").fill("My shop")
    page.get_by_label("Link (https://…)").fill("http://shop.example")
    page.get_by_role("button", name="Pin it").click()
    expect(page.locator("#pin-url-error")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("My shop")
    expect(page.get_by_label("Link (https://…)")).to_be_focused()
    checked(page)


def test_relations_are_a_list_on_a_phone(mobile_page: Page, maya):
    foal = entity_services.entity_create(
        actor=maya, handle="foal_ux", display_name="Little Foal", kind="horse", sex="colt"
    )
    entity_services.entity_create(
        actor=maya, handle="sire_ux", display_name="Big Sire", kind="horse", sex="stallion"
    )
    entity_services.edge_create(
        actor=maya, source=foal, target_handle="sire_ux", type="offspring_of", parent_role="sire"
    )
    page = mobile_page
    sign_in(page, maya)
    page.goto("/entities/foal_ux/edges")
    expect(page.locator(".edge-graph-card")).to_be_hidden()
    expect(page.locator(".table-relations td[data-label='Status']").first).to_be_visible()
    checked(page)

    # A refused relation: the form comes into view, focus on the field, message beside it.
    page.get_by_label("Other entity's handle").fill("@nobody_here")
    page.get_by_role("button", name="Add relation").click()
    target = page.get_by_label("Other entity's handle")
    expect(target).to_be_focused()
    expect(page.locator("#id_target_error")).to_be_in_viewport()


def test_reject_confirm_reason_undo_and_following(page: Page, maya):
    owner = MemberFactory(handle="brand_owner_ux")
    EntityFactory(actor=owner, handle="brand_ux", display_name="Brand UX", kind="brand")
    post_services.post_create(author=maya, body="May we share?", targets=["brand_ux"])
    sign_in(page, owner)
    page.goto("/entities/brand_ux/approvals")
    expect(page.get_by_role("button", name=re.compile("^Reject post"))).to_be_hidden()
    page.locator("summary", has_text="Reject…").click()
    page.get_by_label("Reason for the author (optional)").fill("Only our riders")
    page.get_by_role("button", name=re.compile("^Reject post")).click()
    expect(page.locator(".undo-bar")).to_contain_text("The author will be told")
    checked(page)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("waiting for a decision again")).to_be_visible()
    expect(page.get_by_text("May we share?")).to_be_visible()

    page.goto("/@maya_ux")
    page.get_by_role("button", name=re.compile("^Follow Maya Lopez")).click()
    following = page.locator("[data-following]")
    expect(following).to_contain_text("Following")
    following.hover()
    expect(following).to_contain_text("Unfollow")
    checked(page)
