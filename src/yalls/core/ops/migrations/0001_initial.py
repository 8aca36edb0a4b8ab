import django.utils.timezone
from django.db import migrations, models

CASCADE_WITH_JOB = """
ALTER TABLE ops_jobfailure
    ADD CONSTRAINT ops_jobfailure_job_fk FOREIGN KEY (job_id)
    REFERENCES procrastinate_jobs (id) ON DELETE CASCADE;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = [("procrastinate", "0041_post_retry_failed_job")]

    operations = [
        migrations.CreateModel(
            name="JobFailure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("job_id", models.BigIntegerField(db_index=True)),
                ("attempt", models.PositiveIntegerField()),
                ("task_name", models.CharField(max_length=128)),
                ("queue_name", models.CharField(max_length=128)),
                ("error_type", models.CharField(max_length=200)),
                ("error_message", models.TextField(blank=True)),
                ("traceback", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["job_id", "-created_at"], name="ops_jobfailure_job")],
            },
        ),
        migrations.RunSQL(
            CASCADE_WITH_JOB,
            reverse_sql="ALTER TABLE ops_jobfailure DROP CONSTRAINT ops_jobfailure_job_fk;",
        ),
    ]
