"""Per-request values every log line carries: the request id and the hashed acting member."""

import hashlib
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
member_hash_var: ContextVar[str | None] = ContextVar("member_hash", default=None)
ip_hash_var: ContextVar[str | None] = ContextVar("ip_hash", default=None)


def hash_ip(ip: str) -> str:
    """IPs are personal data: the audit log and logs keep a salted hash only."""
    from django.conf import settings

    return hashlib.sha256(f"{settings.SECRET_KEY[16:32]}:ip:{ip}".encode()).hexdigest()[:32]


def hash_member_id(member_id) -> str:
    """A stable, non-reversible label for a member in logs (no raw ids or emails in log lines)."""
    from django.conf import settings

    digest = hashlib.sha256(f"{settings.SECRET_KEY[:16]}:{member_id}".encode()).hexdigest()
    return digest[:16]
