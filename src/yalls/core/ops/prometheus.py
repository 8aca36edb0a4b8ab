"""The Prometheus text exposition (format 0.0.4) of yalls metrics, written by hand: the figures
already live in Redis and PostgreSQL, shared by every process, so no client library is needed."""

from __future__ import annotations

from yalls.core.ops import metrics, selectors

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    inner = ",".join(f'{name}="{_escape(str(value))}"' for name, value in labels.items())
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def render() -> str:
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    http = sorted(metrics.read().items())
    family("yalls_http_requests_total", "counter", "HTTP requests by route pattern and method.")
    for (method, route), stats in http:
        lines.append(
            f"yalls_http_requests_total{_labels(route=route, method=method)} {stats.count}"
        )
    family(
        "yalls_http_request_errors_total", "counter", "HTTP requests answered with a 5xx status."
    )
    for (method, route), stats in http:
        lines.append(
            f"yalls_http_request_errors_total{_labels(route=route, method=method)} {stats.errors}"
        )
    family(
        "yalls_http_request_duration_seconds", "histogram", "HTTP request latency by route pattern."
    )
    for (method, route), stats in http:
        cumulative = 0
        for index, in_bucket in enumerate(stats.buckets):
            cumulative += in_bucket
            le = (
                _number(metrics.BUCKETS_MS[index] / 1000)
                if index < len(metrics.BUCKETS_MS)
                else "+Inf"
            )
            lines.append(
                "yalls_http_request_duration_seconds_bucket"
                f"{_labels(route=route, method=method, le=le)} {cumulative}"
            )
        lines.append(
            f"yalls_http_request_duration_seconds_sum{_labels(route=route, method=method)} "
            f"{_number(round(stats.sum_ms / 1000, 6))}"
        )
        lines.append(
            f"yalls_http_request_duration_seconds_count{_labels(route=route, method=method)} "
            f"{stats.count}"
        )

    counts = selectors.job_counts()
    family(
        "yalls_jobs",
        "gauge",
        "Jobs by task and status (outcome) in procrastinate_jobs: finished jobs are kept for the "
        "retention period, dead letters until retried or discarded.",
    )
    for row in selectors.job_counts_by_task():
        lines.append(f"yalls_jobs{_labels(task=row['task'], status=row['status'])} {row['count']}")
    family("yalls_job_queue_depth", "gauge", "Jobs waiting (todo) or running (doing) per queue.")
    for row in counts:
        if row["status"] in ("todo", "doing"):
            lines.append(
                f"yalls_job_queue_depth{_labels(queue=row['queue'], status=row['status'])} "
                f"{row['count']}"
            )
    depth = selectors.queue_depth(counts)
    family("yalls_job_dead_letters", "gauge", "Jobs in the dead-letter state (failed).")
    lines.append(f"yalls_job_dead_letters {depth['dead_letters']}")
    family("yalls_metrics_shared", "gauge", "1 when HTTP metrics are shared through Redis.")
    lines.append(f"yalls_metrics_shared {1 if metrics.backend_name() == 'redis' else 0}")
    return "\n".join(lines) + "\n"
