"""Django admin is a window, not a door: every domain model is listed and searchable there, but
changes go through the services (validated, permission-checked, audited) and their pages."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """List, filter, search and view; no add, change or delete (the service layer is the one write
    path: an admin edit would skip its checks and the audit log)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
