"""Review: member-controlled text (post bodies, display names, handles in titles and the SVG edge
graph) reaches pages escaped, never as markup."""

import pytest

from tests.factories import MemberFactory
from yalls.entities import services as entity_services
from yalls.social.services import posts

pytestmark = pytest.mark.django_db

EVIL = '"><script>alert(1)</script><img src=x onerror=alert(2)></title><svg onload=alert(3)>'


@pytest.fixture(autouse=True)
def _setup(entity_kinds, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_user_text_is_escaped_on_every_page(client):
    author = MemberFactory(handle="evil_one", display_name=EVIL[:80])
    farm = entity_services.entity_create(
        actor=author, handle="evil_farm", display_name=EVIL[:80], kind="farm", bio=EVIL
    )
    other = entity_services.entity_create(
        actor=author, handle="evil_two", display_name=EVIL[:80], kind="farm"
    )
    entity_services.edge_create(actor=author, source=farm, target_handle=other.handle, type="owns")
    post = posts.post_create(author=author, body=EVIL + " @evil_one #tag", as_entity="evil_farm")
    client.force_login(author)
    for path in ("/@evil_one", "/@evil_farm", f"/p/{post.pk}", "/entities/evil_farm/edges",
                 "/entities/", "/search?q=evil", "/"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<script>alert" not in html, path
        assert "onerror=alert" not in html.replace("onerror=alert(2)&gt;", ""), path
        assert "<svg onload" not in html, path
        assert "<img src=x" not in html, path
