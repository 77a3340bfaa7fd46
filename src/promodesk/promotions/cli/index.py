"""``promodesk promotions list|product|link|unlink|autolink|stop-preview``: every promotion in
every channel, a product's promotions, product links, and the stop everywhere's preview.
``--json`` prints exactly what the API answers."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money
from promodesk.promotions.domain.index import filters
from promodesk.promotions.schemas import (
    AutoLinkRead,
    LinkRead,
    MoneyRead,
    ProductPromotionsRead,
    PromotionPage,
    PromotionRead,
    StopPreviewRead,
)
from promodesk.promotions.service import export, products, stop
from promodesk.promotions.service.index import list_promotions

CHANNEL = typer.Option(None, "--channel", help="tiktok_ads, promote, shop (repeat or comma)")
KIND = typer.Option(
    None,
    "--kind",
    help="campaign, adgroup, ad, promote_order, shop_activity, shop_enrollment",
)
STATUS = typer.Option(
    None, "--status", help="scheduled, live, paused, stopping, stopped, ended (repeat or comma)"
)
OWNER = typer.Option(
    None, "--owner", help="advertiser:ID, client:ID, ad_account:ID, shop:ID or creator:ID"
)
PRODUCT = typer.Option(None, "--product", help="a shop product id (repeat for several)")
SEARCH = typer.Option(None, "--search", help="part of the name, or an exact id")
SORT = typer.Option(None, "--sort", help="last_change, spend, budget, name; - for descending")
LIMIT = typer.Option(50, "--limit", min=1, max=500, help="rows per page")
CURSOR = typer.Option(None, "--cursor", help="next_cursor of the last page")
EXPORT = typer.Option(None, "--export", help="write the whole list to FILE.csv or FILE.xlsx")
RANGE = typer.Option(
    None,
    "--range",
    help="days of spend and results: lifetime (default), today, yesterday, last_7_days, "
    "last_30_days or custom",
)
SINCE = typer.Option(None, "--since", help="custom range: first day, YYYY-MM-DD")
UNTIL = typer.Option(None, "--until", help="custom range: last day, YYYY-MM-DD")


def register(app: typer.Typer) -> None:
    app.command("list")(list_command)
    app.command("product")(product_command)
    app.command("link")(link_command)
    app.command("unlink")(unlink_command)
    app.command("autolink")(autolink_command)
    app.command("stop-preview")(stop_preview_command)


def _money(m: MoneyRead | dict | None) -> str:  # type: ignore[type-arg]
    if m is None:
        return "-"
    value = m if isinstance(m, dict) else m.model_dump()
    return Money(int(value["minor"]), value["currency"]).format()


def _rows(items: list[PromotionRead], title: str | None = None) -> None:
    t = Table(
        "ref",
        "channel",
        "name",
        "status",
        "owner",
        "budget",
        "spend",
        "results",
        "products",
        title=title,
    )
    for r in items:
        t.add_row(
            r.ref,
            r.channel,
            r.name + (f" ({r.parent})" if r.parent else ""),
            r.status,
            r.owner.name if r.owner else "-",
            _money(r.budget),
            _money(r.spend),
            "-" if r.results is None else str(r.results),
            ", ".join(str(p.id) for p in r.products),
        )
    console.print(t)


@friendly
def list_command(
    workspace: str = WorkspaceOpt,
    channel: list[str] | None = CHANNEL,
    kind: list[str] | None = KIND,
    status: list[str] | None = STATUS,
    owner: list[str] | None = OWNER,
    product: list[int] | None = PRODUCT,
    search: str | None = SEARCH,
    sort: str | None = SORT,
    range_word: str | None = RANGE,
    since: str | None = SINCE,
    until: str | None = UNTIL,
    limit: int = LIMIT,
    cursor: str | None = CURSOR,
    export_to: Path | None = EXPORT,
    json_out: bool = JsonOpt,
) -> None:
    """List promotions of every channel: search, filters, sort, totals; pages like the API.
    Spend and results cover ``--range`` (each ad account's own days; Promote in UTC)."""
    chosen = filters(
        channel=channel,
        kind=kind,
        status=status,
        owner=owner,
        product=product,
        search=search,
        range=range_word,
        since=since,
        until=until,
    )
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        if export_to is not None:
            fmt = export_to.suffix.lstrip(".").lower()
            if fmt not in ("csv", "xlsx"):
                raise ValidationFailed("--export names a .csv or .xlsx file", field="export")
            body, _media, _name = export.export(uow, ws, fmt, chosen, sort)
        else:
            page = PromotionPage.of(list_promotions(uow, ws, chosen, sort, cursor, limit=limit))
    if export_to is not None:
        export_to.write_bytes(body)
        console.print(f"Promotions written to {export_to} ({len(body)} bytes)")
        return

    def render(_: object) -> None:
        _rows(page.items, title=f"spend and results: {page.range}")
        for t in page.totals.by_currency if page.totals else []:
            console.print(
                f"total {t.currency}: {t.count} promotions, budget {_money(t.budget)}, "
                f"spend ({page.range}) {_money(t.spend)}"
            )
        for d in page.days:
            console.print(f"days in {d.time_zone}: {d.since} to {d.until}")
        if page.totals:
            console.print(f"{page.totals.count} promotions in all")
        if page.next_cursor:
            console.print(f"next page: --cursor {page.next_cursor}")

    show(clikit.dump(page), json_out, render)


@friendly
def product_command(
    product_id: int = typer.Argument(..., min=1, help="a shop product id"),
    workspace: str = WorkspaceOpt,
    status: list[str] | None = STATUS,
    json_out: bool = JsonOpt,
) -> None:
    """Everything that promotes a product, in every channel, with spend and results."""
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        found = ProductPromotionsRead.of(
            products.promotions_of_product(uow, ws, product_id, statuses=filters(status=status))
        )

    def render(_: object) -> None:
        _rows(found.items, title=f"{found.product.title} ({found.product.id})")
        for t in found.totals.by_currency:
            console.print(f"total {t.currency}: {t.count}, spend {_money(t.spend)}")

    show(clikit.dump(found), json_out, render)


@friendly
def link_command(
    product_id: int = typer.Argument(..., min=1, help="a shop product id"),
    target: str = typer.Argument(..., help="campaign:ID, adgroup:ID, ad:ID or promote_content:ID"),
    workspace: str = WorkspaceOpt,
    note: str = typer.Option("", "--note", help="why (kept with the link)"),
    json_out: bool = JsonOpt,
) -> None:
    """Link a promotion to a product by hand (audited)."""
    with database().transaction() as uow:
        ws = clikit.workspace_id(uow, workspace)
        view = LinkRead.of(
            products.link_product(uow, ws, product_id, target, actor=ACTOR, note=note)
        )
    show(clikit.dump(view), json_out, clikit.pairs("linked"))


@friendly
def unlink_command(
    product_id: int = typer.Argument(..., min=1, help="a shop product id"),
    target: str = typer.Argument(..., help="campaign:ID, adgroup:ID, ad:ID or promote_content:ID"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Unlink a promotion from a product (audited); an automatic link stays unlinked."""
    with database().transaction() as uow:
        ws = clikit.workspace_id(uow, workspace)
        view = LinkRead.of(products.unlink_product(uow, ws, product_id, target, actor=ACTOR))
    show(clikit.dump(view), json_out, clikit.pairs("unlinked"))


@friendly
def autolink_command(
    workspace: str = WorkspaceOpt,
    ad_account: int | None = typer.Option(None, "--ad-account", min=1, help="an ad account id"),
    json_out: bool = JsonOpt,
) -> None:
    """Link ads to the products their platform data names (runs after every sync too)."""
    with database().transaction() as uow:
        ws = clikit.workspace_id(uow, workspace)
        result = AutoLinkRead.of(products.link_ads_automatically(uow, ws, ad_account))
    show(clikit.dump(result), json_out, clikit.pairs("automatic links"))


@friendly
def stop_preview_command(
    workspace: str = WorkspaceOpt,
    ref: list[str] | None = typer.Option(None, "--ref", help="a promotion: kind:id (repeat)"),
    product: list[int] | None = typer.Option(None, "--product", help="every promotion of it"),
    reason: str = typer.Option(..., "--reason", help="sold_out, wrong_claim, plan_change, other"),
    reason_text: str = typer.Option("", "--reason-text", help="why, in words (needed for other)"),
    ads_action: str = typer.Option("pause", "--ads-action", help="pause or delete TikTok ads"),
    json_out: bool = JsonOpt,
) -> None:
    """Stop everywhere, the preview: per channel the path, the money, what is refused and why.
    Nothing changes."""
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        plan = StopPreviewRead.of(
            stop.preview_stop(
                uow,
                ws,
                refs=ref or [],
                products=product or [],
                reason=reason,
                reason_text=reason_text,
                ads_action=ads_action,
            )
        )

    def render(_: object) -> None:
        for c in plan.channels:
            t = Table("ref", "name", "path", "refused", "money", title=f"{c.channel}: {c.path}")
            for i in c.items:
                money = ", ".join(f"{a.what} {_money(a.model_dump())}" for a in i.money)
                t.add_row(i.ref, i.name, i.path or "-", i.refusal or "", money)
            console.print(t)
        for i in plan.refused:
            console.print(f"refused {i.ref} ({i.name}): {i.refusal}")
        for a in plan.totals:
            console.print(f"total {a.what}: {_money(a.model_dump())}")

    show(clikit.dump(plan), json_out, render)
