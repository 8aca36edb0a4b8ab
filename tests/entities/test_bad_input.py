"""Hostile or odd API input must be refused with a 4xx problem, never a 500, and write nothing."""

import pytest

from tests.entities.test_api import BASE, counts, send, token_for
from tests.factories import MemberFactory
from yalls.entities import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings, entity_kinds):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def owner(db):
    return MemberFactory(handle="odd_owner")


@pytest.fixture
def token(client, owner):
    return token_for(client, owner)


@pytest.fixture
def farm(owner):
    return services.entity_create(actor=owner, handle="odd_farm", display_name="Odd", kind="farm")


def assert_client_error(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] != "server.error"


@pytest.mark.parametrize(
    "raw",
    [
        # Python's json module accepts these non-standard literals; PostgreSQL jsonb does not.
        '{"handle": "nan_farm", "display_name": "N", "kind": "farm", "metadata": {"x": NaN}}',
        '{"handle": "inf_farm", "display_name": "N", "kind": "farm", "metadata": {"x": Infinity}}',
        # NUL characters cannot be stored in PostgreSQL text or jsonb.
        '{"handle": "nul_name", "display_name": "a\\u0000b", "kind": "farm"}',
        '{"handle": "nul_bio", "display_name": "ab", "kind": "farm", "bio": "x\\u0000"}',
        '{"handle": "nul_meta", "display_name": "N", "kind": "farm", "metadata": {"k\\u0000": 1}}',
        '{"handle": "nul_kind", "display_name": "N", "kind": "fa\\u0000rm"}',
    ],
    ids=[
        "nan-metadata",
        "infinity-metadata",
        "nul-name",
        "nul-bio",
        "nul-metadata-key",
        "nul-kind",
    ],
)
def test_unstorable_create_input_is_a_client_error(client, token, raw):
    before = counts()
    response = send(client, "post", BASE, raw=raw, token=token)
    assert_client_error(response)
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    ['{"bio": "a\\u0000"}', '{"metadata": {"x": NaN}}', '{"display_name": "\\u0000"}'],
    ids=["nul-bio", "nan-metadata", "nul-name"],
)
def test_unstorable_patch_input_is_a_client_error(client, token, farm, raw):
    response = send(client, "patch", f"{BASE}/odd_farm", raw=raw, token=token)
    assert_client_error(response)
    farm.refresh_from_db()
    assert (farm.display_name, farm.bio, farm.metadata) == ("Odd", "", {})


@pytest.mark.parametrize(
    "path",
    [f"{BASE}?q=a%00b", f"{BASE}/a%00b", f"{BASE}/a%00b/members", f"{BASE}?kind=a%00b"],
)
def test_nul_in_query_or_path_is_not_a_server_error(client, farm, path):
    response = client.get(path)
    assert_client_error(response)


@pytest.mark.parametrize("limit", ["0", "-5", "101", "100000"])
def test_out_of_range_limit_is_422(client, farm, limit):
    # The OpenAPI document says 1-100; the API refuses rather than silently clamping.
    response = client.get(f"{BASE}?limit={limit}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(client, farm, limit):
    response = client.get(f"{BASE}?limit={limit}")
    assert response.status_code == 200
    assert [i["handle"] for i in response.json()["items"]] == ["odd_farm"]


def test_non_numeric_limit_is_422(client, farm):
    response = client.get(f"{BASE}?limit=ten")
    assert response.status_code == 422
    assert response.json()["code"] == "request.validation_failed"


def test_blank_display_name_on_patch_is_refused(client, token, farm):
    response = send(client, "patch", f"{BASE}/odd_farm", {"display_name": "   "}, token=token)
    assert response.status_code == 400
    assert response.json()["code"] == "entity.display_name_required"
    farm.refresh_from_db()
    assert farm.display_name == "Odd"


@pytest.mark.parametrize("new_owner", ["", "@", "   "])
def test_blank_transfer_target_is_refused(client, token, farm, owner, new_owner):
    response = send(
        client, "post", f"{BASE}/odd_farm/transfer", {"new_owner": new_owner}, token=token
    )
    assert response.status_code == 400
    assert response.json()["code"] == "entity.transfer_target_unknown"
    farm.refresh_from_db()
    assert farm.owner_id == owner.pk
