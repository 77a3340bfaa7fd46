"""Business Center transfers: move cash between two agency-paid ad accounts through
``bc/transfer/`` (``campaigns.domain.transfers`` has the rules and the lifecycle).

``transfer`` records the transfer in one unit of work (one per ``request_key``: the
Idempotency-Key or the console's submit token; a retry returns the first), then ``run`` sends
its legs with no transaction open, each with its own ``request_id`` (TikTok moves money once
per id), and records each leg's outcome in a short unit of its own. Audited with the user's
name. ``run`` again (``retry``) picks up where the transfer stopped.
"""

from __future__ import annotations

from typing import Any, Literal

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.accounts.service import requests as account_requests
from promodesk.audit.service import record
from promodesk.campaigns.domain import transfers as rules
from promodesk.campaigns.errors import NoBusinessCenter, TransferRefused
from promodesk.campaigns.repository.reallocations import TransfersRepository
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.money import Money, parse_plain
from promodesk.models import BudgetTransfer

LEGS: tuple[tuple[str, Literal["DEDUCT", "RECHARGE"]], ...] = (
    ("out", "DEDUCT"),
    ("in", "RECHARGE"),
)


def _side(uow: UnitOfWork, workspace_id: int, ad_account_id: int) -> tuple[rules.Side, str]:
    account = accounts_alloc.get_ad_account(uow, workspace_id, ad_account_id)
    pairs = accounts_alloc.allocations_by_account(uow, workspace_id, [account.id])[account.id]
    agency = any(p["payment_mode"] == "agency" for p in pairs)
    return rules.Side(account.id, account.currency, agency), account.advertiser_id


def _bc() -> str:
    bc = account_requests.business_center_id()
    if not bc:
        raise NoBusinessCenter(
            "no Business Center is configured (PROMODESK_ACCOUNTS_BUSINESS_CENTER_ID)",
            reason="no_business_center",
        )
    return bc


