"""Human output of ``promodesk shop``: the preview, a guardrail refusal, a batch's result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from promodesk.clikit import console, err_console
from promodesk.shop.domain.window import zone

ALTERNATIVES = {
    "replace": "replace the product with a similar one (slot, price rules and offers carry over)",
    "stock_to_zero": "set the stock to zero (visible, not purchasable; delisted after the delay)",
    "presale": "presale / a longer shipping promise",
}


def local_time(iso: str, tz_name: str) -> str:
    at = datetime.fromisoformat(iso).astimezone(zone(tz_name))
    return f"{at:%Y-%m-%d %H:%M} {tz_name}"


def preview(view: dict[str, Any]) -> None:
    """Per (activity, shop): the verdict with rule and numbers, traffic, alternatives, timing;
    then the items with their path and the offers that would be cancelled."""
    console.print(
        f"[bold]{view['cancellable']}[/bold] of {view['selected']} selected enrollments can be "
        f"cancelled; {view['offers_cancelled']} linked offers would be cancelled with them."
    )
    for g in view["groups"]:
        v, rules, t, timing = g["verdict"], g["rules"], g["traffic"], g["timing"]
        head = "[green]OK[/green]" if v["ok"] else "[red]REFUSED[/red]"
        t_ = Table("", "", title=f"{g['activity']} (activity {g['activity_id']}) · shop "
                   f"{g['shop_id']} · {head}", show_header=False)  # fmt: skip
        t_.add_row("cancel", str(g["selected"]))
        t_.add_row(
            "remaining",
            f"{v['remaining_before']} → {v['remaining_after']} (minimum {rules['min_products']})",
        )
        t_.add_row(
            "cancel ratio",
            f"{v['cancelled_after']} of {v['enrolled']} = {v['ratio_after_percent']} % "
            f"(maximum {rules['max_cancel_percent']} %)",
        )
        t_.add_row("allowed without force", str(g["allowed_without_force"]))
        t_.add_row(
            "traffic share",
            f"{t['views_share_percent']} % of views, {t['orders_share_percent']} % of orders",
        )
        window = local_time(timing["window_start"], timing["timezone"])
        t_.add_row(
            "timing",
            "in the low-traffic window now"
            if timing["in_window_now"]
            else f"outside the low-traffic window; next window starts {window}",
        )
        for violation in v["violations"]:
            t_.add_row("[red]violation[/red]", f"{violation['rule']}: {violation['detail']}")
        if g["alternatives"]:
            t_.add_row("alternatives", ", ".join(g["alternatives"]))
        console.print(t_)
    items = Table("enrollment", "product", "state", "path", "offers", "note", title="items")
    for item in view["items"][:50]:
        items.add_row(
            str(item["enrollment_id"]),
            str(item["product_id"]),
            item["state"],
            item.get("path") or "—",
            ",".join(str(o) for o in item["offers"]) or "—",
            item.get("code") or "",
        )
    console.print(items)
    if len(view["items"]) > 50 or view.get("items_truncated"):
        console.print(f"(first 50 of {view['selected']} items shown; use --json for all)")


def refusal(body: dict[str, Any]) -> None:
    """A guardrail refusal on stderr: the rule, the numbers, the alternatives, how to force."""
    err_console.print(f"[red]refused:[/red] {body.get('detail', '')}", soft_wrap=True)
    for group in body.get("violations", []):
        verdict = group.get("verdict", {})
        for v in verdict.get("violations", []):
            err_console.print(
                f"  activity {group.get('activity_id')} shop {group.get('shop_id')}: "
                f"{v['rule']} — {v['detail']} (limit {v['limit']}, value {v['value']})",
                soft_wrap=True,
            )
    alternatives = body.get("alternatives") or []
    if alternatives:
        err_console.print("safer alternatives:")
        for a in alternatives:
            err_console.print(f"  - {a}: {ALTERNATIVES.get(a, a)}")
    if body.get("can_force"):
        err_console.print(
            "an admin may force it with --force (recorded as a risk-control event; the shop is "
            "restricted for the activity's penalty days)"
        )


def batch_result(batch: dict[str, Any], failed: list[dict[str, Any]]) -> None:
    colour = {"done": "green", "partial": "yellow", "failed": "red"}.get(batch["status"], "white")
    console.print(
        f"batch {batch['id']}: [{colour}]{batch['status']}[/{colour}] · done {batch['done']} · "
        f"failed {batch['failed']} · total {batch['total']}"
    )
    if failed:
        t = Table("code", "activity", "product", "enrollment", "detail", title="failed items")
        for item in failed[:50]:
            t.add_row(
                item.get("error_code") or "",
                str(item["activity_id"]),
                str(item["product_id"]),
                str(item["enrollment_id"]),
                (item.get("error_detail") or "")[:80],
            )
        console.print(t)
        console.print(f"retry the failed ones: promodesk shop retry {batch['id']}")
