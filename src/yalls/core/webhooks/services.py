"""Webhook writes: endpoint and secret management, accepting a delivery, processing it."""

import json
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yalls.core.audit.services import audit_record
from yalls.core.db_context import system_context
from yalls.core.errors import DomainError, NotFound, Unauthorized
from yalls.core.webhooks import signatures
from yalls.core.webhooks.handlers import handler_for
from yalls.core.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookSecret

MAX_BODY_BYTES = 1024 * 1024


def _active_secrets(endpoint: WebhookEndpoint) -> list[str]:
    now = timezone.now()
    rows = endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).order_by(
        "-created_at"
    )
    return [row.secret for row in rows]


@system_context()
@transaction.atomic
def webhook_endpoint_create(
    *, actor, slug: str, kind: str, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    if handler_for(kind) is None:
        raise DomainError(
            "webhook.kind_unknown",
            _("No handler is registered for kind %(kind)s.") % {"kind": repr(kind)},
            field="kind",
        )
    endpoint, created = WebhookEndpoint.objects.get_or_create(
        slug=slug, defaults={"kind": kind, "description": description}
    )
    if not created:
        raise DomainError(
            "webhook.endpoint_exists",
            _("An endpoint %(slug)s already exists.") % {"slug": repr(slug)},
            field="slug",
        )
    secret = signatures.secret_new()
    WebhookSecret.objects.create(endpoint=endpoint, secret=secret)
    audit_record(
        actor=actor,
        action="webhook.endpoint_created",
        target_type="webhook_endpoint",
        target_id=slug,
    )
    return endpoint, secret


@system_context()
@transaction.atomic
def webhook_secret_rotate(*, actor, slug: str, overlap: timedelta = timedelta(hours=24)) -> str:
    """Add a new secret; the current ones keep verifying for `overlap`, then expire."""
    endpoint = WebhookEndpoint.objects.select_for_update().filter(slug=slug).first()
    if endpoint is None:
        raise NotFound("webhook.endpoint_unknown", _("No webhook endpoint has that name."))
    expires = timezone.now() + overlap
    endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=expires)).update(
        expires_at=expires
    )
    secret = signatures.secret_new()
    WebhookSecret.objects.create(endpoint=endpoint, secret=secret)
    audit_record(
        actor=actor, action="webhook.secret_rotated", target_type="webhook_endpoint", target_id=slug,
        metadata={"old_secrets_expire_at": expires.isoformat()},
    )  # fmt: skip
    return secret


@system_context()
def webhook_receive(
    *, slug: str, headers, body: bytes, now: int | None = None
) -> tuple[WebhookDelivery, bool]:
    """Verify and store a delivery, deferring its processing job in the same transaction.

    Returns (delivery, created). A replayed webhook-id returns the stored delivery, created=False.
    """
    from yalls.core.webhooks.tasks import webhook_process

    endpoint = WebhookEndpoint.objects.filter(slug=slug, is_active=True).first()
    if endpoint is None:
        raise NotFound("webhook.endpoint_unknown", _("No webhook endpoint has that name."))
    if len(body) > MAX_BODY_BYTES:
        raise DomainError("webhook.too_large", _("Deliveries are limited to 1 MB."), status=413)
    msg_id = headers.get("webhook-id", "")
    try:
        signatures.verify(
            secrets=_active_secrets(endpoint),
            msg_id=msg_id,
            timestamp=headers.get("webhook-timestamp", ""),
            signature_header=headers.get("webhook-signature", ""),
            body=body,
            now=int(time.time()) if now is None else now,
        )
    except signatures.SignatureError as exc:
        status = (
            400 if exc.code in {"webhook.headers_missing", "webhook.timestamp_invalid"} else 401
        )
        raise Unauthorized(exc.code, exc.message, status=status) from exc
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError("webhook.body_invalid", _("The delivery body must be JSON.")) from exc
    if "\\u0000" in body.decode("utf-8", "replace"):
        raise DomainError(
            "webhook.body_invalid", _("The delivery body can't contain NUL characters.")
        )
    event_type = str(payload.get("type", ""))[:120] if isinstance(payload, dict) else ""
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint, webhook_id=msg_id[:200], event_type=event_type, payload=payload
            )
            webhook_process.defer(delivery_id=str(delivery.id))
    except IntegrityError:
        # Already received: acknowledge and ignore (senders retry until they see a 2xx).
        return WebhookDelivery.objects.get(endpoint=endpoint, webhook_id=msg_id[:200]), False
    return delivery, True


@system_context()
def webhook_process(*, delivery_id: str) -> str:
    """Run the endpoint kind's handler once for a delivery (job; safe to run twice)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == WebhookDelivery.Status.PROCESSED:
            return "skipped"
        handler = handler_for(delivery.endpoint.kind)
        if handler is None:
            delivery.status, delivery.error = WebhookDelivery.Status.FAILED, "no handler registered"
            delivery.save(update_fields=["status", "error"])
            return "failed"
        handler(delivery)
        delivery.status, delivery.processed_at = WebhookDelivery.Status.PROCESSED, timezone.now()
        delivery.save(update_fields=["status", "processed_at"])
        return "processed"
