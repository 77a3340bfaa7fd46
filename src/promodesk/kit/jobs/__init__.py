"""Durable jobs: a transactional outbox table, workers that claim due rows, schedules."""

from promodesk.kit.jobs.registry import JobContext, UnknownJob, handler, registered
from promodesk.kit.jobs.service import enqueue

__all__ = ["JobContext", "UnknownJob", "enqueue", "handler", "registered"]
