"""Row-level security: a member's notifications, preferences and digest ledger are their own.
The send service writes other members' rows and therefore runs in the system context."""

from django.db import migrations

from yalls.core.rls import enable_rls


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        enable_rls("notifications_notification", "recipient_id"),
        enable_rls("notifications_preference", "member_id"),
        enable_rls("notifications_digestrun", "member_id"),
    ]
