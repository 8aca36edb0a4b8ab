"""Profile and entity pages cost the same number of queries however much they show (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EntityFactory, MemberFactory
from yalls.social.services import engagement, posts

pytestmark = pytest.mark.django_db


def queries_for(client, path: str, *, shows: str = "Ride 0") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    assert shows in response.content.decode()  # the post list really rendered
    return len(captured.captured_queries)


def add_activity(author, viewer, farm, n: int) -> None:
    for i in range(n):
        for as_entity in (farm, None):  # on the entity's page and on the member's own
            post = posts.post_create(
                author=author, body=f"Ride {i} with @{viewer.handle} #trail{i}", as_entity=as_entity
            )
            posts.repost_create(actor=viewer, post=post, caption=f"Nice {i}")
            engagement.favorite_toggle(member=viewer, kind="post", ref_id=post.pk)


@pytest.mark.parametrize("page", ["member", "entity"])
def test_page_queries_do_not_grow_with_posts(client, entity_kinds, page):
    author, viewer = MemberFactory(), MemberFactory()
    farm = EntityFactory(actor=author, kind="farm")
    path = f"/@{author.handle}" if page == "member" else f"/@{farm.handle}"
    client.force_login(viewer)
    add_activity(author, viewer, farm, 1)
    queries_for(client, path)  # the first request also records the browser session
    few = queries_for(client, path)
    add_activity(author, viewer, farm, 6)
    many = queries_for(client, path, shows="Ride 5")
    assert many == few, f"{path}: {few} queries with 2 posts, {many} with 14"
    assert few <= 42  # session, member, RLS context, pins, entities, posts, follow counts
