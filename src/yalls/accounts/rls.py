"""Row-level security of accounts' tables and of the allauth tables accounts builds on."""

from yalls.core.rls import UID, Policies, owned, protect

_MODERATOR = "app.has_role('moderator', 'admin')"
_ADMIN = "app.has_role('admin')"
protect(
    Policies(
        "accounts_badge",
        read="true",
        insert=_ADMIN,
        update=_ADMIN,
        delete=_ADMIN,
        why="badge definitions: admins define them",
    ),
    Policies(
        "accounts_user",
        read="true",
        update=f"id = {UID}",
        delete=f"id = {UID}",
        why="public profiles; a member edits only themself (a trigger refuses role changes)",
    ),
    owned("accounts_privateprofile", "user_id", why="phone, birth date, address"),
    owned("accounts_refreshtoken", "user_id", why="API refresh tokens"),
    Policies(
        "accounts_linkedaccount",
        read=f"member_id = {UID} OR status = 'verified' OR {_MODERATOR}",
        insert=f"member_id = {UID}",
        update=f"member_id = {UID} OR {_MODERATOR}",
        delete=f"member_id = {UID}",
        why="verified links are public; pending ones private to the member and moderators",
    ),
    Policies(
        "accounts_memberbadge",
        read="true",
        insert=_ADMIN,
        update=_ADMIN,
        delete=_ADMIN,
        why="public badges; admins grant and revoke them",
    ),
    owned("account_emailaddress", "user_id", why="a member's email addresses"),
    Policies(
        "account_emailconfirmation",
        read="app.owns_email_address(email_address_id)",
        insert="app.owns_email_address(email_address_id)",
        delete="app.owns_email_address(email_address_id)",
        why="confirmation keys of a member's own addresses",
    ),
    owned("usersessions_usersession", "user_id", why="web sessions with device and IP"),
    owned("mfa_authenticator", "user_id", why="TOTP secrets and recovery codes"),
)
