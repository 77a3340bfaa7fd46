"""The campaigns' commands put together on ``promodesk tiktok``: one unit of work per step;
every rule lives in the services."""

from __future__ import annotations

import typer

from promodesk.campaigns.cli import budget, campaigns, cancellations, lists, monitor, reports


def register(app: typer.Typer) -> None:
    """Add every campaigns command to the ``promodesk tiktok`` app."""
    for feature in (campaigns, reports, cancellations, budget, monitor, lists):
        feature.register(app)
