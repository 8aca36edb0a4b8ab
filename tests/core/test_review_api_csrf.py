"""Review: every API write refuses a cookie session without a CSRF token (a cross-site form or
fetch rides the cookie) and refuses anonymous callers; reads stay open where they are public."""

import json

import pytest
from django.test import Client

from tests.factories import MemberFactory
from yalls.api import api
from yalls.entities import services as entity_services
from yalls.social.models import Block, Follow

pytestmark = pytest.mark.django_db

UNAUTHENTICATED_WRITES = {"/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/logout"}


def _writes():
    out = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            if method != "get" and path not in UNAUTHENTICATED_WRITES:
                out.append((method, path))
    return out


def _fill(path):
    for name, value in {"{handle}": "csrf_farm", "{member_handle}": "csrf_victim",
                        "{provider}": "github", "{target_kind}": "member", "{target}": "csrf_x",
                        "{member}": "csrf_x", "{kind}": "post", "{key}": "flag"}.items():  # fmt: skip
        path = path.replace(name, value)
    for name in ("{post_id}", "{edge_id}", "{link_id}", "{target_id}", "{ref_id}"):
        path = path.replace(name, "00000000-0000-0000-0000-000000000001")
    return path


WRITES = _writes()


@pytest.fixture(autouse=True)
def _fast(entity_kinds, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_cookie_write_without_csrf_is_refused(method, path):
    victim = MemberFactory(handle="csrf_victim")
    MemberFactory(handle="csrf_x")
    entity_services.entity_create(actor=victim, handle="csrf_farm", display_name="C", kind="farm")
    client = Client(enforce_csrf_checks=True)
    client.force_login(victim)
    response = getattr(client, method)(_fill(path), data=json.dumps({}), content_type="text/plain")
    assert response.status_code == 403, (response.status_code, response.content[:200])
    anonymous = getattr(Client(), method)(_fill(path), data="{}", content_type="application/json")
    assert anonymous.status_code == 401, (anonymous.status_code, anonymous.content[:200])
    assert not Block.objects.exists() and not Follow.objects.exists()
