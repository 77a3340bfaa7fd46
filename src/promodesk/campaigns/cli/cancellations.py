"""Cancellations of campaigns, ad groups and ads: preview, confirm, read, retry, undo, re-create."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``promodesk tiktok`` app."""
