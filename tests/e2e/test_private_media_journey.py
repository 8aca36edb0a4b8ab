"""Post images in Chromium through their signed /files/ links: a public post's photo loads for a
visitor; a followers-only post's photo loads for its author, and its link gives a visitor a 404."""

import json
import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _new_page, assert_no_axe_violations, assert_page_intact
from tests.factories import PASSWORD, MemberFactory
from tests.social.services.test_posts import png
from yalls.accounts.tokens import access_token_issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _post_with_photo(author, visibility: str) -> str:
    api = Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(author)[0]}")
    draft = api.put(
        "/api/v1/posts/drafts",
        data=json.dumps({"body": f"Belle, {visibility}", "visibility": visibility}),
        content_type="application/json",
    ).json()
    assert api.post(f"/api/v1/posts/{draft['id']}/media", {"images": [png()]}).status_code == 200
    published = api.post(
        f"/api/v1/posts/{draft['id']}/publish", data="{}", content_type="application/json"
    )
    assert published.status_code == 200, published.content
    return draft["id"]


def _photo_loaded(page: Page) -> str:
    img = page.locator("article img").first
    expect(img).to_be_visible()
    img.evaluate("el => el.decode ? el.decode().catch(() => null) : null")
    assert img.evaluate("el => el.complete && el.naturalWidth > 0"), img.get_attribute("src")
    return img.get_attribute("src")


def test_post_photos_load_through_signed_links_for_whoever_may_see_the_post(
    page: Page, browser, live_server
):
    author = MemberFactory(handle="maya_rides")
    public_id = _post_with_photo(author, "public")
    followers_id = _post_with_photo(author, "followers")

    page.goto(f"/p/{public_id}")
    src = _photo_loaded(page)
    assert src.startswith("/files/posts/") and "sig=" in src
    assert_page_intact(page)
    assert_no_axe_violations(page)

    context, own = _new_page(browser, live_server, 1280, 900)
    try:
        own.goto("/accounts/login/")
        own.locator("input[name='login']").fill(author.email)
        own.locator("input[name='password']").fill(PASSWORD)
        own.locator("form button[type='submit']").first.click()
        expect(own).not_to_have_url(re.compile(r"/accounts/login/"))
        own.goto(f"/p/{followers_id}")
        private_src = _photo_loaded(own)
        assert_page_intact(own)
    finally:
        context.close()
    # the visitor's browser, with the author's own link: nothing
    assert page.request.get(f"{live_server.url}{private_src}").status == 404
