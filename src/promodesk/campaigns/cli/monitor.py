"""After a cancellation: before/after monitoring, and the retrospective of cancellations."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
