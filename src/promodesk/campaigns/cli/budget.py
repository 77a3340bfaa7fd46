"""Budget: live budgets, balances and freed budget per client, advertiser and ad account;
reallocations and Business Center transfers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
