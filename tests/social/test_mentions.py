"""The composer's @mention suggestions (GET /compose/mentions?q=...) and the composer's toggles."""

import pytest
from django.test import Client

from tests.factories import EntityFactory, MemberFactory
from yalls.social.services import engagement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kinds(entity_kinds):
    pass


def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_suggests_members_and_entities_by_handle_or_name():
    me = MemberFactory(handle="writer_m")
    MemberFactory(handle="maya_rides", display_name="Maya Lopez")
    EntityFactory(actor=me, handle="marigold_farm", display_name="Marigold Farm")
    MemberFactory(handle="liam_tack", display_name="Liam Chen")
    html = browser(me).get("/compose/mentions?q=ma").content.decode()
    assert 'data-handle="maya_rides"' in html and 'data-handle="marigold_farm"' in html
    assert "liam_tack" not in html
    assert 'role="option"' in html and "Farm" in html


def test_blocked_members_are_never_suggested():
    me = MemberFactory(handle="writer_b")
    other = MemberFactory(handle="mallory_b")
    engagement.block_create(member=other, target=me.pk)
    assert "mallory_b" not in browser(me).get("/compose/mentions?q=mal").content.decode()


@pytest.mark.parametrize("q", ["", "@", "ma'; drop", "<script>"])
def test_odd_input_gives_an_empty_list(q):
    response = browser(MemberFactory()).get("/compose/mentions", {"q": q})
    assert response.status_code == 200 and "<li" not in response.content.decode()


def test_needs_sign_in():
    assert Client().get("/compose/mentions?q=ma").status_code == 302


def test_composer_keeps_options_behind_toggles_and_opens_the_one_with_an_error():
    me = MemberFactory(handle="writer_t")
    client = browser(me)
    page = client.get("/compose").content.decode()
    assert page.count('<details class="composer-option">') == 3  # photos, other entities, schedule
    assert 'data-mention-url="/compose/mentions"' in page
    refused = client.post(
        "/compose", {"body": "hi", "visibility": "public", "other_targets": "nobody_here"}
    ).content.decode()
    assert '<details class="composer-option" open>' in refused
    assert refused.index("Also post to other entities") > refused.index(
        '<details class="composer-option" open>'
    )