def transfer(
    db: Database,
    workspace_id: int,
    *,
    from_ad_account_id: int,
    to_ad_account_id: int,
    amount: str,
    actor: str = "system",
    request_key: str | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Record and run a transfer of ``amount`` (major units, "250.00"); the transfer as it
    ended. A broken rule is 409 ``TransferRefused`` (with ``reason``); nothing moves."""
    transfer_id = start(
        db,
        workspace_id,
        from_ad_account_id=from_ad_account_id,
        to_ad_account_id=to_ad_account_id,
        amount=amount,
        actor=actor,
        request_key=request_key,
        note=note,
    )
    return run(db, workspace_id, transfer_id, actor=actor)


def start(
    db: Database,
    workspace_id: int,
    *,
    from_ad_account_id: int,
    to_ad_account_id: int,
    amount: str,
    actor: str = "system",
    request_key: str | None = None,
    note: str = "",
) -> int:
    bc = _bc()
    with db.transaction() as uow:
        repo = TransfersRepository(uow)
        if request_key:
            found = repo.by_key(workspace_id, request_key)
            if found is not None:
                return found.id
        source, _ = _side(uow, workspace_id, from_ad_account_id)
        target, _ = _side(uow, workspace_id, to_ad_account_id)
        try:
            money = parse_plain(str(amount), source.currency)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.detail, field="amount") from None
        found_problem = rules.problem(source, target, money.amount)
        if found_problem is not None:
            raise TransferRefused(found_problem[1], reason=found_problem[0])
        row = repo.add(
            BudgetTransfer(
                workspace_id=workspace_id,
                bc_id=bc,
                from_ad_account_id=source.ad_account_id,
                to_ad_account_id=target.ad_account_id,
                currency=source.currency,
                amount_minor=money.amount,
                status=rules.Status.PENDING.value,
                legs=[],
                note=note[:2000],
                created_by=actor,
                request_key=request_key or None,
            )
        )
        row.legs = [
            {"leg": leg, "type": kind, "request_id": rules.request_id(workspace_id, row.id, leg)}
            for leg, kind in LEGS
        ]
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="budget.transfer",
            object_type="budget_transfer",
            object_id=row.id,
            after={
                "bc_id": bc,
                "from_ad_account_id": source.ad_account_id,
                "to_ad_account_id": target.ad_account_id,
                "amount_minor": money.amount,
                "currency": source.currency,
            },
        )
        return row.id


def _get(uow: UnitOfWork, workspace_id: int, transfer_id: int) -> BudgetTransfer:
    row = TransfersRepository(uow).get(workspace_id, transfer_id)
    if row is None:
        raise NotFound(f"transfer {transfer_id} not found")
    return row


def run(
    db: Database, workspace_id: int, transfer_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Send the legs not yet done; the transfer as it is afterwards."""
    for leg, kind in LEGS:
        with db.read() as uow:
            row = _get(uow, workspace_id, transfer_id)
            wanted = rules.Status.PENDING if leg == "out" else rules.Status.OUT_DONE
            if row.status != wanted.value:
                continue
            account_id = row.from_ad_account_id if leg == "out" else row.to_ad_account_id
            account = accounts_alloc.get_ad_account(uow, workspace_id, account_id)
            access = grants.tiktok_access(uow, account)
            advertiser_id = account.advertiser_id
            request_id = rules.request_id(workspace_id, row.id, leg)
            cash = Money(row.amount_minor, row.currency).decimal
            bc = row.bc_id
        if access is None:
            _leg_outcome(
                db,
                workspace_id,
                transfer_id,
                leg,
                None,
                "the ad account's authorization is revoked",
                actor,
            )
            break
        try:
            answer = access.api().bc_transfer(
                bc,
                advertiser_id,
                transfer_type=kind,
                cash_amount=cash,
                request_id=request_id,
            )
        except tt.TikTokError as exc:
            said = f"{exc.message} (code {exc.code})" if exc.code is not None else exc.message
            final = not exc.retryable
            _leg_outcome(
                db, workspace_id, transfer_id, leg, None, f"TikTok: {said}", actor, final=final
            )
            break
        _leg_outcome(db, workspace_id, transfer_id, leg, answer, "", actor)
    with db.read() as uow:
        return view(_get(uow, workspace_id, transfer_id))


def _leg_outcome(
    db: Database,
    workspace_id: int,
    transfer_id: int,
    leg: str,
    answer: dict[str, Any] | None,
    error: str,
    actor: str,
    *,
    final: bool = False,
) -> None:
    with db.transaction() as uow:
        row = TransfersRepository(uow).get(workspace_id, transfer_id, lock=True)
        if row is None:
            return
        legs = [dict(x) for x in row.legs]
        for x in legs:
            if x["leg"] == leg:
                x["status"] = "done" if answer is not None else "failed"
                x["error"] = error
        row.legs = legs
        if answer is not None:
            target = rules.Status.OUT_DONE if leg == "out" else rules.Status.DONE
            row.status = rules.MACHINE.transition(row.status, target).value
            row.error = ""
        elif leg == "out" and final:
            row.status = rules.MACHINE.transition(row.status, rules.Status.FAILED).value
            row.error = f"{error}; nothing moved"
        elif leg == "in":
            row.error = f"{error}; the cash is in the Business Center: retry to move it on"
        else:
            row.error = f"{error}; nothing moved yet: retry"
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action=f"budget.transfer.{leg}",
            object_type="budget_transfer",
            object_id=row.id,
            after={"status": row.status, "error": row.error},
        )


def view(row: BudgetTransfer) -> dict[str, Any]:
    return {
        "id": row.id,
        "bc_id": row.bc_id,
        "from_ad_account_id": row.from_ad_account_id,
        "to_ad_account_id": row.to_ad_account_id,
        "currency": row.currency,
        "amount_minor": row.amount_minor,
        "status": row.status,
        "legs": row.legs,
        "error": row.error,
        "note": row.note,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def get(uow: UnitOfWork, workspace_id: int, transfer_id: int) -> dict[str, Any]:
    return view(_get(uow, workspace_id, transfer_id))


def transfer_page(
    uow: UnitOfWork, workspace_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    return [
        view(r)
        for r in TransfersRepository(uow).page(workspace_id, before_id=before_id, limit=limit)
    ]


def agency_accounts(uow: UnitOfWork, workspace_id: int, ad_account_ids: list[int]) -> list[int]:
    """Which of these ad accounts are agency-paid (a transfer may use them)."""
    pairs = accounts_alloc.allocations_by_account(uow, workspace_id, ad_account_ids)
    return [i for i in ad_account_ids if any(p["payment_mode"] == "agency" for p in pairs[i])]
