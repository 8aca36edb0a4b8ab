"""allauth's credential signals, handed straight to the accounts service."""

from yalls.accounts import services


def on_password_changed(sender, request, user, **kwargs) -> None:
    """Changed while signed in: keep this browser's session, end all others and every API token."""
    session = getattr(request, "session", None)
    services.credentials_changed(
        member=user, keep_session_key=session.session_key if session else None
    )


def on_password_reset(sender, request, user, **kwargs) -> None:
    """Reset by email link: nobody's session is trusted any more."""
    services.credentials_changed(member=user, keep_session_key=None)
