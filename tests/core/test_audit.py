"""The audit log is append-only at the database level and carries the request context."""

import pytest
from django.db import DatabaseError, transaction

from tests.factories import MemberFactory
from yalls.core.audit.models import AuditEvent
from yalls.core.audit.services import audit_record
from yalls.core.request_context import request_id_var

pytestmark = pytest.mark.django_db


def test_events_record_actor_and_request_id():
    member = MemberFactory()
    token = request_id_var.set("req-42")
    try:
        event = audit_record(
            actor=member,
            action="flag.toggled",
            target_type="flag",
            target_id="x",
            metadata={"on": True},
        )
    finally:
        request_id_var.reset(token)
    assert event.actor_id == member.pk
    assert event.actor_label == f"@{member.handle}"
    assert event.request_id == "req-42"


def test_system_events_have_no_actor():
    event = audit_record(actor=None, action="job.retried", target_type="job", target_id=1)
    assert event.actor_id is None and event.actor_label == "system"


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_database_refuses_update_and_delete(operation):
    event = audit_record(actor=None, action="x.y")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        qs = AuditEvent.objects.filter(pk=event.pk)
        qs.update(action="tampered") if operation == "update" else qs.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "x.y"
