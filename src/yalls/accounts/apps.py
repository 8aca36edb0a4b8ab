"""Members: accounts, profiles, roles, sessions, API tokens, MFA."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "yalls.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set

        from yalls.accounts import receivers

        password_changed.connect(
            receivers.on_password_changed, dispatch_uid="yalls.password_changed"
        )
        password_set.connect(receivers.on_password_changed, dispatch_uid="yalls.password_set")
        password_reset.connect(receivers.on_password_reset, dispatch_uid="yalls.password_reset")
