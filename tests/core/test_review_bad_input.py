"""Review sweep: every /api/v1 operation, fed hostile input by a signed-in member, answers 4xx.

The operations come from the live OpenAPI schema, so a new route is swept without editing this
file. Each operation gets bad path values (malformed UUIDs, NUL, huge strings), bad query values
(bad cursors, overflow limits) and bad bodies (empty, wrong types, unknown fields, NUL, 2**63,
huge strings, one field at a time). Any 5xx, or an error that isn't problem+json, fails.
"""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.factories import MemberFactory
from yalls.api import api
from yalls.entities import services as entity_services
from yalls.social.services import media as media_services
from yalls.social.services import posts

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
HUGE = "x" * 100_000
BIG_INT = 2**63
BAD_SCALARS = [None, "", "\u0000", "a\u0000b", HUGE, BIG_INT, -BIG_INT, -1, 1.5, True, [], {}]
BAD_PATH = ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "x" * 5000, "%00", "-1", "9" * 40]
BAD_QUERY = ["\u0000", "!!!notbase64", "eyJ4IjoxfQ", "x" * 5000, str(BIG_INT), "-1", "0", "1e9"]
BAD_BODIES = ["", "null", "[]", '"str"', "1", "{", '{"unknown_field": 1}', "NaN", '{"a": NaN}']


def _schema():
    return api.get_openapi_schema()


def _operations():
    ops = []
    for path, methods in _schema()["paths"].items():
        for method, op in methods.items():
            if path.endswith("/auth/token") or path.endswith("/auth/refresh"):
                continue  # unauthenticated; covered by tests/accounts
            ops.append((method, path, op))
    return ops


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def _body_fields(schema, op):
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    body = _resolve(schema, content["application/json"]["schema"])
    return {name: _resolve(schema, prop) for name, prop in body.get("properties", {}).items()}


def _example(prop):
    """A plausible valid value for one property, so a bad sibling is what reaches the handler."""
    options = prop.get("anyOf", [prop])
    first = next((o for o in options if o.get("type") != "null"), options[0])
    if "enum" in first:
        return first["enum"][0]
    kind = first.get("type")
    if first.get("format") == "uuid":
        return "00000000-0000-0000-0000-000000000001"
    if first.get("format") == "date-time":
        return "2099-01-01T00:00:00Z"
    return {"boolean": True, "integer": 1, "number": 1, "array": [], "object": {}}.get(kind, "x")


