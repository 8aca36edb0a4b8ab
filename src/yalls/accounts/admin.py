from django.contrib import admin

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
