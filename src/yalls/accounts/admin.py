from django.contrib import admin, messages

from yalls.accounts import services
from yalls.accounts.models import User
from yalls.core.admin import ReadOnlyAdmin
from yalls.core.errors import DomainError

FIELDS = (
    "id", "email", "handle", "display_name", "bio", "role", "is_active", "timezone", "locale",
    "date_joined", "token_version",
)  # fmt: skip


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    """Read-only but for the role, which is saved through services.member_role_set (admins only,
    audited); profiles change in the member's own settings."""

    list_display = ("handle", "display_name", "email", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("handle", "display_name", "email")
    fields = FIELDS
    readonly_fields = tuple(name for name in FIELDS if name != "role")

    def has_change_permission(self, request, obj=None) -> bool:
        return getattr(request.user, "is_staff", False)

    def save_model(self, request, obj, form, change):
        if change and "role" in form.changed_data:
            try:
                services.member_role_set(
                    actor=request.user, member=User.objects.get(pk=obj.pk), role=obj.role
                )
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
