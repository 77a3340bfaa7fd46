"""``promodesk shop stock-zero|restock|replace|presale|compensate|compensations|announce|
announcements``: the seed's safer alternatives to a cancel and the remediation afterwards."""

from __future__ import annotations

from typing import Any

import typer

from promodesk import clikit
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    console,
    database,
    dump,
    friendly,
    show,
    table,
)
from promodesk.kit import money
from promodesk.shop.cli.selection import ROLE, parse_ids
from promodesk.shop.schemas.alternatives import RestockOut, StockZeroOut
from promodesk.shop.schemas.catalog import EnrollmentRead
from promodesk.shop.schemas.remediation import AnnouncementRead, CompensationRead
from promodesk.shop.service import alternatives as alternatives_service
from promodesk.shop.service import catalog
from promodesk.shop.service import presale as presale_service
from promodesk.shop.service import remediation as remediation_service
from promodesk.shop.service import replace as replace_service
from promodesk.shop.service import stock_zero as stock_zero_service


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
    dry_run: bool = typer.Option(
        False, "--dry-run", help="show the plan across every activity; change nothing"
    ),
    force: bool = typer.Option(
        False, "--force", help="break another activity's guardrails anyway (audited)"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Stock to zero: visible but not purchasable; delisted later unless restocked.

    The stock is the product's: every enrollment of it, in every activity, is listed with
    its verdict. Refused (nothing changed) when another activity's rules would break, unless
    --force. The delist comes after the activity's delay. Exit 1 if any enrollment failed.
    """
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        if dry_run:
            items = stock_zero_service.check(uow, workspace_id, enrollment_ids)
            failed = sum(1 for i in items if not i["ok"])
            raw: dict[str, Any] = {"dry_run": True, "done": 0, "failed": failed, "items": items}
        else:
            raw = stock_zero_service.stock_to_zero_many(
                uow, workspace_id, enrollment_ids, actor=ACTOR, force=force, role=ROLE
            )
        data = StockZeroOut.model_validate(raw).model_dump(mode="json")
    show(data, json_out, _render_stock_zero)
    if data["failed"]:
        raise typer.Exit(1)


def _render_stock_zero(data: dict[str, Any]) -> None:
    rows = [
        {
            "enrollment": i["enrollment_id"],
            "activity": i["activity_id"],
            "product": i["product_id"],
            "result": ("can be stock-zeroed" if data["dry_run"] else "stock zeroed")
            if i["ok"]
            else i["code"],
            "delist at (UTC)": i["delist_at"][:16].replace("T", " ") if i["delist_at"] else "",
        }
        for i in data["items"]
    ]
    table(rows, list(rows[0]), title="stock to zero" + (" (dry run)" if data["dry_run"] else ""))(
        data
    )
    plan = [p for i in data["items"] for p in i["enrollments"]]
    _render_plan(plan)
    for p in plan:
        if not p["ok"]:
            console.print(
                f"breaks another activity: product {p['product_id']} in {p['activity']} "
                f"(#{p['activity_id']}): {p['verdict']}: {p['detail']}"
            )
    if data["dry_run"]:
        ok = len(data["items"]) - data["failed"]
        console.print(f"{ok} can be stock-zeroed, {data['failed']} cannot; nothing changed")
        return
    if data["overridden"]:
        console.print(f"forced over {len(data['overridden'])} refusal(s); audited")
    console.print(
        f"{data['done']} stock-zeroed, {data['failed']} failed; each is delisted at its time "
        "unless you restock it first (promodesk shop restock)"
    )


def _render_plan(enrollments: list[dict[str, Any]]) -> None:
    """Every enrollment of the products, in every activity, with its verdict."""
    if not enrollments:
        return
    rows = [
        {
            "product": p["product_id"],
            "enrollment": p["enrollment_id"],
            # an activity of a linked shop's platform shows its status there
            "activity": f"{p['activity']} (#{p['activity_id']})"
            + (f" · {p['platform_status']} on the platform" if p.get("platform_status") else ""),
            "stage (before)": p["state"],
            "effect": p["effect"],
            "verdict": p["verdict"],
            "detail": p["detail"],
        }
        for p in enrollments
    ]
    table(rows, list(rows[0]), title="every enrollment of the products")(rows)


@friendly
def restock(
    product_id: int,
    stock: int = typer.Option(..., min=1, help="the new stock"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="show what it does in every activity; change nothing"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Stock is back: purchasable again, enrollments back to their stage.

    A pending delist then does nothing."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = RestockOut.model_validate(
            alternatives_service.restock(
                uow, workspace_id, product_id, stock, actor=ACTOR, dry_run=dry_run
            )
        ).model_dump(mode="json")
    n = data["enrollments_restored"]
    message = f"product {product_id} restocked; {n} enrollment(s) back in their stage"
    if dry_run:
        message = (
            f"a restock of product {product_id} brings {n} enrollment(s) back; nothing changed"
        )

    def render(_: Any) -> None:
        _render_plan(data["enrollments"])
        console.print(message)

    show(data, json_out, render)


@friendly
def replace(
    enrollment_id: int,
    product: int = typer.Option(..., "--product", help="the replacement product id"),
    price: str | None = typer.Option(
        None,
        "--price",
        help="the replacement's activity price (159.80); default: keep the discount percentage",
    ),
    preview_only: bool = typer.Option(False, "--preview", help="show the preview; change nothing"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for a confirmation"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Replace the product with a similar one: the slot and the offers carry over.

    Shows the preview first (prices, discount, review, checks, every activity touched), then
    asks; ``--yes`` skips the question, ``--preview`` stops after the preview. Undo with
    ``promodesk shop restore`` on the snapshot it takes."""
    with database().read() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        price_minor = _price(uow, workspace_id, enrollment_id, price)
        view = replace_service.preview_replace(
            uow, workspace_id, enrollment_id, product, activity_price_minor=price_minor
        )
    if preview_only or not json_out:
        show(view, json_out, render_replace_preview)
    if preview_only:
        return
    if not yes:
        typer.confirm("Replace the product as shown?", abort=True, err=True)
    with database().transaction() as uow:
        new = replace_service.replace(
            uow, workspace_id, enrollment_id, product, activity_price_minor=price_minor, actor=ACTOR
        )
        data = dump(EnrollmentRead.model_validate(new))
    where = "pending review" if data["state"] == "pending_review" else data["state"]
    message = (
        f"enrollment {enrollment_id} replaced by enrollment {data['id']} (product {product}), "
        f"{where}; undo: promodesk shop restore on its snapshot"
    )
    show(data, json_out, lambda _: console.print(message))


def _price(uow: Any, workspace_id: int, enrollment_id: int, price: str | None) -> int | None:
    if price is None:
        return None
    currency = catalog.get_enrollment(uow, workspace_id, enrollment_id).currency
    return money.parse_plain(price, currency).amount


def render_replace_preview(view: dict[str, Any]) -> None:
    cur = view["currency"]

    def amount(minor: int) -> str:
        return money.Money(minor, cur).format()

    rows = [
        {
            "": label,
            "product": f"{side['title']} (#{side['product_id']})",
            "original price": amount(side["original_price_minor"]),
            "activity price": amount(side["activity_price_minor"]),
            "discount": f"{side['discount_percent']} %",
        }
        for label, side in (("old", view["old"]), ("new", view["new"]))
    ]
    table(rows, list(rows[0]), title=f"replace in {view['activity']['name']}")(view)
    source = "the old discount kept" if view["price_source"] == "kept_discount" else "as given"
    console.print(f"activity price: {source}, rounded once, half up")
    review = "goes to review (pending review)" if view["review"]["needed"] else "no review"
    console.print(f"stage: {view['state_before']} → {view['state_after']}; {review}")
    for c in view["checks"]:
        mark = "ok" if c["ok"] else ("REFUSED" if c["blocking"] else "warning")
        console.print(f"check {c['rule']}: {mark} ({c['detail']})")
    g = view["guardrails"]
    console.print(
        f"guardrails: {g['remaining_after']} products remain, cancel ratio "
        f"{g['ratio_after_percent']} % (a replace is no cancellation)"
    )
    touched = [
        {
            "activity": f"{t['activity']} (#{t['activity_id']})",
            "enrollment": t["enrollment_id"] or "new",
            "product": t["product_id"],
            "stage": t["state"] or "",
            "after": t["state_after"],
            "activity price": amount(t["activity_price_minor"]),
            "effect": t["effect"],
        }
        for t in view["touched"]
    ]
    table(touched, list(touched[0]), title="every activity touched")(view)


@friendly
def presale(
    enrollment_id: int,
    shipping_days: int = typer.Option(..., "--shipping-days", min=1, help="the new promise"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Presale / a longer shipping promise, where the activity allows it."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        e = presale_service.set_presale(
            uow, workspace_id, enrollment_id, shipping_days=shipping_days, actor=ACTOR
        )
        data = dump(EnrollmentRead.model_validate(e))
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
        workspace_id = clikit.workspace_id(uow, workspace)
        comp = remediation_service.compensate(
            uow,
            workspace_id,
            product_id,
            value_minor=value_minor,
            valid_days=valid_days,
            actor=ACTOR,
        )
        data = dump(CompensationRead.model_validate(comp))
    show(data, json_out, lambda d: console.print(
        f"{d['issued']} compensation coupons issued for product {product_id}"))  # fmt: skip


@friendly
def compensations(product_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """The compensation coupons already issued for a product, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(CompensationRead.model_validate(c))
            for c in remediation_service.compensations(uow, workspace_id, product_id)
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
        workspace_id = clikit.workspace_id(uow, workspace)
        row = remediation_service.announce(
            uow, workspace_id, shop_id, title=title, body=body, product_ids=ids, actor=ACTOR
        )
        data = dump(AnnouncementRead.model_validate(row))
    show(data, json_out, lambda d: console.print(f"announcement {d['id']} published"))


@friendly
def announcements(shop_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """The shop's announcements, newest first."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            dump(AnnouncementRead.model_validate(a))
            for a in remediation_service.announcements(uow, workspace_id, shop_id)
        ]
    columns = ("id", "title", "product_ids", "created_at")
    show(rows, json_out, table(rows, columns, title=f"announcements of shop {shop_id}"))