GOOD = {"handle": "sweep_new", "display_name": "Sweep", "kind": "farm", "target": "sweep_farm",
        "member": "sweeper", "new_owner": "sweeper", "body": "hello", "type": "owns",
        "target_kind": "member", "url": "https://github.com/sweeper", "quiet_start": "22:00",
        "quiet_end": "07:00", "timezone": "UTC", "locale": "en", "role": "editor",
        "email": "a@example.com", "visibility": "public"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fast(settings, entity_kinds, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def world(client):
    member = MemberFactory(handle="sweeper")
    member.set_password(PASSWORD)
    member.save()
    entity_services.entity_create(
        actor=member, handle="sweep_farm", display_name="Sweep", kind="farm"
    )
    response = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"email": member.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    post = posts.post_create(author=member, body="a post")
    REAL["post_id"] = str(post.id)
    REAL["target_id"] = str(post.id)
    REAL["ref_id"] = str(post.id)
    return {"token": response.json()["access_token"], "member": member}


def _fill(path, value, real):
    out = path
    for name in ("handle", "member_handle", "post_id", "edge_id", "link_id", "target_id", "key",
                 "provider", "target_kind", "target", "member", "kind", "ref_id"):  # fmt: skip
        token = "{" + name + "}"
        if token in out:
            out = out.replace(token, value if value is not None else real.get(name, "x"))
    return out


REAL = {"handle": "sweep_farm", "member_handle": "sweeper", "provider": "github",
        "target_kind": "member", "target": "sweeper", "member": "sweeper", "kind": "post",
        "key": "some_flag"}  # fmt: skip


def _check(response, label, failures):
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code} {response.content[:200]!r}")
    elif response.status_code >= 400 and response["Content-Type"] != "application/problem+json":
        failures.append(f"{label}: {response.status_code} not problem+json")


def _send(client, method, path, token, raw=None, query=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if method == "get":
        return client.get(path, data=query or {}, **kwargs)
    return getattr(client, method)(
        path, data=raw if raw is not None else "", content_type="application/json", **kwargs
    )


OPERATIONS = _operations()


@pytest.mark.parametrize(
    ("method", "path", "op"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _ in OPERATIONS]
)
def test_operation_refuses_hostile_input_with_a_problem(client, world, method, path, op):
    schema = _schema()
    token = world["token"]
    failures: list[str] = []
    fields = _body_fields(schema, op)
    multipart = "multipart/form-data" in op.get("requestBody", {}).get("content", {})
    valid_path = _fill(path, None, REAL)

    # Malformed path parameters.
    if "{" in path:
        for bad in BAD_PATH:
            url = _fill(path, bad, REAL)
            _check(_send(client, method, url, token, raw="{}"), f"path={bad[:20]!r}", failures)

    # Bad query parameters.
    for param in op.get("parameters", []):
        if param["in"] != "query":
            continue
        for bad in BAD_QUERY:
            _check(
                _send(client, method, valid_path, token, query={param["name"]: bad}),
                f"query {param['name']}={bad[:20]!r}",
                failures,
            )

    # Bad bodies.
    if fields is not None and not multipart:
        for raw in BAD_BODIES:
            _check(_send(client, method, valid_path, token, raw=raw), f"body={raw!r}", failures)
        baseline = {name: GOOD.get(name, _example(prop)) for name, prop in fields.items()}
        for field in fields:
            for bad in BAD_SCALARS:
                raw = json.dumps({**baseline, field: bad})
                _check(
                    _send(client, method, valid_path, token, raw=raw),
                    f"{field}={str(bad)[:20]!r}",
                    failures,
                )
    assert not failures, "\n".join(failures)


# ---- Web pages and POST forms -------------------------------------------------------------

WEB_FIELDS = ["handle", "display_name", "kind", "bio", "body", "visibility", "targets", "as_entity",
              "next", "id", "ref_id", "target", "target_kind", "member", "role", "new_owner", "url",
              "proof_url", "provider", "note", "decision", "position", "title", "direction",
              "quiet_start", "quiet_end", "daily_cap", "digest_hour", "digest_frequency",
              "timezone", "locale", "lane", "ids", "favorited", "following", "draft_id",
              "publish_at", "caption", "enabled", "variant", "payload", "rollout", "percentage",
              "key", "reason", "email", "slug", "category", "breed", "sex", "foaling_date",
              "allow_crosspost", "auto_propagate", "type", "parent_role", "q", "cursor"]  # fmt: skip
WEB_BAD = ["\u0000", "a\u0000b", "plainword", "javascript:alert(1)", "x" * 3000, str(BIG_INT),
           "-1", "not-a-uuid", "2099-13-45T99:99", "//evil.example", ""]  # fmt: skip
WEB_PATHS = ["/", "/search", "/compose", "/compose/draft", "/compose/preview", "/notifications",
             "/notifications/drawer", "/notifications/read-all", "/settings/notifications",
             "/ops/notifications/broadcast", "/settings/profile", "/settings/security",
             "/settings/security/sessions/end", "/settings/links", "/settings/links/remove",
             "/settings/links/recheck", "/settings/links/proof", "/moderation/links",
             "/moderation/badges", "/moderation/badges/new", "/moderation/badges/revoke",
             "/entities/", "/entities/new", "/entities/sweep_farm/edit",
             "/entities/sweep_farm/archive", "/entities/sweep_farm/restore",
             "/entities/sweep_farm/transfer", "/entities/sweep_farm/members",
             "/entities/sweep_farm/members/remove", "/entities/sweep_farm/edges",
             "/entities/sweep_farm/approvals", "/favorites/toggle", "/follows/toggle",
             "/mutes/toggle", "/blocks/toggle", "/hides/toggle", "/me/pins/add",
             "/settings/privacy", "/ops/flags/", "/ops/flags/some_flag/",
             "/ops/flags/some_flag/edit", "/ops/", "/ops/jobs/", "/@sweeper",
             "/p/{post_id}", "/p/{post_id}/repost", "/p/{post_id}/edit", "/p/{post_id}/delete",
             "/entities/sweep_farm/approvals/{post_id}/approve"]  # fmt: skip


@pytest.mark.parametrize("path", WEB_PATHS)
def test_web_form_refuses_hostile_input_without_a_500(world, path):
    client = Client(raise_request_exception=False)
    member = world["member"]
    member.role = "admin"  # the ops and moderation forms too
    member.save()
    client.force_login(member)
    url = path.replace("{post_id}", REAL["post_id"])
    failures = []
    for bad in WEB_BAD:
        data = {field: bad for field in WEB_FIELDS}
        # A browser form (urlencoded), a crafted multipart body, and the htmx variant of each view.
        for label, kwargs in [
            (
                "form",
                {"data": urlencode(data), "content_type": "application/x-www-form-urlencoded"},
            ),
            ("multipart", {"data": data}),
            ("htmx", {"data": data, "HTTP_HX_REQUEST": "true"}),
        ]:
            response = client.post(url, **kwargs)
            if response.status_code >= 500:
                failures.append(f"POST {label} {bad[:20]!r}: {response.status_code}")
        response = client.get(url, {"q": bad, "cursor": bad, "lane": bad, "kind": bad})
        if response.status_code >= 500:
            failures.append(f"GET {bad[:20]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)


# ---- Regression tests for what the sweeps found -------------------------------------------


def test_nul_in_a_urlencoded_form_field_is_a_400_not_a_500(client, world):
    """Views that read request.POST directly (not a Django form) used to pass NUL to PostgreSQL."""
    client.force_login(world["member"])
    for path, data in [
        ("/blocks/toggle", {"member": "a\u0000b"}),
        ("/settings/links/remove", {"provider": "git\u0000hub"}),
        ("/entities/sweep_farm/members/remove", {"member": "x\u0000"}),
        ("/blocks/toggle", {"member": ["sweeper", "a\u0000b"]}),  # not only the last value
    ]:
        response = client.post(path, data)
        assert response.status_code == 400, (path, response.status_code)


def test_repeated_query_parameter_with_nul_is_refused(client, world):
    response = client.get(
        "/api/v1/entities", {"q": ["a\u0000b", "ok"]}, HTTP_AUTHORIZATION=f"Bearer {world['token']}"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.nul_character"


@pytest.mark.parametrize("path", ["/favorites/toggle", "/hides/toggle", "/notifications/read-all"])
def test_a_bare_word_next_falls_back_instead_of_500(world, path):
    """redirect("plainword") is a URL-name lookup (NoReverseMatch); only site paths are followed."""
    client = Client(raise_request_exception=False)
    client.force_login(world["member"])
    response = client.post(path, {"next": "plainword", "kind": "nope", "lane": "social"})
    assert response.status_code in (302, 303), response.status_code
    assert "plainword" not in response["Location"]
    response = client.post(path, {"next": "//evil.example/x", "kind": "nope", "lane": "social"})
    assert "evil.example" not in response.get("Location", "")


def test_nul_in_media_alt_text_is_a_problem_and_writes_nothing(client, world, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from yalls.social.models import PostMedia

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "PNG")
    draft = posts.draft_save(author=world["member"], body="with a photo")
    response = client.post(
        f"/api/v1/posts/{draft.pk}/media",
        {
            "images": [SimpleUploadedFile("a.png", buffer.getvalue(), "image/png")],
            "alt_texts": ["a\u0000b"],
        },
        HTTP_AUTHORIZATION=f"Bearer {world['token']}",
    )
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "request.nul_character"
    assert not PostMedia.objects.filter(post=draft).exists()
    media_root = tmp_path / "media"
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_media_service_refuses_nul_alt_text_before_writing(world):
    """The service checks too: it has callers besides the API (the web composer, jobs)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from yalls.core.errors import DomainError
    from yalls.social.models import PostMedia

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "PNG")
    draft = posts.draft_save(author=world["member"], body="with a photo")
    with pytest.raises(DomainError) as caught:
        media_services.post_media_add(
            actor=world["member"],
            post=draft,
            images=[SimpleUploadedFile("a.png", buffer.getvalue(), "image/png")],
            image_alts=["a\u0000b"],
        )
    assert caught.value.code == "post.alt_text_invalid"
    assert not PostMedia.objects.filter(post=draft).exists()


def test_htmx_favorite_with_a_malformed_id_is_not_a_500(world):
    """After a refused toggle the htmx button re-reads the state with the form's id as given."""
    client = Client(raise_request_exception=False)
    client.force_login(world["member"])
    response = client.post(
        "/favorites/toggle", {"kind": "nope", "id": "not-a-uuid"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.status_code
