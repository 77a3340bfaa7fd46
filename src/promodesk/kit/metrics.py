"""Prometheus metrics shared by the app and the worker."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("promodesk_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "promodesk_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS_RUN = Counter("promodesk_jobs_run_total", "Jobs run by outcome", ["name", "outcome"])
JOB_FAILURES = Counter("promodesk_job_failures_total", "Job attempts that failed", ["name"])
JOB_QUEUE = Gauge("promodesk_job_queue_depth", "Jobs by status", ["status"])
WORKER_HEARTBEAT_AGE = Gauge(
    "promodesk_worker_heartbeat_age_seconds", "Seconds since the last worker heartbeat"
)
