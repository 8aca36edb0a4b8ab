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
