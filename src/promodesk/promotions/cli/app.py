"""``promodesk promotions``: the one place the promotions' commands are put together."""

from __future__ import annotations

import typer

from promodesk.promotions.cli import index, stops

app = typer.Typer(help="Every promotion in every channel, and the products they promote.")
for feature in (index, stops):
    feature.register(app)
