from django.contrib import admin

from yalls.core.admin import ReadOnlyAdmin
from yalls.core.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only list with filters; the table itself refuses edits."""

    list_display = ("created_at", "action", "actor_label", "target_type", "target_id", "request_id")
    list_filter = ("action", "target_type", ("created_at", admin.DateFieldListFilter))
    search_fields = ("action", "actor_label", "target_id", "request_id")
    date_hierarchy = "created_at"
