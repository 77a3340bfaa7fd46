"""``promodesk shop activities|list``: the activities with their rules, and my activities
(enrolled products and their stages)."""

from __future__ import annotations

import typer

from promodesk import clikit
from promodesk.clikit import JsonOpt, WorkspaceOpt, database, dump, friendly, show, table
from promodesk.shop.cli.selection import (
    ActivityOpt,
    ProductsOpt,
    ShopOpt,
    StateOpt,
    selection,
)
from promodesk.shop.schemas.catalog import ActivityRead, EnrollmentRead
from promodesk.shop.service import catalog


def register(app: typer.Typer) -> None:
    app.command("activities")(activities)
    app.command("list")(list_enrollments)


ENROLLMENT_COLUMNS = (
    "id", "activity_id", "shop_id", "product_id", "state", "activity_price_minor",
    "activity_stock", "views", "orders", "presale",
)  # fmt: skip


@friendly
def activities(
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List the platform activities with their rules."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(ActivityRead.model_validate(a))
            for a in catalog.list_activities(uow, workspace_id, limit=limit)
        ]
    cols = ("id", "name", "starts_at", "ends_at", "min_products_per_shop", "max_cancel_percent")
    show(rows, json_out, table(rows, cols, "activities"))


@friendly
def list_enrollments(
    activity: int | None = ActivityOpt,
    shop: int | None = ShopOpt,
    products: str | None = ProductsOpt,
    state: list[str] | None = StateOpt,
    after: int = typer.Option(0, min=0, help="only ids above this one (paging)"),
    limit: int = typer.Option(50, min=1, max=1000),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """My activities: enrolled products and their stages, with filters."""
    sel = selection(
        activity=activity, shop=shop, products=products, products_csv=None, enrollments=None,
        states=state,
    )  # fmt: skip
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        found = catalog.list_enrollments(
            uow, workspace_id, after_id=after, limit=limit, activity_id=sel.activity_id,
            shop_id=sel.shop_id, product_ids=sel.product_ids, states=sel.states,
        )  # fmt: skip
        rows = [dump(EnrollmentRead.model_validate(e)) for e in found]
    show(rows, json_out, table(rows, ENROLLMENT_COLUMNS, "enrollments"))
