"""Row-level security on the members' private tables (see docs/security.md)."""

from django.db import migrations

from yalls.core.rls import enable_rls


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("usersessions", "0001_initial"),
    ]

    operations = [
        enable_rls("accounts_privateprofile", "user_id"),
        enable_rls("accounts_refreshtoken", "user_id"),
        enable_rls("usersessions_usersession", "user_id"),
        enable_rls("mfa_authenticator", "user_id"),
    ]
