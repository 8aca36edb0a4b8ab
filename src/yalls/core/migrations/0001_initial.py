import uuid

import django.db.models.functions.text
from django.db import migrations, models

from yalls.core import rls


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS vector; CREATE EXTENSION IF NOT EXISTS pg_trgm;",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(rls.create_member_role_sql(), reverse_sql=migrations.RunSQL.noop),
        migrations.CreateModel(
            name="Handle",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ("handle", models.CharField(max_length=30)),
                ("kind", models.CharField(choices=[("member", "Member"), ("entity", "Entity")], max_length=10)),
                ("owner_id", models.UUIDField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(django.db.models.functions.text.Lower("handle"), name="core_handle_unique_ci"),
                    models.UniqueConstraint(fields=("kind", "owner_id"), name="core_handle_one_per_owner"),
                ],
            },
        ),
    ]
