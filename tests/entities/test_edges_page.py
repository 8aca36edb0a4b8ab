"""The relations page as a member meets it: a refused relation is reported beside its field and
the form is brought back into view; on a phone the relations are a list, not the graph."""

import pytest
from django.test import Client

from tests.factories import EntityFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _kinds(entity_kinds):
    pass


def test_unknown_handle_is_reported_under_the_handle_field_and_the_form_is_in_view():
    owner = MemberFactory()
    EntityFactory(actor=owner, handle="oak_farm_e", kind="farm")
    client = Client()
    client.force_login(owner)
    response = client.post(
        "/entities/oak_farm_e/edges", {"type": "sponsors", "target": "@nobody_there"}
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["target"]
    html = response.content.decode()
    assert 'id="id_target_error"' in html and 'aria-invalid="true"' in html
    assert 'value="@nobody_there"' in html  # what was typed stays
    assert 'action="/entities/oak_farm_e/edges#add-relation" data-focus-first-error' in html
    # The relations table stacks into a list on phones; the graph card is the one hidden there.
    assert "table table-stack table-relations" in html or "No relations yet" in html
    assert "edge-graph-card" in html
