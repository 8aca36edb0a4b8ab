"""Edges manager and linked accounts in Chromium: a foal's sire is added from the edges page,
the graph and table show it, the entity page lists it; the identity pages pass axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, assert_page_intact, save_screenshot
from tests.factories import PASSWORD, MemberFactory
from yalls.accounts.linked_accounts import badges
from yalls.entities import services

pytestmark = pytest.mark.e2e


def sign_in(page, member):
    page.goto("/accounts/login/")
    page.locator("input[name='login']").fill(member.email)
    page.locator("input[name='password']").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_edges_manager_and_identity_pages(page):
    maya = MemberFactory(handle="maya_e2e", role="admin")
    services.entity_create(
        actor=maya, handle="foal_e2e", display_name="Little Foal", kind="horse", sex="colt"
    )
    services.entity_create(
        actor=maya, handle="sire_e2e", display_name="Big Sire", kind="horse", sex="stallion"
    )
    badges.badge_ensure(slug="founding-member", label="Founding member")
    badges.badge_grant(actor=maya, member_handle=maya.handle, badge_slug="founding-member")
    sign_in(page, maya)

    page.goto("/entities/foal_e2e/edges")
    expect(page.get_by_role("heading", level=1)).to_have_text("Relations of Little Foal")
    assert_no_axe_violations(page)  # empty state
    page.get_by_label("Relation", exact=True).select_option("offspring_of")
    page.get_by_label("Other entity's handle").fill("@sire_e2e")
    page.get_by_label("Parent role", exact=True).select_option("sire")
    page.get_by_label("Auto-propagate", exact=True).check()
    page.get_by_role("button", name="Add relation").click()
    expect(page.get_by_role("img", name="Relations of Little Foal")).to_be_visible()
    expect(page.locator("table").get_by_text("offspring of (sire)")).to_be_visible()
    assert_page_intact(page)
    assert_no_axe_violations(page)
    save_screenshot(page, "edges-manager")

    page.goto("/@foal_e2e")
    expect(page.get_by_role("link", name="Big Sire")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/settings/links")
    expect(page.get_by_role("heading", level=1)).to_have_text("Linked accounts")
    assert_no_axe_violations(page)
    page.goto("/moderation/links")
    assert_no_axe_violations(page)
    page.goto("/moderation/badges")
    assert_no_axe_violations(page)
    page.goto(f"/@{maya.handle}")
    expect(page.get_by_text("Founding member")).to_be_visible()
    assert_no_axe_violations(page)
