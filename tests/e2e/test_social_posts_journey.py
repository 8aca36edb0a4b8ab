"""Posts end to end in Chromium: compose on the foal's page (as the foal) → the post shows on the
sire's and dam's pages; cross-post to a brand you don't manage → it shows after the brand's
manager approves (a second browser, signed in as the manager); repost with a caption → the
attribution chain is visible. axe-core runs on the composer, the post page and the queue."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _new_page, assert_no_axe_violations, assert_page_intact
from tests.factories import PASSWORD, EntityFactory, MemberFactory
from yalls.entities.models import Edge

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOAL_POST = "First morning in the big pasture with Mum and Dad! #foals"
BRAND_POST = "Our new saddle from @prairie_saddlery fits like a glove."
CAPTION = "Look at this colt go"


def _checked(page: Page) -> None:
    assert_page_intact(page)
    assert_no_axe_violations(page)


def _sign_in(page: Page, member) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    maya = MemberFactory(handle="maya_rides", display_name="Maya Lopez")
    foal = EntityFactory(
        actor=maya, handle="little_thunder", display_name="Little Thunder", kind="horse"
    )
    sire = EntityFactory(
        actor=maya, handle="thunder_road", display_name="Thunder Road", kind="horse"
    )
    dam = EntityFactory(
        actor=maya, handle="moonlight_belle", display_name="Moonlight Belle", kind="horse"
    )
    for parent, role in ((sire, "sire"), (dam, "dam")):
        Edge.objects.create(
            source=foal, target=parent, type="offspring_of", parent_role=role,
            allow_crosspost=True, auto_propagate=True, status="accepted",
        )  # fmt: skip
    olivia = MemberFactory(handle="olivia_saddles", display_name="Olivia Grant")
    EntityFactory(
        actor=olivia, handle="prairie_saddlery", display_name="Prairie Saddlery", kind="brand"
    )
    liam = MemberFactory(handle="liam_tack", display_name="Liam Chen")
    return maya, olivia, liam


def test_compose_propagate_approve_and_repost(page: Page, browser, live_server, world):
    maya, olivia, liam = world

    # 1. Maya posts as the foal from the foal's page; the composer names where it propagates.
    _sign_in(page, maya)
    page.goto("/@little_thunder")
    page.get_by_role("link", name="Post as Little Thunder").click()
    expect(page).to_have_url(re.compile(r"/compose\?as=little_thunder$"))
    expect(page.get_by_label("Post as")).to_have_value("little_thunder")
    hint = page.locator("#propagation-hint")
    expect(hint).to_contain_text("Auto-propagates to 2 entities")
    expect(hint).to_contain_text("Thunder Road")
    expect(hint).to_contain_text("Moonlight Belle")
    _checked(page)
    body = page.get_by_label("What's happening?")
    body.fill(FOAL_POST)
    expect(page.locator("#body-count")).to_have_text(f"{len(FOAL_POST)} / 5,000 characters")
    expect(page.locator("#draft-status")).to_contain_text("Draft saved", timeout=8000)  # autosave
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#compose-preview")).to_contain_text("First morning in the big pasture")
    expect(page.locator("#compose-preview").get_by_role("link", name="#foals")).to_be_visible()
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"/p/[0-9a-f-]{36}$"))
    foal_post_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Post by Little Thunder")
    _checked(page)
    for handle in ("thunder_road", "moonlight_belle"):
        page.goto(f"/@{handle}")
        expect(page.get_by_text(FOAL_POST.split(" #")[0])).to_be_visible()

    # 2. Maya cross-posts to a brand she doesn't manage: it waits for the brand's approval.
    page.goto("/compose")
    page.get_by_label("What's happening?").fill(BRAND_POST)
    # Cross-posting sits behind its toggle until wanted.
    expect(page.get_by_label("Other entities")).to_be_hidden()
    page.get_by_text("Also post to other entities").click()
    page.get_by_label("Other entities").fill("prairie_saddlery")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("region", name="Appears on")).to_contain_text("Waiting for approval")
    page.goto("/@prairie_saddlery")
    expect(page.get_by_text("fits like a glove")).to_have_count(0)

    # 3. Olivia, in her own browser, approves it from the brand's queue.
    manager_context, manager = _new_page(browser, live_server, 1280, 900)
    try:
        _sign_in(manager, olivia)
        manager.goto("/entities/prairie_saddlery/approvals")
        expect(manager.get_by_role("heading", level=1)).to_have_text("Approval queue")
        expect(manager.get_by_text("fits like a glove")).to_be_visible()
        _checked(manager)
        manager.get_by_role("button", name=re.compile("^Approve")).click()
        expect(manager.get_by_text("Nothing waiting")).to_be_visible()
        _checked(manager)
        manager.goto("/@prairie_saddlery")
        expect(manager.get_by_text("fits like a glove")).to_be_visible()

        # 4. Olivia reposts the foal's post; Liam reposts hers with a caption.
        manager.goto(foal_post_url)
        manager.get_by_role("button", name="Repost").click()
        expect(manager).to_have_url(re.compile(r"/p/[0-9a-f-]{36}$"))
        olivia_repost_url = manager.url
    finally:
        manager_context.close()

    page.locator("summary", has_text="Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, liam)
    page.goto(olivia_repost_url)
    page.get_by_label("Caption (optional)").fill(CAPTION)
    page.get_by_role("button", name="Repost").click()
    expect(page).to_have_url(re.compile(r"/p/[0-9a-f-]{36}$"))
    # The reposter is named once (in the card); the heading names the original's author.
    expect(page.get_by_role("heading", level=1)).to_have_text("Repost of a post by Little Thunder")
    expect(page.locator("main article").first).to_contain_text(
        "Liam Chen reposted from Olivia Grant"
    )
    expect(page.locator("main").get_by_text("Liam Chen", exact=True)).to_have_count(1)
    expect(page.get_by_text(CAPTION)).to_be_visible()
    _checked(page)
    page.goto(foal_post_url)
    expect(page.get_by_text("2 reposts")).to_be_visible()
