"""Django admin is read-only for domain models; the one thing it changes, a member's role, goes
through the audited service."""

import pytest
from django.test import Client

from tests.factories import EntityFactory, MemberFactory
from yalls.accounts.models import User
from yalls.core.audit.models import AuditEvent
from yalls.entities.models import Entity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(MemberFactory(role="admin"))
    return client


def test_lists_and_search_stay(admin_client):
    MemberFactory(handle="findable_mare")
    EntityFactory(handle="findable_farm")
    assert b"findable_mare" in admin_client.get("/admin/accounts/user/?q=findable").content
    assert b"findable_farm" in admin_client.get("/admin/entities/entity/?q=findable").content


def test_entities_cannot_be_added_changed_or_deleted(admin_client):
    entity = EntityFactory(handle="steady_farm", display_name="Steady")
    assert admin_client.get("/admin/entities/entity/add/").status_code == 403
    url = f"/admin/entities/entity/{entity.pk}/change/"
    admin_client.post(url, {"display_name": "Hijacked", "handle": "steady_farm"})
    assert Entity.objects.get(pk=entity.pk).display_name == "Steady"
    assert (
        admin_client.post(
            f"/admin/entities/entity/{entity.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Entity.objects.filter(pk=entity.pk).exists()


def test_a_role_change_goes_through_the_audited_service_and_nothing_else_changes(admin_client):
    member = MemberFactory(handle="rising_rider", display_name="Rider")
    url = f"/admin/accounts/user/{member.pk}/change/"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"role": "producer", "display_name": "Renamed"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.display_name) == ("producer", "Rider")
    assert AuditEvent.objects.filter(
        action="member.role_changed", target_id=str(member.pk)
    ).exists()
    assert admin_client.get("/admin/accounts/user/add/").status_code == 403
    assert User.objects.filter(pk=member.pk).exists()
