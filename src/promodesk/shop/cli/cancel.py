"""``promodesk shop preview|cancel``: the preview (dry run) and the stage-aware cancel.

``cancel`` refuses a guardrail violation with the rule, the numbers and the safer alternatives
(exit 1) unless ``--force``. A small selection is cancelled inline, all or nothing; a large one
(above ``PROMODESK_SHOP_INLINE_LIMIT``) or ``--batch`` runs as a batch that this command drives
chunk by chunk under a Rich progress bar (each chunk its own transaction; a worker may share the
work). ``--in-window`` schedules it for the next low-traffic window in each shop's time zone.
Exit codes: 0 done, 1 refused or some items failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from promodesk import clikit
from promodesk.clikit import (
    ACTOR,
    JsonOpt,
    WorkspaceOpt,
    console,
    database,
    emit_json,
    friendly,
    show,
)
from promodesk.kit.progress import tracked_bar
from promodesk.shop.cli import render
from promodesk.shop.cli.batches import batch_data, batch_snapshot, drive, failed_items
from promodesk.shop.cli.selection import (
    ROLE,
    ActivityOpt,
    EnrollmentsOpt,
    ProductsCsvOpt,
    ProductsOpt,
    ShopOpt,
    StateOpt,
    selection,
)
from promodesk.shop.errors import GuardrailViolation
from promodesk.shop.service import batches as batch_service
from promodesk.shop.service import preview as preview_service
from promodesk.shop.service import shops
from promodesk.shop.service import window as window_service
from promodesk.shop.service.batches import Selection
from promodesk.shop.settings import shop_settings


def register(app: typer.Typer) -> None:
    app.command("preview")(preview)
    app.command("cancel")(cancel)


@friendly
def preview(
    activity: int | None = ActivityOpt,
    shop: int | None = ShopOpt,
    products: str | None = ProductsOpt,
    products_csv: Path | None = ProductsCsvOpt,
    enrollments: str | None = EnrollmentsOpt,
    state: list[str] | None = StateOpt,
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """What a cancel of the selection would do (the dry run); nothing changes. Exit code 0 when
    every verdict is OK, 3 when a rule refuses it (scripts can stop there)."""
    sel = selection(
        activity=activity, shop=shop, products=products, products_csv=products_csv,
        enrollments=enrollments, states=state,
    )  # fmt: skip
    with database().transaction() as uow:
        view = preview_service.preview(uow, clikit.workspace_id(uow, workspace), sel)
    show(view, json_out, render.preview)
    if any(not g["verdict"]["ok"] for g in view["groups"]):
        raise typer.Exit(REFUSED_EXIT)


REFUSED_EXIT = 3  # a preview whose verdict is REFUSED (1 is an error, 2 a usage error)


def _refuse(exc: GuardrailViolation, json_out: bool) -> None:
    body = exc.to_body()
    if json_out:
        emit_json(body)
    else:
        render.refusal(body)
    raise typer.Exit(1)


def _precheck(ws_slug: str, sel: Selection, force: bool) -> None:
    """Before a batch starts: the same refusal as an inline cancel, from the preview."""
    with database().transaction() as uow:
        view = preview_service.preview(uow, clikit.workspace_id(uow, ws_slug), sel)
    bad = [g for g in view["groups"] if not g["verdict"]["ok"]]
    if bad and not force:
        immutable = any(g["rules"]["immutable"] for g in bad)
        raise GuardrailViolation(
            "the cancel would break an activity rule; nothing was changed",
            violations=[
                {"activity_id": g["activity_id"], "shop_id": g["shop_id"], "verdict": g["verdict"]}
                for g in bad
            ],
            alternatives=bad[0]["alternatives"],
            can_force=not immutable,
        )


@friendly
def cancel(
    reason: str = typer.Option(
        ..., "--reason", "-r", help="stock_shortage, wrong_information, plan_change or other"
    ),
    reason_text: str = typer.Option("", "--reason-text", help="the text (needed for 'other')"),
    activity: int | None = ActivityOpt,
    shop: int | None = ShopOpt,
    products: str | None = ProductsOpt,
    products_csv: Path | None = ProductsCsvOpt,
    enrollments: str | None = EnrollmentsOpt,
    state: list[str] | None = StateOpt,
    dry_run: bool = typer.Option(False, "--dry-run", help="show the preview; change nothing"),
    in_window: bool = typer.Option(
        False, "--in-window", help="run in the next low-traffic window of each shop"
    ),
    force: bool = typer.Option(
        False, "--force", help="break a guardrail anyway (risk-control event and penalty)"
    ),
    as_batch: bool = typer.Option(
        False, "--batch", help="per-item results (the rest succeed) instead of all or nothing"
    ),
    wait: bool = typer.Option(
        True, "--wait/--no-wait", help="drive a batch here with a progress bar, or leave it"
    ),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Cancel enrolled products, stage-aware: withdraw, remove or terminate."""
    sel = selection(
        activity=activity, shop=shop, products=products, products_csv=products_csv,
        enrollments=enrollments, states=state,
    )  # fmt: skip
    common: dict[str, Any] = {
        "reason": reason, "reason_text": reason_text, "force": force, "actor": ACTOR, "role": ROLE,
    }  # fmt: skip
    if dry_run:
        preview(activity, shop, products, products_csv, enrollments, state, workspace, json_out)
        return
    try:
        if in_window:
            _in_window(workspace, sel, common, json_out)
            return
        with database().transaction() as uow:
            workspace_id = clikit.workspace_id(uow, workspace)
            count = len(batch_service.resolve(uow, workspace_id, sel))
        if as_batch or count > shop_settings().inline_limit:
            _precheck(workspace, sel, force)
            with database().transaction() as uow:
                workspace_id = clikit.workspace_id(uow, workspace)
                batch_id = batch_service.start_batch(uow, workspace_id, sel, **common).id
            if not wait:
                _print_started(workspace_id, batch_id, json_out)
                return
            drive(workspace_id, batch_id, json_out)
            _finish(workspace_id, batch_id, json_out)
            return
        _inline(workspace, sel, common, json_out)
    except GuardrailViolation as exc:
        _refuse(exc, json_out)


