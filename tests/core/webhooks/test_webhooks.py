"""Signed webhooks in: valid, tampered, stale, replayed, rotated secrets; stored and processed by a job."""

import json
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from yalls.core.audit.models import AuditEvent
from yalls.core.webhooks import services, signatures
from yalls.core.webhooks.handlers import webhook_handler
from yalls.core.webhooks.models import WebhookDelivery, WebhookSecret

pytestmark = pytest.mark.django_db
PROCESSED: list[str] = []


@webhook_handler("test-recorder")
def _record(delivery):
    PROCESSED.append(delivery.webhook_id)


@pytest.fixture
def endpoint():
    endpoint, secret = services.webhook_endpoint_create(
        actor=None, slug="payments-test", kind="test-recorder"
    )
    return endpoint, secret


def deliver(
    client,
    secret,
    *,
    msg_id="msg_1",
    body=None,
    timestamp=None,
    signature=None,
    slug="payments-test",
):
    raw = json.dumps(body or {"type": "payment.succeeded", "amount_cents": 4500}).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    sig = signature or signatures.sign(secret, msg_id, ts, raw)
    return client.post(
        f"/webhooks/{slug}",
        data=raw,
        content_type="application/json",
        HTTP_WEBHOOK_ID=msg_id,
        HTTP_WEBHOOK_TIMESTAMP=str(ts),
        HTTP_WEBHOOK_SIGNATURE=sig,
    )


def queued_jobs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'yalls.core.webhooks.process'"
        )
        return cursor.fetchone()[0]


def test_known_signature_vector():
    # Standard Webhooks reference example (from the spec's test vectors).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert signatures.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_valid_delivery_is_stored_and_a_job_deferred(client, endpoint):
    _, secret = endpoint
    response = deliver(client, secret)
    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "payment.succeeded"
    assert delivery.payload["amount_cents"] == 4500
    assert queued_jobs() == 1
    assert services.webhook_process(delivery_id=str(delivery.id)) == "processed"
    assert "msg_1" in PROCESSED
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert services.webhook_process(delivery_id=str(delivery.id)) == "skipped"  # safe to run twice


def test_replayed_delivery_is_acknowledged_and_ignored(client, endpoint):
    _, secret = endpoint
    assert deliver(client, secret).status_code == 202
    replay = deliver(client, secret)
    assert replay.status_code == 200
    assert replay.json()["status"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1
    assert queued_jobs() == 1


def test_tampered_body_is_refused(client, endpoint):
    _, secret = endpoint
    raw = json.dumps({"type": "payment.succeeded", "amount_cents": 4500}).encode()
    ts = int(time.time())
    sig = signatures.sign(secret, "msg_t", ts, raw)
    response = client.post(
        "/webhooks/payments-test", data=raw.replace(b"4500", b"9999"), content_type="application/json",
        HTTP_WEBHOOK_ID="msg_t", HTTP_WEBHOOK_TIMESTAMP=str(ts), HTTP_WEBHOOK_SIGNATURE=sig,
    )  # fmt: skip
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "webhook.signature_invalid"
    assert WebhookDelivery.objects.count() == 0 and queued_jobs() == 0


def test_wrong_secret_is_refused(client, endpoint):
    response = deliver(client, signatures.secret_new())
    assert response.json()["code"] == "webhook.signature_invalid"


@pytest.mark.parametrize("skew", [-301, 301])
def test_stale_or_future_timestamp_is_refused(client, endpoint, skew):
    _, secret = endpoint
    response = deliver(client, secret, timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert response.json()["code"] == "webhook.timestamp_stale"
    assert WebhookDelivery.objects.count() == 0


def test_missing_headers_and_unknown_endpoint(client, endpoint):
    missing = client.post("/webhooks/payments-test", data=b"{}", content_type="application/json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "webhook.headers_missing"
    _, secret = endpoint
    assert deliver(client, secret, slug="nope").status_code == 404


def test_non_json_body_is_a_clear_400(client, endpoint):
    _, secret = endpoint
    ts = int(time.time())
    raw = b"not json"
    response = client.post(
        "/webhooks/payments-test", data=raw, content_type="application/json",
        HTTP_WEBHOOK_ID="m", HTTP_WEBHOOK_TIMESTAMP=str(ts), HTTP_WEBHOOK_SIGNATURE=signatures.sign(secret, "m", ts, raw),
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "webhook.body_invalid"


def test_rotation_keeps_old_secret_working_until_it_expires(client, endpoint):
    _, old = endpoint
    new = services.webhook_secret_rotate(actor=None, slug="payments-test")
    assert deliver(client, old, msg_id="a").status_code == 202
    assert deliver(client, new, msg_id="b").status_code == 202
    WebhookSecret.objects.filter(secret=old).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert deliver(client, old, msg_id="c").status_code == 401
    assert deliver(client, new, msg_id="d").status_code == 202
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 1


def test_several_signatures_in_one_header(client, endpoint):
    _, secret = endpoint
    raw = json.dumps({"type": "x"}).encode()
    ts = int(time.time())
    good = signatures.sign(secret, "multi", ts, raw)
    header = f"v1,AAAA {good} v2,whatever"
    response = client.post(
        "/webhooks/payments-test", data=raw, content_type="application/json",
        HTTP_WEBHOOK_ID="multi", HTTP_WEBHOOK_TIMESTAMP=str(ts), HTTP_WEBHOOK_SIGNATURE=header,
    )  # fmt: skip
    assert response.status_code == 202
