"""Platform maintenance jobs: hand back jobs of dead workers, prune finished jobs."""

from yalls.core import jobs


@jobs.yalls_periodic(cron="* * * * *")
def jobs_requeue_stalled(timestamp: int) -> int:
    return len(jobs.stalled_jobs_requeue())


@jobs.yalls_periodic(cron="41 * * * *")
def jobs_prune(timestamp: int) -> int:
    return jobs.finished_jobs_prune()
