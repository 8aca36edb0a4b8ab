import uuid

import django.utils.timezone
from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
-- TRUNCATE stays possible for the owner role only (test database flushes, retention by an operator);
-- the member role is never granted it.
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("actor_id", models.UUIDField(blank=True, db_index=True, null=True)),
                ("actor_label", models.CharField(blank=True, max_length=120)),
                ("action", models.CharField(db_index=True, max_length=80)),
                ("target_type", models.CharField(blank=True, max_length=60)),
                ("target_id", models.CharField(blank=True, max_length=80)),
                ("metadata", models.JSONField(blank=True, default=dict)),
                ("request_id", models.CharField(blank=True, max_length=128)),
                ("ip_hash", models.CharField(blank=True, max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["-created_at", "-id"], name="audit_created"),
                    models.Index(fields=["target_type", "target_id", "-created_at"], name="audit_target"),
                ],
            },
        ),
        migrations.RunSQL(
            APPEND_ONLY,
            reverse_sql="DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
        ),
    ]
