"""Restart everywhere: undo what a stop everywhere did where it can be undone.

- TikTok ads that were **paused** are switched on again through the campaigns' undo (TikTok is
  called with no transaction open, then the item, the mirror and the freed budget are written).
- Shop enrollments come back from the **snapshots** the cancel batch took (the shop's restore,
  which puts a linked product back on the platform too).
- A Promote stop (the order is final, its coins refunded) and a TikTok delete cannot be undone:
  such steps are listed with ``reversible`` false and left as they are.

Each step is restarted on its own: a refusal is recorded on the step (``restart_error``) and
the others go on. One audit event for the restart.
"""

from __future__ import annotations

from typing import Any

from promodesk.audit.service import record
from promodesk.campaigns.service.cancellations import reads as ads_reads
from promodesk.campaigns.service.cancellations import undo as ads_undo
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, PromodeskError
from promodesk.promotions.domain.stop import StepStatus
from promodesk.promotions.service.stop_watch import get_stop, view
from promodesk.shop.service import snapshots


def _undoable(step: dict[str, Any]) -> bool:
    return bool(
        step["reversible"]
        and step["status"] == StepStatus.DONE.value
        and not step.get("restarted")
        and step["record"]
    )


def restart(db: Database, workspace_id: int, stop_id: int, *, actor: str) -> dict[str, Any]:
    """Undo the reversible steps of a stop; the stop's view after it."""
    with db.read() as uow:
        stop = get_stop(uow, workspace_id, stop_id)
        steps = [dict(s) for s in stop.steps]
        todo = [s for s in steps if _undoable(s)]
        if not todo:
            raise Conflict("nothing of this stop can be undone", field="stop")
        ads_items: dict[int, list[int]] = {}
        for s in todo:
            if s["channel"] == "tiktok_ads":
                items = ads_reads.get(uow, workspace_id, s["record"]["id"])["items"]
                ads_items[s["n"]] = [
                    i["id"] for i in items if i["status"] == "done" and not i["undone_at"]
                ]
    errors: dict[int, list[str]] = {}
    for n, item_ids in ads_items.items():  # TikTok first, no transaction open
        for item_id in item_ids:
            try:
                ads_undo.undo(db, workspace_id, item_id, actor=actor)
            except PromodeskError as exc:
                errors.setdefault(n, []).append(f"item {item_id}: {exc.detail}")
    with db.transaction() as uow:
        stop = get_stop(uow, workspace_id, stop_id, lock=True)
        steps = [dict(s) for s in stop.steps]
        for s in steps:
            if not _undoable(s) or s["n"] not in {t["n"] for t in todo}:
                continue
            if s["channel"] == "shop":
                for snap in snapshots.list_snapshots(
                    uow, workspace_id, batch_id=s["record"]["id"], limit=1000
                ):
                    if snap.restored_at is not None or snap.change != "cancel":
                        continue
                    try:
                        with uow.savepoint():
                            snapshots.restore(uow, workspace_id, snap.id, actor=actor)
                    except PromodeskError as exc:
                        errors.setdefault(s["n"], []).append(f"snapshot {snap.id}: {exc.detail}")
            s["restart_error"] = "; ".join(errors.get(s["n"], []))[:500]
            s["restarted"] = not s["restart_error"]
        stop.steps = steps
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="promotions.stop.restart",
            object_type="promotion_stop",
            object_id=stop.id,
            after={
                "steps": [t["n"] for t in todo],
                "not_reversible": [s["n"] for s in steps if not s["reversible"]],
                "errors": {str(k): v[:5] for k, v in errors.items()},
            },
        )
        return view(uow, stop)
