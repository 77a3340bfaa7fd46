"""``promodesk shop``: the one place the shop's commands are put together. One unit of work per
step; every rule lives in the services."""

from __future__ import annotations

import typer

from promodesk.shop.cli import alternatives, batches, cancel, catalog, evidence, platform

shop_app = typer.Typer(
    help="Shop: products enrolled in festival activities and their safe cancellation.",
    no_args_is_help=True,
)
for feature in (batches, evidence, alternatives, catalog, cancel, platform):
    feature.register(shop_app)