def _inline(ws_slug: str, sel: Selection, common: dict[str, Any], json_out: bool) -> None:
    if json_out:
        with database().transaction() as uow:
            workspace_id = clikit.workspace_id(uow, ws_slug)
            batch_id = batch_service.cancel_now(uow, workspace_id, sel, **common).id
        _finish(workspace_id, batch_id, json_out)
        return
    # Transient: a refusal leaves no half-drawn bar above its explanation.
    with (
        tracked_bar(console, "cancel", state="running", transient=True) as bar,
        database().transaction() as uow,
    ):
        workspace_id = clikit.workspace_id(uow, ws_slug)
        batch = batch_service.cancel_now(uow, workspace_id, sel, **common)
        batch_id = batch.id
        bar.draw(batch_snapshot("cancel", batch))
    _finish(workspace_id, batch_id, json_out)


def _finish(workspace_id: int, batch_id: int, json_out: bool) -> None:
    with database().transaction() as uow:
        data = batch_data(uow, workspace_id, batch_id)
        failed = failed_items(uow, workspace_id, batch_id)
    if json_out:
        emit_json({**data, "failed_items": failed})
    else:
        render.batch_result(data, failed)
        if data["done"]:
            console.print(
                "linked coupons and discounts were cancelled with them; snapshots were saved; "
                "verification runs after the activity's delay (on a worker)"
            )
    if data["status"] != "done":
        raise typer.Exit(1)


def _print_started(workspace_id: int, batch_id: int, json_out: bool) -> None:
    with database().transaction() as uow:
        data = batch_data(uow, workspace_id, batch_id)
    show(data, json_out, lambda d: console.print(
        f"batch {d['id']} started ({d['total']} items); a worker runs it: "
        f"promodesk operations show {d['operation_id']} --follow"))  # fmt: skip


def _in_window(ws_slug: str, sel: Selection, common: dict[str, Any], json_out: bool) -> None:
    with database().transaction() as uow:
        workspace_id = clikit.workspace_id(uow, ws_slug)
        batches = window_service.schedule_in_window(uow, workspace_id, sel, **common)
        rows = []
        for b in batches:
            data = batch_data(uow, workspace_id, b.id)
            tz = shops.get_shop(uow, workspace_id, b.shop_id).timezone if b.shop_id else "UTC"
            data["run_at_local"] = render.local_time(data["run_at"], tz)
            rows.append(data)
    if json_out:
        emit_json(rows)
        return
    for r in rows:
        console.print(
            f"batch {r['id']}: {r['total']} items scheduled for the low-traffic window at "
            f"{r['run_at_local']} (call it off before then: promodesk shop call-off {r['id']})"
        )
