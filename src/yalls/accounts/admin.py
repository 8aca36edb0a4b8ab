from django.contrib import admin

from yalls.accounts import services
from yalls.accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("handle", "display_name", "email", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active")
    search_fields = ("handle", "display_name", "email")
    readonly_fields = ("id", "handle", "date_joined", "token_version", "password")
    fields = (
        "id",
        "email",
        "handle",
        "display_name",
        "bio",
        "role",
        "is_active",
        "timezone",
        "locale",
        "date_joined",
        "token_version",
    )

    def save_model(self, request, obj, form, change):
        """Role changes go through the audited service; the rest is plain profile data."""
        new_role = obj.role
        if change and "role" in form.changed_data:
            obj.role = form.initial["role"]
            obj.save()
            services.member_role_set(actor=request.user, member=obj, role=new_role)
            obj.role = new_role
        else:
            obj.save()
