"""Health, metrics, jobs and operations endpoints."""
