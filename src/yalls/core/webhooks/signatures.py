"""Standard Webhooks signatures: HMAC-SHA256 over "{id}.{timestamp}.{body}", base64, `v1,` prefix.

Pure functions, no Django: used to verify deliveries in, and by tests (and senders) to sign them.
"""

import base64
import hashlib
import hmac
import secrets as _secrets

TOLERANCE_SECONDS = 5 * 60
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret


class SignatureError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    *, secrets: list[str], msg_id: str, timestamp: str, signature_header: str, body: bytes, now: int
) -> None:
    """Raise SignatureError unless one of the signatures matches one of the active secrets."""
    if not msg_id or not timestamp or not signature_header:
        raise SignatureError(
            "webhook.headers_missing",
            "webhook-id, webhook-timestamp and webhook-signature are required.",
        )
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise SignatureError(
            "webhook.timestamp_invalid", "webhook-timestamp must be Unix seconds."
        ) from exc
    if abs(now - ts) > TOLERANCE_SECONDS:
        raise SignatureError(
            "webhook.timestamp_stale", "The delivery is older (or newer) than five minutes."
        )
    offered = [part.split(",", 1)[1] for part in signature_header.split() if part.startswith("v1,")]
    for secret in secrets:
        expected = sign(secret, msg_id, ts, body).split(",", 1)[1]
        # compare_digest against every offered signature: constant time per comparison
        if any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in offered):
            return
    raise SignatureError("webhook.signature_invalid", "No signature matches an active secret.")
