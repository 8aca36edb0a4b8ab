import pytest
from django.db import OperationalError, connections

pytestmark = pytest.mark.django_db


def test_health_reports_database_latency_and_echoes_request_id(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="abc")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc"
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["database"]["latency_ms"] >= 0
    assert body["migrations"]["pending"] == []
    assert body["redis"]["status"] in {"ok", "not configured"}
    assert body["version"]


def test_request_id_is_made_when_missing_or_malformed(client):
    made = client.get("/health")["X-Request-ID"]
    assert len(made) == 32
    assert (
        client.get("/health", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
        != "bad id with spaces"
    )


def test_health_is_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
