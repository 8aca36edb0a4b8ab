from django.contrib import admin

from yalls.core.admin import ReadOnlyAdmin
from yalls.entities.models import Entity, EntityKind


@admin.register(EntityKind)
class EntityKindAdmin(ReadOnlyAdmin):
    list_display = ("slug", "label", "plural", "is_horse", "position")


@admin.register(Entity)
class EntityAdmin(ReadOnlyAdmin):
    list_display = ("handle", "display_name", "kind", "owner", "created_at", "archived_at")
    list_filter = ("kind", "archived_at")
    search_fields = ("handle", "display_name")
