"""Post media live in the private storage: a draft's image reaches its author only, through a
signed link that expires; a public post's images reach everyone who may see the post."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from tests.factories import MemberFactory
from tests.social.services.test_posts import png
from yalls.accounts.tokens import access_token_issue
from yalls.social.models import PostMedia

pytestmark = pytest.mark.django_db
BASE = "/api/v1/posts"


@pytest.fixture(autouse=True)
def _media(settings, entity_kinds, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _browser(member=None) -> Client:
    browser = Client()
    if member is not None:
        browser.force_login(member)
    return browser


def _fetched(response) -> bytes:
    return b"".join(response.streaming_content)


def _draft_image(author, visibility="public") -> tuple[str, PostMedia]:
    """A draft with one photo, written through the API as a member's app would."""
    api = Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(author)[0]}")
    draft = api.put(
        f"{BASE}/drafts",
        data=json.dumps({"body": "the foal, before anyone sees her", "visibility": visibility}),
        content_type="application/json",
    ).json()
    added = api.post(f"{BASE}/{draft['id']}/media", {"images": [png()]})
    assert added.status_code == 200, added.content
    return draft["id"], PostMedia.objects.get(post_id=draft["id"])


def _publish(author, post_id) -> None:
    api = Client(HTTP_AUTHORIZATION=f"Bearer {access_token_issue(author)[0]}")
    response = api.post(f"{BASE}/{post_id}/publish", data="{}", content_type="application/json")
    assert response.status_code == 200, response.content


def test_the_author_fetches_a_drafts_image_through_its_signed_link():
    author = MemberFactory()
    _draft, media = _draft_image(author)
    url = media.file.url
    assert url.startswith("/files/posts/") and "sig=" in url and "exp=" in url
    response = _browser(author).get(url)
    assert response.status_code == 200
    with media.file.open("rb") as stored:
        assert _fetched(response) == stored.read()
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"].startswith("private")
    assert _browser(author).get(media.thumbnail.url).status_code == 200


def test_anonymous_and_other_members_cannot_fetch_a_drafts_image_even_with_its_link():
    author = MemberFactory()
    _draft, media = _draft_image(author)
    url = media.file.url
    assert _browser().get(url).status_code == 404
    assert _browser(MemberFactory()).get(url).status_code == 404


def test_a_drafts_image_is_under_no_public_or_unsigned_address():
    author = MemberFactory()
    _draft, media = _draft_image(author)
    name = media.file.name
    owner = _browser(author)
    assert owner.get(f"/media/{name}").status_code == 404
    assert owner.get(f"/files/{name}").status_code == 404
    url = media.file.url
    assert owner.get(url.replace("sig=", "sig=x")).status_code == 404
    later = url.replace("exp=", "exp=9")  # a forged later expiry breaks the signature
    assert owner.get(later).status_code == 404


def test_an_expired_link_fails_even_for_the_author():
    author = MemberFactory()
    _draft, media = _draft_image(author)
    url = media.file.url
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        assert _browser(author).get(url).status_code == 410
        # the page, rendered again, links a fresh URL that works
        assert _browser(author).get(media.file.url).status_code == 200


def test_a_published_public_posts_image_reaches_everyone_a_followers_post_does_not():
    author = MemberFactory()
    draft, media = _draft_image(author)
    _publish(author, draft)
    assert _browser().get(media.file.url).status_code == 200
    assert _browser(MemberFactory()).get(media.file.url).status_code == 200

    for_followers, followers_media = _draft_image(author, visibility="followers")
    _publish(author, for_followers)
    assert _browser().get(followers_media.file.url).status_code == 404
    assert _browser(MemberFactory()).get(followers_media.file.url).status_code == 404
    assert _browser(author).get(followers_media.file.url).status_code == 200


def test_the_api_hands_out_the_signed_link_and_a_bearer_fetches_it():
    author = MemberFactory()
    _draft_image(author)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {access_token_issue(author)[0]}"}
    drafts = Client().get(f"{BASE}/drafts", **bearer).json()
    url = drafts[0]["media"][0]["url"]
    assert url.startswith("/files/")
    assert Client().get(url, **bearer).status_code == 200
    assert Client().get(url).status_code == 404


def test_the_migration_moves_files_already_under_media_into_the_private_storage():
    import importlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    migration = importlib.import_module("yalls.social.migrations.0003_post_media_private_storage")
    name = "posts/0b9f6f0e-8d7c-4a39-9b7e-1c2d3e4f5a6b/abc-image.webp"
    storages["default"].save(name, ContentFile(b"old bytes"))
    migration.move_files_to_private_storage(None, None)
    assert not storages["default"].exists(name)
    with storages["private"].open(name, "rb") as moved:
        assert moved.read() == b"old bytes"
    migration.move_files_to_private_storage(None, None)  # twice is harmless
