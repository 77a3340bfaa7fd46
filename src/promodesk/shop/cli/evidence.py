"""``promodesk shop snapshots|snapshot|restore|verifications|review``: the evidence kept before
every change, its restore while the activity's rules allow, the verification results and the
review (复盘) with its CSV export."""

from __future__ import annotations

import json
from pathlib import Path
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
    emit_json,
    friendly,
    pairs,
    show,
    table,
)
from promodesk.shop.schemas.evidence import RestoreRead, VerificationRead
from promodesk.shop.service import review as review_service
from promodesk.shop.service import snapshots as snapshots_service
from promodesk.shop.service import verification as verification_service


def register(app: typer.Typer) -> None:
    app.command("snapshots")(list_snapshots)
    app.command("snapshot")(show_snapshot)
    app.command("restore")(restore)
    app.command("verifications")(verifications)
    app.command("review")(review)


def _snapshot_row(snap: Any) -> dict[str, Any]:
    return {
        "id": snap.id,
        "enrollment_id": snap.enrollment_id,
        "activity_id": snap.activity_id,
        "product_id": snap.product_id,
        "change": snap.change,
        "batch_id": snap.batch_id,
        "taken_at": snap.created_at.isoformat(),
        "restored_at": snap.restored_at.isoformat() if snap.restored_at else None,
    }


@friendly
def list_snapshots(
    enrollment: int | None = typer.Option(None, help="only this enrollment's"),
    batch: int | None = typer.Option(None, help="only this batch's"),
    after: int = typer.Option(0, min=0),
    limit: int = typer.Option(50, min=1, max=1000),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Snapshots saved before changes (cancel, stock to zero, replace, presale)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        found = snapshots_service.list_snapshots(
            uow, workspace_id, after_id=after, limit=limit, enrollment_id=enrollment, batch_id=batch
        )
        rows = [_snapshot_row(s) for s in found]
    cols = ("id", "enrollment_id", "product_id", "change", "batch_id", "taken_at", "restored_at")
    show(rows, json_out, table(rows, cols, "snapshots"))


@friendly
def show_snapshot(
    snapshot_id: int,
    out: Path | None = typer.Option(None, "--out", "-o", help="write the JSON export here"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """One snapshot: the enrollment, its offers and figures as they were (JSON export)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = snapshots_service.export(snapshots_service.get(uow, workspace_id, snapshot_id))
    if out is not None:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if not json_out:
            console.print(f"snapshot {snapshot_id} written to {out}")
            return
    if json_out:
        emit_json(data)
        return
    pairs(f"snapshot {snapshot_id}")(data)
    pairs("enrollment as it was")(data.get("enrollment", {}))
    offers = data.get("offers", [])
    table(offers, ("id", "kind", "title", "value_minor", "percent_off", "status"), "offers")(None)


@friendly
def restore(
    snapshot_id: int,
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Undo a change from its snapshot while the rules allow (on a linked shop's platform too).

    A linked shop's product goes back on its platform as a recorded write, verified by
    reading back; its key is printed (``promodesk shop platform writes KEY``)."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        enrollment = snapshots_service.restore(uow, workspace_id, snapshot_id, actor=ACTOR)
        key = snapshots_service.platform_write_key(uow, workspace_id, snapshot_id)
        data = dump(
            RestoreRead.model_validate(enrollment).model_copy(update={"platform_write": key})
        )
    message = f"restored enrollment {data['id']} from snapshot {snapshot_id}: it is {data['state']}"
    if key:
        message += (
            f"\non the platform: write {key} (progress: promodesk shop platform writes {key})"
        )
    show(data, json_out, lambda _: console.print(message))


@friendly
def verifications(
    batch: int | None = typer.Option(None, help="only this batch's"),
    failed: bool = typer.Option(False, "--failed", help="only the failures"),
    limit: int = typer.Option(50, min=1, max=1000),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Verification results: each cancelled product no longer purchasable, its offers off."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        found = verification_service.results(
            uow, workspace_id, batch_id=batch, passed=False if failed else None, limit=limit
        )
        rows = [dump(VerificationRead.model_validate(v)) for v in found]
    cols = ("batch_id", "enrollment_id", "product_id", "passed", "purchasable", "active_offers")
    show(rows, json_out, table(rows, cols, "verifications"))


@friendly
def review(
    activity: int = typer.Option(..., "--activity", "-a", help="activity id"),
    shop: int = typer.Option(..., "--shop", help="shop id"),
    csv_out: Path | None = typer.Option(None, "--csv", help="write the CSV export here"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """The review (复盘) of a shop in an activity: reasons, ratio, failures, recommendations."""
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, workspace)
        data = review_service.review(uow, workspace_id, activity, shop)
        if csv_out is not None:
            csv_out.write_text(
                review_service.review_csv(uow, workspace_id, activity, shop), encoding="utf-8"
            )
    if json_out:
        emit_json(data)
        return
    _render_review(data)
    if csv_out is not None:
        console.print(f"CSV written to {csv_out}")


def _render_review(data: dict[str, Any]) -> None:
    t = Table("", "", show_header=False,
              title=f"review: {data['activity']['name']} · {data['shop']['name']}")  # fmt: skip
    t.add_row("enrolled / remaining", f"{data['enrolled']} / {data['remaining']}")
    t.add_row(
        "cancel ratio",
        f"{data['cancel_ratio_percent']} % (threshold {data['threshold_percent']} %, average "
        f"of this workspace's shops {data['platform_average_percent']} %)",
    )
    reasons = data["cancellations_by_reason"]
    t.add_row("cancelled by reason", ", ".join(f"{k} {v}" for k, v in reasons.items()) or "none")
    t.add_row("forced violations", str(data["forced_violations"]))
    v = data["verifications"]
    t.add_row("verifications", f"{v['passed']} passed, {v['failed']} failed")
    t.add_row("ran short (safety stock)", str(len(data["ran_short"])))
    console.print(t)
    for r in data["recommendations"]:
        console.print(f"• {r['text']}")
