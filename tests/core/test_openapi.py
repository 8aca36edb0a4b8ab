import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/auth/token",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me",
    "/api/v1/entities",
    "/api/v1/entities/{handle}",
    "/api/v1/entities/{handle}/archive",
    "/api/v1/entities/{handle}/restore",
    "/api/v1/entities/{handle}/transfer",
    "/api/v1/entities/{handle}/members",
}


def test_openapi_is_valid_and_lists_every_endpoint(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= EXPECTED_PATHS


def test_interactive_docs_are_served_locally(client):
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in page.content


def test_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response  # only over TLS
    secure = client.get("/accounts/login/", secure=True)
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def _spec(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_security_schemes_are_declared_and_required_per_operation(client):
    spec = _spec(client)
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["sessionCookie"]["in"] == "cookie"
    assert schemes["csrfToken"] == {**schemes["csrfToken"], "in": "header", "name": "X-CSRFToken"}
    paths = spec["paths"]
    assert paths["/api/v1/me"]["get"]["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    # A cookie write needs the CSRF header as well.
    assert paths["/api/v1/me"]["patch"]["security"] == [
        {"bearerAuth": []},
        {"sessionCookie": [], "csrfToken": []},
    ]
    # Open to everyone, more for members: anonymous is one of the options.
    assert {} in paths["/api/v1/posts/{post_id}"]["get"]["security"]
    assert "security" not in paths["/api/v1/auth/token"]["post"]


def test_every_operation_documents_its_problems_as_problem_json(client):
    spec = _spec(client)
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "429", "503"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)
    me = spec["paths"]["/api/v1/me"]
    assert {"401", "403"} <= set(me["get"]["responses"])
    assert "404" not in me["get"]["responses"]  # nothing it takes can name a missing thing
    assert {"409", "413", "422"} <= set(me["patch"]["responses"])
    assert set(spec["paths"]["/api/v1/auth/token"]["post"]["responses"]) >= {"401", "422", "429"}
    assert "Retry-After" in me["get"]["responses"]["429"]["headers"]
    assert me["get"]["responses"]["200"]["headers"]["X-Request-ID"]["required"] is True


def test_formats_are_exact(client):
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    assert schemas["MeOut"]["properties"]["id"]["format"] == "uuid"
    assert schemas["MeOut"]["properties"]["date_joined"]["format"] == "date-time"
    quiet = schemas["PreferencesOut"]["properties"]["quiet_start"]
    assert quiet["type"] == "string" and "format" not in quiet and quiet["pattern"]
    listing = spec["paths"]["/api/v1/notifications"]["get"]["parameters"]
    limit = next(p for p in listing if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    write = spec["paths"]["/api/v1/posts"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in write)


def test_booleans_are_strict(api_client):
    from tests.factories import MemberFactory

    api_client.force_login(MemberFactory())
    url = "/api/v1/notifications/preferences"
    for value in (0, 1, "yes", "true"):
        response = api_client.patch(url, {"email": value}, content_type="application/json")
        assert response.status_code == 422, (value, response.content)
    assert (
        api_client.patch(url, {"email": True}, content_type="application/json").status_code == 200
    )
    assert api_client.get("/api/v1/notifications?unread=1").status_code == 422
    assert api_client.get("/api/v1/notifications?unread=true").status_code == 200
