"""audit_record: the one way anything writes to the audit log."""

from yalls.core.audit.models import AuditEvent
from yalls.core.db_context import system_context
from yalls.core.request_context import ip_hash_var, request_id_var


def audit_record(
    *,
    actor,
    action: str,
    target_type: str = "",
    target_id: str = "",
    metadata: dict | None = None,
) -> AuditEvent:
    """Append one event. `actor` is a member (or None for the system). Call inside the service's
    transaction so the event and the change commit (or vanish) together."""
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    label = (
        f"@{actor.handle}"
        if actor_id and getattr(actor, "handle", "")
        else ("system" if actor is None else "")
    )
    # Members may not read or write the audit log: it is appended as the system.
    with system_context():
        return AuditEvent.objects.create(
            actor_id=actor_id,
            actor_label=label,
            action=action,
            target_type=target_type,
            target_id=str(target_id or ""),
            metadata=metadata or {},
            request_id=request_id_var.get() or "",
            ip_hash=ip_hash_var.get() or "",
        )
