"""``promodesk promote orders …`` and ``promote review-queue``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

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
from promodesk.models import PromoteOrder
from promodesk.promote.cli.inputs import parse_instant
from promodesk.promote.schemas.orders import HourRead, order_read
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service import review as review_service

orders = typer.Typer(
    help="Promote orders: place, list, show, stop, review. There is no pause.",
    no_args_is_help=True,
)
ORDER_COLUMNS = (
    "id", "creator_id", "content_kind", "goal", "status", "budget_coins", "spent_coins",
    "remaining_coins", "refunded_coins", "goal_results", "cost_per_result",
)  # fmt: skip


def order_data(order: PromoteOrder) -> dict[str, Any]:
    return dump(order_read(order))


def _one(data: dict[str, Any]) -> None:
    t = Table("field", "value", show_header=False, title=f"order {data['id']}")
    for key in (
        "status", "review_status", "settlement_status", "content_kind", "goal", "budget_coins",
        "paid_coins", "coupon_coins", "spent_coins", "remaining_coins", "refunded_coins",
        "coupon_returned_coins", "over_delivered_coins", "goal_results", "cost_per_result",
        "review_reason", "stop_reason", "created_at", "started_at", "ends_at", "ended_at",
        "settled_at",
    ):  # fmt: skip
        if data.get(key) is not None:
            t.add_row(key, str(data[key]))
    for name, value in data["results"].items():
        t.add_row(f"results.{name}", str(value))
    console.print(t)
    if data.get("series"):
        hours = Table("hour", "spend", "views", "visits", "follows", "clicks", "live viewers")
        for h in data["series"]:
            hours.add_row(
                h["hour"], str(h["spend_coins"]), str(h["views"]), str(h["website_visits"]),
                str(h["follows"]), str(h["product_clicks"]), str(h["live_viewers"]),
            )  # fmt: skip
        console.print(hours)


def _status_line(data: dict[str, Any]) -> None:
    typer.echo(f"order {data['id']}: {data['status']} (review {data['review_status']})")


@orders.command("place")
@friendly
def place(
    creator: int = typer.Option(..., help="creator id"),
    content: int = typer.Option(..., help="content id (video or LIVE)"),
    goal: str = typer.Option(
        ..., help="video_views, website_visits, followers, product_clicks or live_viewers"
    ),
    budget: int = typer.Option(..., help="budget in coins"),
    hours: int = typer.Option(24, help="duration in hours"),
    url: str | None = typer.Option(None, help="the website (goal website_visits)"),
    coupon: int | None = typer.Option(None, help="coupon id"),
    gender: str | None = typer.Option(None, help="custom audience: all, female or male"),
    ages: str | None = typer.Option(None, help="custom audience: e.g. 18-24,25-34"),
    interests: str | None = typer.Option(None, help="custom audience: comma-separated"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Place an order: eligibility, goal, budget and coupon are checked; coins go to escrow."""
    audience: dict[str, Any] = {"mode": "automatic"}
    if gender or ages or interests:
        audience = {
            "mode": "custom",
            "gender": gender or "all",
            "age_ranges": [a.strip() for a in (ages or "").split(",") if a.strip()],
            "interests": [i.strip() for i in (interests or "").split(",") if i.strip()],
        }
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        order = orders_service.place_order(
            uow, workspace_id, creator_id=creator, content_id=content, goal=goal,
            budget_coins=budget, duration_hours=hours, audience=audience, website_url=url,
            coupon_id=coupon, actor=ACTOR,
        )  # fmt: skip
        data = order_data(order)
    show(data, json_out, _status_line)


@orders.command("list")
@friendly
def list_orders(
    status: list[str] | None = typer.Option(None, help="in_review, delivering, completed, …"),
    goal: str | None = typer.Option(None),
    content_type: str | None = typer.Option(None, help="video or live"),
    creator: int | None = typer.Option(None, help="creator id"),
    since: str | None = typer.Option(None, "--from", help="created at or after (ISO date)"),
    to: str | None = typer.Option(None, "--to", help="created before (ISO date)"),
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List orders, newest first, with spend and results."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [
            order_data(o)
            for o in orders_service.list_orders(
                uow,
                workspace_id,
                creator_id=creator,
                statuses=status or None,
                goal=goal,
                content_kind=content_type,
                created_from=parse_instant(since, "from"),
                created_to=parse_instant(to, "to"),
                limit=limit,
            )
        ]
    show(rows, json_out, table(rows, ORDER_COLUMNS))


@orders.command("show")
@friendly
def show_order(order_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """Spent, remaining, refunded, results per goal, cost per result and the hourly series."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = order_data(orders_service.get_order(uow, workspace_id, order_id))
        data["series"] = [
            dump(HourRead.model_validate(h, from_attributes=True))
            for h in orders_service.hourly_series(uow, workspace_id, order_id)
        ]
    show(data, json_out, _one)


@orders.command("stop")
@friendly
def stop(
    order_id: int,
    reason: str = typer.Option("", help="why (kept on the order)"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Stop (cancel) an order. Final; the unspent rest returns to the wallet when the worker
    runs its settlement, moments later."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = order_data(
            orders_service.stop_order(uow, workspace_id, order_id, reason=reason, actor=ACTOR)
        )
    show(data, json_out, _status_line)


@orders.command("pause")
@friendly
def pause(order_id: int, workspace: str = WorkspaceOpt) -> None:
    """There is no pause: this always answers that orders can be stopped, not paused."""
    with database().transaction() as uow:
        orders_service.pause_order(uow, clikit.workspace_id(uow, workspace), order_id)


@orders.command("approve")
@friendly
def approve(order_id: int, workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """Approve an order in review (a video starts delivering)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = order_data(review_service.approve_order(uow, workspace_id, order_id, actor=ACTOR))
    show(data, json_out, _status_line)


@orders.command("reject")
@friendly
def reject(
    order_id: int,
    reason: str = typer.Option(..., help="shown to the creator"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Reject an order in review; what was not spent returns (coupon included if unspent)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = order_data(
            review_service.reject_order(uow, workspace_id, order_id, reason=reason, actor=ACTOR)
        )
    show(data, json_out, _status_line)


@friendly
def review_queue(
    limit: int = typer.Option(50, min=1, max=500),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Orders waiting for a reviewer (LIVE orders are reviewed while delivering)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        rows = [order_data(o) for o in review_service.review_queue(uow, workspace_id, limit=limit)]
    show(rows, json_out, table(rows, (*ORDER_COLUMNS[:6], "created_at")))
