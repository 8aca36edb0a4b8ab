"""Operations data: the error and traceback of each failed job attempt (Procrastinate keeps none)."""

from django.db import models
from django.utils import timezone


class JobFailure(models.Model):
    """One failed run of a job. Rows go with their job: the foreign key to procrastinate_jobs is
    ON DELETE CASCADE in the database (migration 0001), so pruning or discarding a job removes
    them too."""

    job_id = models.BigIntegerField(db_index=True)
    attempt = models.PositiveIntegerField()
    task_name = models.CharField(max_length=128)
    queue_name = models.CharField(max_length=128)
    error_type = models.CharField(max_length=200)
    error_message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["job_id", "-created_at"], name="ops_jobfailure_job")]

    def __str__(self) -> str:
        return f"job {self.job_id} attempt {self.attempt}: {self.error_type}"
