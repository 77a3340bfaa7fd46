"""``promodesk shop stock-zero|restock|replace|presale|compensate|compensations|announce|
announcements``: the seed's safer alternatives to a cancel and the remediation afterwards."""

from __future__ import annotations

from typing import Any

import typer

from promodesk.clikit import console, database, friendly
from promodesk.shop import alternatives_service, remediation_service, stock_zero_service
from promodesk.shop.cli_common import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    dump,
    parse_ids,
    show,
    table,
    workspace_id,
)
from promodesk.shop.schemas import (
    AnnouncementRead,
    CompensationRead,
    EnrollmentRead,
    StockZeroOut,
)


def register(app: typer.Typer) -> None:
    app.command("stock-zero")(stock_zero)
    app.command("restock")(restock)
    app.command("replace")(replace)
    app.command("presale")(presale)
    app.command("compensate")(compensate)
    app.command("compensations")(compensations)
    app.command("announce")(announce)
    app.command("announcements")(announcements)


@friendly
def stock_zero(
    enrollment_ids: list[int] = typer.Argument(..., help="one or more enrollment ids"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Stock to zero: visible but not purchasable; delisted later unless restocked.

    The delist comes after the activity's delay. Exit 1 if any enrollment failed.
    """
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        data = StockZeroOut.model_validate(
            stock_zero_service.stock_to_zero_many(uow, ws, enrollment_ids, actor=ACTOR)
        ).model_dump(mode="json")
    show(data, json_out, _render_stock_zero)
    if data["failed"]:
        raise typer.Exit(1)


def _render_stock_zero(data: dict[str, Any]) -> None:
    rows = [
        {
            "enrollment": i["enrollment_id"],
            "activity": i["activity_id"],
            "product": i["product_id"],
            "result": "stock zeroed" if i["ok"] else i["code"],
            "delist at (UTC)": i["delist_at"][:16].replace("T", " ") if i["delist_at"] else "",
        }
        for i in data["items"]
    ]
    table(rows, list(rows[0]), title="stock to zero")(data)
    console.print(
        f"{data['done']} stock-zeroed, {data['failed']} failed; each is delisted at its time "
        "unless you restock it first (promodesk shop restock)"
    )


@friendly
def restock(
    product_id: int,
    stock: int = typer.Option(..., min=1, help="the new stock"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Stock is back: purchasable again, enrollments back to their stage.

    A pending delist then does nothing."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        n = alternatives_service.restore_stock(uow, ws, product_id, stock, actor=ACTOR)
    data = {"product_id": product_id, "stock": stock, "enrollments_restored": n}
    message = f"product {product_id} restocked; {n} enrollment(s) back in their stage"
    show(data, json_out, lambda _: console.print(message))


@friendly
def replace(
    enrollment_id: int,
    product: int = typer.Option(..., "--product", help="the replacement product id"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Replace the product with a similar one: slot, price rules and offers carry over."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        new = alternatives_service.replace(uow, ws, enrollment_id, product, actor=ACTOR)
        data = dump(EnrollmentRead, new)
    message = f"enrollment {enrollment_id} replaced by enrollment {data['id']} (product {product})"
    show(data, json_out, lambda _: console.print(message))


@friendly
def presale(
    enrollment_id: int,
    shipping_days: int = typer.Option(..., "--shipping-days", min=1, help="the new promise"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Presale / a longer shipping promise, where the activity allows it."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        e = alternatives_service.set_presale(
            uow, ws, enrollment_id, shipping_days=shipping_days, actor=ACTOR
        )
        data = dump(EnrollmentRead, e)
    show(data, json_out, lambda d: console.print(
        f"enrollment {d['id']} is presale, shipping within {d['shipping_days']} days"))  # fmt: skip


@friendly
def compensate(
    product_id: int,
    value_minor: int = typer.Option(..., "--value-minor", min=1, help="coupon value, minor units"),
    valid_days: int = typer.Option(30, "--valid-days", min=1, max=365),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """One compensation coupon to every follower of a cancelled product, in one batch."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        comp = remediation_service.compensate(
            uow, ws, product_id, value_minor=value_minor, valid_days=valid_days, actor=ACTOR
        )
        data = dump(CompensationRead, comp)
    show(data, json_out, lambda d: console.print(
        f"{d['issued']} compensation coupons issued for product {product_id}"))  # fmt: skip


@friendly
def compensations(product_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """The compensation coupons already issued for a product, newest first."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        rows = [
            dump(CompensationRead, c)
            for c in remediation_service.compensations(uow, ws, product_id)
        ]
    columns = ("id", "value_minor", "currency", "issued", "valid_until", "created_by")
    show(rows, json_out, table(rows, columns, title=f"compensations of product {product_id}"))


@friendly
def announce(
    shop_id: int,
    title: str = typer.Option(..., "--title"),
    body: str = typer.Option("", "--body"),
    products: str | None = typer.Option(None, "--products", help="replacement product ids"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """A shop announcement on the public storefront page (with replacement products)."""
    ids = parse_ids(products, "products") or []
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        row = remediation_service.announce(
            uow, ws, shop_id, title=title, body=body, product_ids=ids, actor=ACTOR
        )
        data = dump(AnnouncementRead, row)
    show(data, json_out, lambda d: console.print(f"announcement {d['id']} published"))


@friendly
def announcements(shop_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """The shop's announcements, newest first."""
    with database().transaction() as uow:
        ws = workspace_id(uow, workspace)
        rows = [
            dump(AnnouncementRead, a) for a in remediation_service.announcements(uow, ws, shop_id)
        ]
    columns = ("id", "title", "product_ids", "created_at")
    show(rows, json_out, table(rows, columns, title=f"announcements of shop {shop_id}"))
