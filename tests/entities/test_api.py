"""/api/v1/entities: list + keyset pagination, create, read, edit, archive, transfer, members, bad input."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, MemberFactory
from yalls.core.models import Handle
from yalls.entities import services
from yalls.entities.kinds import DEFAULT_KINDS
from yalls.entities.models import Entity, EntityMember, Horse

pytestmark = pytest.mark.django_db

BASE = "/api/v1/entities"


@pytest.fixture(autouse=True)
def _fast_passwords(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def send(client, method, path, body=None, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    return getattr(client, method)(path, data=data, content_type="application/json", **headers)


def token_for(client, member) -> str:
    response = send(
        client, "post", "/api/v1/auth/token", {"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def counts() -> dict:
    return {
        "entities": Entity.objects.count(),
        "members": EntityMember.objects.count(),
        "handles": Handle.objects.count(),
        "horses": Horse.objects.count(),
    }


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


@pytest.fixture
def owner(db):
    return MemberFactory(handle="api_owner")


@pytest.fixture
def owner_token(client, owner):
    return token_for(client, owner)


@pytest.fixture
def farm(owner):
    return services.entity_create(
        actor=owner, handle="Api_Farm", display_name="API Farm", kind="farm"
    )


# --- list + pagination ------------------------------------------------------------------------


def test_list_pages_through_every_entity_once(client, owner):
    created = [
        services.entity_create(
            actor=owner, handle=f"paged_{i:02d}", display_name=f"P{i}", kind="farm"
        )
        for i in range(25)
    ]
    # many share one timestamp: the id must break ties without losing or repeating rows
    same = timezone.now() - timedelta(days=1)
    Entity.objects.filter(pk__in=[e.pk for e in created[5:17]]).update(created_at=same)
    archived = services.entity_create(
        actor=owner, handle="paged_gone", display_name="G", kind="farm"
    )
    services.entity_archive(actor=owner, entity=archived)

    seen, cursor, pages = [], None, 0
    while True:
        url = f"{BASE}?limit=10" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= 10
        seen.extend(item["handle"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert pages == 3
    assert len(seen) == len(set(seen)) == 25
    assert set(seen) == {e.handle for e in created}
    assert "paged_gone" not in seen
    # newest first
    expected = list(
        Entity.objects.filter(archived_at__isnull=True)
        .order_by("-created_at", "-id")
        .values_list("handle", flat=True)
    )
    assert seen == expected


def test_list_filters_by_kind_and_query(client, owner):
    services.entity_create(actor=owner, handle="blue_stable", display_name="Blue", kind="stable")
    services.entity_create(actor=owner, handle="red_farm", display_name="Red Barn", kind="farm")
    services.entity_create(actor=owner, handle="silver", display_name="Silver", kind="horse")
    by_kind = client.get(f"{BASE}?kind=stable").json()["items"]
    assert [i["handle"] for i in by_kind] == ["blue_stable"]
    by_q = client.get(f"{BASE}?q=barn").json()["items"]
    assert [i["handle"] for i in by_q] == ["red_farm"]
    horse = client.get(f"{BASE}?kind=horse").json()["items"][0]
    assert horse["kind"] == "horse"
    assert horse["owner_handle"] == "api_owner"


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor({"a": 1}),
        _cursor([1, 2]),
        _cursor(["2024-01-01T00:00:00+00:00"]),
        _cursor(["yesterday", "00000000-0000-0000-0000-000000000000"]),
        _cursor(["2024-01-01T00:00:00+00:00", "not-a-uuid"]),
    ],
    ids=["garbage", "percent", "object", "numbers", "one-item", "bad-date", "non-uuid-id"],
)
def test_bad_cursor_is_400_problem(client, farm, cursor):
    response = client.get(f"{BASE}?cursor={cursor}")
    assert_problem(response, 400, "pagination.bad_cursor")


def test_list_is_public_but_hides_archived(client, owner, farm):
    assert [i["handle"] for i in client.get(BASE).json()["items"]] == ["Api_Farm"]
    services.entity_archive(actor=owner, entity=farm)
    assert client.get(BASE).json() == {"items": [], "next_cursor": None}


# --- create / get -----------------------------------------------------------------------------


def test_create_returns_201_and_entity(client, owner, owner_token):
    before = counts()
    response = send(
        client,
        "post",
        BASE,
        {
            "handle": "New_Horse",
            "display_name": "New Horse",
            "kind": "horse",
            "bio": "Fast.",
            "metadata": {"colours": ["bay"]},
            "breed": "Arabian",
            "sex": "mare",
            "foaling_date": "2019-05-04",
        },
        token=owner_token,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["handle"] == "New_Horse"
    assert body["kind"] == "horse"
    assert body["owner_handle"] == "api_owner"
    assert body["metadata"] == {"colours": ["bay"]}
    assert body["horse"]["breed"] == "Arabian"
    assert body["horse"]["foaling_date"] == "2019-05-04"
    assert body["archived_at"] is None
    after = counts()
    assert after == {k: v + 1 for k, v in before.items()}
    entity = Entity.objects.get(pk=body["id"])
    assert EntityMember.objects.get(entity=entity).member_id == owner.pk


def test_get_entity_by_handle_any_case(client, farm):
    response = client.get(f"{BASE}/api_farm")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(farm.pk)
    assert body["horse"] is None
    assert_problem(client.get(f"{BASE}/no_such_thing"), 404, "entity.not_found")


def test_unauthenticated_writes_are_401(client, farm):
    before = counts()
    cases = [
        ("post", BASE, {"handle": "anon_farm", "display_name": "A", "kind": "farm"}),
        ("patch", f"{BASE}/Api_Farm", {"bio": "x"}),
        ("post", f"{BASE}/Api_Farm/archive", None),
        ("post", f"{BASE}/Api_Farm/transfer", {"new_owner": "api_owner"}),
        ("post", f"{BASE}/Api_Farm/members", {"member": "api_owner", "role": "editor"}),
        ("delete", f"{BASE}/Api_Farm/members/api_owner", None),
    ]
    for method, path, body in cases:
        response = send(client, method, path, body)
        assert_problem(response, 401, "auth.required")
    assert_problem(client.get(f"{BASE}/mine"), 401, "auth.required")
    assert counts() == before


def test_cookie_session_write_without_csrf_is_refused(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    before = counts()
    response = send(
        browser, "post", BASE, {"handle": "csrf_farm", "display_name": "C", "kind": "farm"}
    )
    assert_problem(response, 403, "auth.csrf_failed")
    assert counts() == before


# --- edit -------------------------------------------------------------------------------------


def test_manager_can_patch_outsider_cannot(client, owner, farm):
    manager, outsider = MemberFactory(), MemberFactory()
    services.entity_member_set(
        actor=owner, entity=farm, member_handle=manager.handle, role="manager"
    )
    ok = send(
        client, "patch", f"{BASE}/api_farm", {"bio": "Managed."}, token=token_for(client, manager)
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["bio"] == "Managed."
    assert ok.json()["display_name"] == "API Farm"  # untouched fields stay
    denied = send(
        client, "patch", f"{BASE}/api_farm", {"bio": "Mine now."}, token=token_for(client, outsider)
    )
    body = assert_problem(denied, 403, "entity.not_allowed")
    assert body["instance"] == f"{BASE}/api_farm"
    farm.refresh_from_db()
    assert farm.bio == "Managed."


def test_patch_handle_and_horse_fields_on_non_horse(client, farm, owner_token):
    renamed = send(client, "patch", f"{BASE}/Api_Farm", {"handle": "Api_Farm_2"}, token=owner_token)
    assert renamed.status_code == 200, renamed.content
    assert renamed.json()["handle"] == "Api_Farm_2"
    assert client.get(f"{BASE}/Api_Farm").status_code == 404
    refused = send(
        client, "patch", f"{BASE}/Api_Farm_2", {"breed": "Shire", "bio": "x"}, token=owner_token
    )
    assert_problem(refused, 400, "entity.horse_fields_not_allowed")
    farm.refresh_from_db()
    assert farm.bio == ""


# --- archive / restore / transfer -------------------------------------------------------------


def test_archive_and_restore(client, owner, farm, owner_token):
    outsider_token = token_for(client, MemberFactory())
    assert_problem(
        send(client, "post", f"{BASE}/Api_Farm/archive", token=outsider_token),
        403,
        "entity.not_allowed",
    )
    archived = send(client, "post", f"{BASE}/Api_Farm/archive", token=owner_token)
    assert archived.status_code == 200, archived.content
    assert archived.json()["archived_at"] is not None
    # hidden from outsiders and anonymous readers, visible to the owner
    assert_problem(client.get(f"{BASE}/Api_Farm"), 404, "entity.not_found")
    assert_problem(
        send(client, "get", f"{BASE}/Api_Farm", token=outsider_token), 404, "entity.not_found"
    )
    assert send(client, "get", f"{BASE}/Api_Farm", token=owner_token).status_code == 200
    assert_problem(
        send(client, "post", f"{BASE}/Api_Farm/archive", token=owner_token), 409, "entity.archived"
    )
    restored = send(client, "post", f"{BASE}/Api_Farm/restore", token=owner_token)
    assert restored.status_code == 200
    assert restored.json()["archived_at"] is None
    assert client.get(f"{BASE}/Api_Farm").status_code == 200


def test_transfer(client, owner, farm, owner_token):
    heir = MemberFactory(handle="the_heir")
    before = counts()
    assert_problem(
        send(
            client,
            "post",
            f"{BASE}/Api_Farm/transfer",
            {"new_owner": "api_owner"},
            token=owner_token,
        ),
        400,
        "entity.transfer_to_self",
    )
    assert_problem(
        send(
            client,
            "post",
            f"{BASE}/Api_Farm/transfer",
            {"new_owner": "nobody_x"},
            token=owner_token,
        ),
        400,
        "entity.transfer_target_unknown",
    )
    assert counts() == before
    response = send(
        client, "post", f"{BASE}/Api_Farm/transfer", {"new_owner": "@The_Heir"}, token=owner_token
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner_handle"] == "the_heir"
    roles = dict(EntityMember.objects.filter(entity=farm).values_list("member_id", "role"))
    assert roles == {heir.pk: "owner", owner.pk: "manager"}
    # no longer the owner: cannot transfer again
    assert_problem(
        send(
            client,
            "post",
            f"{BASE}/Api_Farm/transfer",
            {"new_owner": "api_owner"},
            token=owner_token,
        ),
        403,
        "entity.not_allowed",
    )


# --- members ----------------------------------------------------------------------------------


def test_members_add_list_remove(client, owner, farm, owner_token):
    helper = MemberFactory(handle="helper_one")
    added = send(
        client,
        "post",
        f"{BASE}/Api_Farm/members",
        {"member": "@Helper_One", "role": "editor"},
        token=owner_token,
    )
    assert added.status_code == 200, added.content
    assert added.json()["member_handle"] == "helper_one"
    assert added.json()["role"] == "editor"
    listed = client.get(f"{BASE}/Api_Farm/members").json()
    assert {(m["member_handle"], m["role"]) for m in listed} == {
        ("api_owner", "owner"),
        ("helper_one", "editor"),
    }
    # an editor cannot add people
    helper_token = token_for(client, helper)
    assert_problem(
        send(
            client,
            "post",
            f"{BASE}/Api_Farm/members",
            {"member": "api_owner", "role": "manager"},
            token=helper_token,
        ),
        403,
        "entity.not_allowed",
    )
    assert_problem(
        send(
            client,
            "post",
            f"{BASE}/Api_Farm/members",
            {"member": "ghost_x", "role": "editor"},
            token=owner_token,
        ),
        400,
        "entity.member_unknown",
    )
    assert_problem(
        send(client, "delete", f"{BASE}/Api_Farm/members/api_owner", token=owner_token),
        409,
        "entity.cannot_remove_owner",
    )
    removed = send(client, "delete", f"{BASE}/Api_Farm/members/helper_one", token=owner_token)
    assert removed.status_code == 204
    assert not EntityMember.objects.filter(entity=farm, member=helper).exists()
    assert_problem(
        send(client, "delete", f"{BASE}/Api_Farm/members/helper_one", token=owner_token),
        404,
        "entity.member_unknown",
    )


def test_member_role_owner_is_a_validation_error(client, farm, owner_token):
    MemberFactory(handle="helper_two")
    before = counts()
    response = send(
        client,
        "post",
        f"{BASE}/Api_Farm/members",
        {"member": "helper_two", "role": "owner"},
        token=owner_token,
    )
    body = assert_problem(response, 422, "request.validation_failed")
    assert [e["field"] for e in body["errors"]] == ["role"]
    assert counts() == before


# --- kinds, mine ------------------------------------------------------------------------------


def test_kinds_list(client):
    response = client.get(f"{BASE}/kinds")
    assert response.status_code == 200
    kinds = response.json()
    assert [k["slug"] for k in kinds] == [
        row[0] for row in sorted(DEFAULT_KINDS, key=lambda r: r[5])
    ]
    assert {k["slug"] for k in kinds if k["is_horse"]} == {"horse"}


def test_mine_lists_my_entities(client, owner, farm, owner_token):
    stranger = MemberFactory()
    theirs = services.entity_create(
        actor=stranger, handle="their_farm", display_name="T", kind="farm"
    )
    services.entity_create(actor=stranger, handle="not_mine", display_name="N", kind="farm")
    services.entity_member_set(
        actor=stranger, entity=theirs, member_handle=owner.handle, role="editor"
    )
    response = send(client, "get", f"{BASE}/mine", token=owner_token)
    assert response.status_code == 200
    assert [e["handle"] for e in response.json()] == ["Api_Farm", "their_farm"]


# --- bad input --------------------------------------------------------------------------------

VALID = {"handle": "valid_farm", "display_name": "Valid", "kind": "farm"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**VALID, "colour_scheme": "green"}, ["colour_scheme"]),
        ({**VALID, "owner": "someone_else"}, ["owner"]),
        ({"display_name": "No handle", "kind": "farm"}, ["handle"]),
        ({**VALID, "display_name": 5}, ["display_name"]),
        ({**VALID, "handle": ["a", "b"]}, ["handle"]),
        ({**VALID, "metadata": ["not", "an", "object"]}, ["metadata"]),
        ({**VALID, "metadata": "text"}, ["metadata"]),
        ({**VALID, "kind": "horse", "foaling_date": "last spring"}, ["foaling_date"]),
        ({**VALID, "kind": "horse", "sex": "unicorn"}, ["sex"]),
        ({**VALID, "display_name": "x" * 81}, ["display_name"]),
        ({**VALID, "bio": "x" * 1001}, ["bio"]),
    ],
)
def test_create_validation_errors_are_422_and_write_nothing(client, owner_token, body, fields):
    before = counts()
    response = send(client, "post", BASE, body, token=owner_token)
    problem = assert_problem(response, 422, "request.validation_failed")
    assert [e["field"] for e in problem["errors"]] == fields
    assert counts() == before


def test_malformed_json_is_400(client, owner_token):
    before = counts()
    response = send(client, "post", BASE, raw="{not json", token=owner_token)
    assert_problem(response, 400, "request.malformed_json")
    assert counts() == before


def test_unknown_kind_is_400(client, owner_token):
    before = counts()
    response = send(client, "post", BASE, {**VALID, "kind": "spaceship"}, token=owner_token)
    body = assert_problem(response, 400, "entity.kind_unknown")
    assert body["errors"] == [
        {"field": "kind", "code": "entity.kind_unknown", "message": "Pick a kind from the list."}
    ]
    assert counts() == before


def test_duplicate_handle_in_another_case_is_409(client, farm, owner_token):
    MemberFactory(handle="member_taken")
    before = counts()
    for handle in ("API_FARM", "Member_Taken"):
        response = send(client, "post", BASE, {**VALID, "handle": handle}, token=owner_token)
        assert_problem(response, 409, "handle.taken")
    assert counts() == before


def test_horse_fields_on_farm_and_future_foaling_write_nothing(client, owner_token):
    before = counts()
    assert_problem(
        send(client, "post", BASE, {**VALID, "breed": "Shire"}, token=owner_token),
        400,
        "entity.horse_fields_not_allowed",
    )
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert_problem(
        send(
            client,
            "post",
            BASE,
            {**VALID, "kind": "horse", "foaling_date": future},
            token=owner_token,
        ),
        400,
        "entity.foaling_date_future",
    )
    assert_problem(
        send(client, "post", BASE, {**VALID, "metadata": {"k": "x" * 17000}}, token=owner_token),
        400,
        "entity.metadata_invalid",
    )
    assert counts() == before


@pytest.mark.parametrize(
    "body", [{"owner": "x"}, {"kind": "horse"}, {"metadata": [1]}, {"display_name": None, "bio": 3}]
)
def test_patch_validation_errors_change_nothing(client, farm, owner_token, body):
    response = send(client, "patch", f"{BASE}/Api_Farm", body, token=owner_token)
    assert_problem(response, 422, "request.validation_failed")
    farm.refresh_from_db()
    assert (farm.kind_id, farm.display_name, farm.bio, farm.metadata) == (
        "farm",
        "API Farm",
        "",
        {},
    )
