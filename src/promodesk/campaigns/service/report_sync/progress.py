"""Where a report sync stands.

The plan and the cursor (window, part, page) live in the operation's ``result``, so the job,
the CLI and the API all see where it stands; ``where`` tells it with the stored history.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.domain.report_sync import Window, windows
from promodesk.campaigns.repository.reports import ReportSyncRepository
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.models import Operation
from promodesk.operations import service as operations


def plan_of(op: Operation) -> dict[str, Any]:
    result = dict(op.result or {})
    if "window" not in result:
        raise ValidationFailed(f"operation {op.id} is not a report sync")
    return result


def windows_of(plan_: dict[str, Any]) -> tuple[Window, ...]:
    return windows(
        date.fromisoformat(plan_["since"]),
        date.fromisoformat(plan_["today"]),
        int(plan_["hourly_days"]),
    )


def cursor_of(plan_: dict[str, Any]) -> dict[str, int]:
    return {
        "window": int(plan_["window"]),
        "page": int(plan_["page"]),
        "part": int(plan_.get("part") or 0),
    }


def parts_of(plan_: dict[str, Any]) -> list[list[str]] | None:
    parts = plan_.get("parts")
    return [[str(i) for i in part] for part in parts] if parts else None


def where(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> dict[str, Any]:
    """Where the ad account's report history stands: stored days, final days, rows per level
    and grain, and the last sync's operation (its progress and cursor)."""
    account = accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    repo = ReportSyncRepository(uow)
    state = repo.state(account.id)
    out: dict[str, Any] = {
        "ad_account_id": account.id,
        "time_zone": account.timezone or "UTC",
        "currency": account.currency,
        "first_day": None,
        "last_day": None,
        "final_through": None,
        "synced_at": None,
        "rows": {},
        "operation": None,
    }
    if state is None:
        return out
    out.update(
        first_day=state.first_day or None,
        last_day=state.last_day or None,
        final_through=state.final_through or None,
        synced_at=state.synced_at,
        rows={f"{lv}_{gr}": n for (lv, gr), n in sorted(repo.row_counts(account.id).items())},
    )
    if state.last_operation_id:
        op = operations.get(uow, workspace_id, state.last_operation_id)
        out["operation"] = operations.as_dict(op)
    return out
