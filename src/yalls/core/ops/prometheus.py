"""The /metrics exposition through prometheus_client: every web process's HTTP figures (from the
multiprocess directory) plus job gauges read from Procrastinate's tables at scrape time."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

from yalls.core.db_context import system_context
from yalls.core.ops import metrics, selectors

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what generate_latest writes


class JobsCollector(Collector):
    """Exact across every worker: the job tables are the truth, so no process counts them."""

    def collect(self):
        # The job tables are the system's, not a member's: the scrape is already authorised.
        with system_context():
            yield from self._families()

    def _families(self):
        counts = selectors.job_counts()
        jobs = GaugeMetricFamily(
            "yalls_jobs",
            "Jobs by task and status (outcome) in procrastinate_jobs: finished jobs are kept for "
            "the retention period, dead letters until retried or discarded.",
            labels=["task", "status"],
        )
        for row in selectors.job_counts_by_task():
            jobs.add_metric([row["task"], row["status"]], row["count"])
        yield jobs
        depth = GaugeMetricFamily(
            "yalls_job_queue_depth",
            "Jobs waiting (todo) or running (doing) per queue.",
            labels=["queue", "status"],
        )
        for row in counts:
            if row["status"] in ("todo", "doing"):
                depth.add_metric([row["queue"], row["status"]], row["count"])
        yield depth
        yield GaugeMetricFamily(
            "yalls_job_dead_letters",
            "Jobs in the dead-letter state (failed).",
            value=selectors.queue_depth(counts)["dead_letters"],
        )


def render() -> str:
    registry = metrics.registry()
    registry.register(JobsCollector())
    return generate_latest(registry).decode()
