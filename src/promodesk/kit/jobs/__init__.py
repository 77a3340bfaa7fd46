"""Durable jobs: a transactional outbox table, workers that claim due rows, schedules."""

from promodesk.kit.jobs.registry import (
    JobContext,
    PrefetchContext,
    UnknownJob,
    handler,
    prefetch,
    registered,
)
from promodesk.kit.jobs.service import enqueue

__all__ = [
    "JobContext",
    "PrefetchContext",
    "UnknownJob",
    "enqueue",
    "handler",
    "prefetch",
    "registered",
]
