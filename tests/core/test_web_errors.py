"""Domain errors raised under web pages become their own pages, never a 500."""

import pytest

from tests.factories import EntityFactory, MemberFactory

pytestmark = pytest.mark.django_db


def test_unknown_entity_edit_page_is_404(client, entity_kinds):
    client.force_login(MemberFactory())
    response = client.get("/entities/no_such_entity/edit")
    assert response.status_code == 404


def test_unknown_handle_is_404(client):
    assert client.get("/@nobody_here").status_code == 404


def test_editing_someone_elses_entity_is_403_and_changes_nothing(client, entity_kinds):
    entity = EntityFactory(display_name="Willow Creek")
    client.force_login(MemberFactory())
    assert client.get(f"/entities/{entity.handle}/edit").status_code == 403
    response = client.post(
        f"/entities/{entity.handle}/edit", {"display_name": "Mine now", "handle": entity.handle}
    )
    assert response.status_code == 403
    entity.refresh_from_db()
    assert entity.display_name == "Willow Creek"


def test_archiving_someone_elses_entity_is_refused_with_a_message(client, entity_kinds):
    entity = EntityFactory()
    client.force_login(MemberFactory())
    response = client.post(f"/entities/{entity.handle}/archive", follow=True)
    entity.refresh_from_db()
    assert entity.archived_at is None
    assert b"Only the entity" in response.content
