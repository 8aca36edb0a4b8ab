"""Entity web pages: create, edit, archive/restore, transfer, members; unknown handles are 404s."""

import pytest
from django.test import Client

from tests.factories import MemberFactory
from yalls.core.models import Handle
from yalls.entities import services
from yalls.entities.models import Entity, EntityMember, Horse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db):
    return MemberFactory(handle="web_owner")


@pytest.fixture
def browser(owner):
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client


@pytest.fixture
def farm(owner):
    return services.entity_create(
        actor=owner, handle="Web_Farm", display_name="Web Farm", kind="farm"
    )


def signed_in(member) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(member)
    return client


def counts():
    return (
        Entity.objects.count(),
        EntityMember.objects.count(),
        Handle.objects.count(),
        Horse.objects.count(),
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_create_page_and_create(browser, owner):
    assert browser.get("/entities/new").status_code == 200
    response = browser.post(
        "/entities/new",
        {"kind": "stable", "display_name": "Oak Stable", "handle": "Oak_Stable", "bio": "Hi"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/@Oak_Stable"
    entity = Entity.objects.get(handle="Oak_Stable")
    assert entity.kind_id == "stable"
    assert EntityMember.objects.get(entity=entity).member_id == owner.pk
    page = Client().get("/@oak_stable")
    assert page.status_code == 200
    assert b"Oak Stable" in page.content


def test_create_horse_with_details(browser):
    response = browser.post(
        "/entities/new",
        {
            "kind": "horse",
            "display_name": "Bess",
            "handle": "bess_mare",
            "sex": "mare",
            "foaling_date": "2018-03-02",
        },
    )
    assert response.status_code == 302
    horse = Horse.objects.get(entity__handle="bess_mare")
    assert (horse.sex, str(horse.foaling_date)) == ("mare", "2018-03-02")


def test_create_with_taken_handle_in_other_case_shows_error(browser, farm):
    before = counts()
    response = browser.post(
        "/entities/new", {"kind": "farm", "display_name": "Dup", "handle": "WEB_FARM"}
    )
    assert response.status_code == 200
    assert "handle" in response.context["form"].errors
    assert counts() == before


def test_create_horse_with_future_foaling_shows_error(browser):
    before = counts()
    response = browser.post(
        "/entities/new",
        {
            "kind": "horse",
            "display_name": "Later",
            "handle": "later_foal",
            "foaling_date": "2999-01-01",
        },
    )
    assert response.status_code == 200
    assert "foaling_date" in response.context["form"].errors
    assert counts() == before


def test_create_needs_sign_in():
    response = Client().get("/entities/new")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_owner_edits(browser, farm):
    response = browser.post(
        "/entities/Web_Farm/edit",
        {"display_name": "Web Farm 2", "handle": "Web_Farm", "bio": "New bio"},
    )
    assert response.status_code == 302
    farm.refresh_from_db()
    assert (farm.display_name, farm.bio) == ("Web Farm 2", "New bio")


@pytest.mark.parametrize("role", [None, "editor"])
def test_outsider_and_editor_cannot_edit(owner, farm, role):
    member = MemberFactory()
    if role:
        services.entity_member_set(actor=owner, entity=farm, member_handle=member.handle, role=role)
    client = signed_in(member)
    assert client.get("/entities/Web_Farm/edit").status_code == 403
    response = client.post(
        "/entities/Web_Farm/edit",
        {"display_name": "Hijacked", "handle": "Hijacked_Farm", "bio": ""},
    )
    assert response.status_code == 403
    farm.refresh_from_db()
    assert (farm.display_name, farm.handle) == ("Web Farm", "Web_Farm")
    assert not Handle.objects.filter(handle="Hijacked_Farm").exists()


def test_manager_can_open_the_edit_page(owner, farm):
    manager = MemberFactory()
    services.entity_member_set(
        actor=owner, entity=farm, member_handle=manager.handle, role="manager"
    )
    response = signed_in(manager).get("/entities/Web_Farm/edit")
    assert response.status_code == 200
    assert response.context["form"].initial["handle"] == "Web_Farm"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/entities/no_such_entity/edit"),
        ("post", "/entities/no_such_entity/archive"),
        ("post", "/entities/no_such_entity/restore"),
        ("post", "/entities/no_such_entity/transfer"),
        ("post", "/entities/no_such_entity/members"),
        ("post", "/entities/no_such_entity/members/remove"),
    ],
)
def test_unknown_entity_pages_are_404(browser, method, path):
    response = getattr(browser, method)(path)
    assert response.status_code == 404


def test_archived_entity_is_404_for_outsiders_on_every_page(browser, owner, farm):
    services.entity_archive(actor=owner, entity=farm)
    assert Client().get("/@Web_Farm").status_code == 404
    outsider = signed_in(MemberFactory())
    assert outsider.get("/@Web_Farm").status_code == 404
    assert outsider.get("/entities/Web_Farm/edit").status_code == 404
    assert browser.get("/@Web_Farm").status_code == 200


def test_archive_and_restore_buttons(browser, owner, farm):
    response = browser.post("/entities/Web_Farm/archive", follow=True)
    assert response.redirect_chain[0] == ("/entities/Web_Farm/edit", 302)
    assert "Web Farm is archived." in messages_of(response)
    farm.refresh_from_db()
    assert farm.is_archived
    browser.post("/entities/Web_Farm/restore")
    farm.refresh_from_db()
    assert not farm.is_archived


def test_manager_archive_is_refused_with_a_message(owner, farm):
    manager = MemberFactory()
    services.entity_member_set(
        actor=owner, entity=farm, member_handle=manager.handle, role="manager"
    )
    response = signed_in(manager).post("/entities/Web_Farm/archive", follow=True)
    assert response.status_code == 200
    assert any("owner" in m for m in messages_of(response))
    farm.refresh_from_db()
    assert not farm.is_archived


def test_archive_needs_post(browser, farm):
    assert browser.get("/entities/Web_Farm/archive").status_code == 405
    farm.refresh_from_db()
    assert not farm.is_archived


def test_transfer_and_members_via_forms(browser, owner, farm):
    helper = MemberFactory(handle="web_helper")
    heir = MemberFactory(handle="web_heir")
    browser.post("/entities/Web_Farm/members", {"member": "@web_helper", "role": "editor"})
    assert EntityMember.objects.get(entity=farm, member=helper).role == "editor"
    response = browser.post(
        "/entities/Web_Farm/members", {"member": "web_helper", "role": "owner"}, follow=True
    )
    assert EntityMember.objects.get(entity=farm, member=helper).role == "editor"
    assert messages_of(response)
    browser.post("/entities/Web_Farm/members/remove", {"member": "web_helper"})
    assert not EntityMember.objects.filter(entity=farm, member=helper).exists()
    browser.post("/entities/Web_Farm/transfer", {"new_owner": "web_heir"})
    farm.refresh_from_db()
    assert farm.owner_id == heir.pk
    assert EntityMember.objects.get(entity=farm, member=owner).role == "manager"


def test_mine_lists_my_entities(browser, owner, farm):
    other = MemberFactory()
    services.entity_create(actor=other, handle="not_my_farm", display_name="Not Mine", kind="farm")
    response = browser.get("/entities/")
    assert response.status_code == 200
    assert [e.handle for e, _ in response.context["rows"]] == ["Web_Farm"]
