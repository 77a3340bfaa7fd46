"""Business Center transfers: move cash between two agency-paid ad accounts through
``bc/transfer/`` (``campaigns.domain.transfers`` has the rules and the lifecycle).

``transfer`` records the transfer in one unit of work (one per ``request_key``: the
Idempotency-Key or the console's submit token; a retry returns the first), then ``run`` sends
its legs with no transaction open, each with its own ``request_id`` (TikTok moves money once
per id), and records each leg's outcome in a short unit of its own. Audited with the user's
name. ``run`` again (Retry) picks up where the transfer stopped.

``start`` also queues ``RETRY_JOB`` in the unit that records the transfer (a failure that is
not final makes sure it is queued too): whatever a failed leg or a stopped process left (no
answer, a transient error, the second leg for any reason) is sent again with backoff
(``campaigns.domain.transfers.retry_delay``), the job sending in its prefetch and recording
in its handler; the transfer shows its rounds (``auto_retry``). Manual Retry stays offered;
whichever comes first moves the money, the other finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.accounts.service import requests as account_requests
from promodesk.audit.service import record
from promodesk.campaigns.domain import transfers as rules
from promodesk.campaigns.errors import NoBusinessCenter, TransferRefused
from promodesk.campaigns.repository.reallocations import TransfersRepository
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.kit.jobs import service as jobs
from promodesk.kit.jobs.repository import JobRepository
from promodesk.kit.money import Money, parse_plain
from promodesk.models import BudgetTransfer

# Sends the legs a failure left (with backoff), so nobody has to press Retry.
RETRY_JOB = "campaigns.transfer.retry"

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
        # the safety net, written with the transfer: if the process stops before the legs'
        # outcomes are recorded, the job sends them again (a no-op once the transfer is done)
        _queue_retry(uow, workspace_id, row.id, actor)
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


@dataclass(frozen=True)
class LegOutcome:
    """What TikTok said to one leg: its answer, or the error (``final``: it will never work)."""

    leg: str
    answer: dict[str, Any] | None
    error: str = ""
    final: bool = False


def run(
    db: Database, workspace_id: int, transfer_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Send the legs not yet done (the console's and API's Retry too), then record what TikTok
    said in one short unit; the transfer as it is afterwards."""
    outcomes = send(db, workspace_id, transfer_id)
    with db.transaction() as uow:
        for outcome in outcomes:
            record_outcome(uow, workspace_id, transfer_id, outcome, actor=actor)
        return get(uow, workspace_id, transfer_id)


def send(db: Database, workspace_id: int, transfer_id: int) -> list[LegOutcome]:
    """Send the legs not yet done, in order, with no transaction open (reads only); stop at
    the first that fails. Each leg carries its own ``request_id``: TikTok moves its money once,
    however often it is sent."""
    outcomes: list[LegOutcome] = []
    with db.read() as uow:
        status = rules.Status(_get(uow, workspace_id, transfer_id).status)
    for leg, kind in LEGS:
        wanted = rules.Status.PENDING if leg == "out" else rules.Status.OUT_DONE
        if status != wanted:
            continue
        with db.read() as uow:
            row = _get(uow, workspace_id, transfer_id)
            account_id = row.from_ad_account_id if leg == "out" else row.to_ad_account_id
            account = accounts_alloc.get_ad_account(uow, workspace_id, account_id)
            access = grants.tiktok_access(uow, account)
            advertiser_id = account.advertiser_id
            request_id = rules.request_id(workspace_id, row.id, leg)
            cash = Money(row.amount_minor, row.currency).decimal
            bc = row.bc_id
        if access is None:
            outcomes.append(LegOutcome(leg, None, "the ad account's authorization is revoked"))
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
            outcomes.append(LegOutcome(leg, None, f"TikTok: {said}", final=not exc.retryable))
            break
        outcomes.append(LegOutcome(leg, answer))
        status = rules.Status.OUT_DONE if leg == "out" else rules.Status.DONE
    return outcomes


def record_outcome(
    uow: UnitOfWork,
    workspace_id: int,
    transfer_id: int,
    outcome: LegOutcome,
    *,
    actor: str = "system",
) -> None:
    """Write down one leg's outcome (a no-op when the transfer has already moved past that
    leg: a job and a manual Retry may both have sent it). A failure that is not final leaves
    the transfer where it is and makes sure its retry job is queued."""
    row = TransfersRepository(uow).get(workspace_id, transfer_id, lock=True)
    if row is None:
        return
    leg = outcome.leg
    if row.status != (rules.Status.PENDING if leg == "out" else rules.Status.OUT_DONE).value:
        return
    legs = [dict(x) for x in row.legs]
    for x in legs:
        if x["leg"] == leg:
            x["status"] = "done" if outcome.answer is not None else "failed"
            x["error"] = outcome.error
    row.legs = legs
    if outcome.answer is not None:
        target = rules.Status.OUT_DONE if leg == "out" else rules.Status.DONE
        row.status = rules.MACHINE.transition(row.status, target).value
        row.error = ""
    elif leg == "out" and outcome.final:
        row.status = rules.MACHINE.transition(row.status, rules.Status.FAILED).value
        row.error = f"{outcome.error}; nothing moved"
    else:
        if leg == "in":
            row.error = f"{outcome.error}; the cash is in the Business Center: retry to move it on"
        else:
            row.error = f"{outcome.error}; nothing moved yet: retry"
        _queue_retry(uow, workspace_id, row.id, actor)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action=f"budget.transfer.{leg}",
        object_type="budget_transfer",
        object_id=row.id,
        after={"status": row.status, "error": row.error},
    )


def _retry_key(transfer_id: int) -> str:
    return f"{RETRY_JOB}:{transfer_id}"


def _queue_retry(uow: UnitOfWork, workspace_id: int, transfer_id: int, actor: str) -> None:
    """One retry job per transfer (its dedupe key): queued with the transfer; queuing it
    again changes nothing."""
    settings = campaigns_settings()
    jobs.enqueue(
        uow,
        RETRY_JOB,
        {"transfer_id": transfer_id, "actor": actor, "round": 1},
        run_at=clock.now()
        + timedelta(seconds=rules.retry_delay(1, settings.transfer_retry_seconds)),
        dedupe_key=_retry_key(transfer_id),
        workspace_id=workspace_id,
    )


def next_retry(
    uow: UnitOfWork, workspace_id: int, transfer_id: int, round_done: int
) -> datetime | None:
    """When the retry job runs again after round ``round_done`` failed to finish the transfer;
    None when the rounds are used up (Retry by hand) or nothing is left to do."""
    row = _get(uow, workspace_id, transfer_id)
    if row.status not in (rules.Status.PENDING.value, rules.Status.OUT_DONE.value):
        return None
    settings = campaigns_settings()
    if round_done >= settings.transfer_retry_rounds:
        return None
    delay = rules.retry_delay(round_done + 1, settings.transfer_retry_seconds)
    return clock.now() + timedelta(seconds=delay)


def _auto_retry(uow: UnitOfWork, row: BudgetTransfer) -> dict[str, Any] | None:
    job = JobRepository(uow).by_dedupe_key(_retry_key(row.id))
    if job is None or job.workspace_id != row.workspace_id:
        return None
    status = str(job.status)
    return {
        "round": int(job.payload.get("round") or 1),
        "rounds": campaigns_settings().transfer_retry_rounds,
        "status": status,
        "next_at": job.run_at if status == "queued" else None,
        "last_error": job.last_error or "",
    }


def view(row: BudgetTransfer, auto_retry: dict[str, Any] | None = None) -> dict[str, Any]:
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
        "auto_retry": auto_retry,
        "note": row.note,
        "created_by": row.created_by,
        "created_at": row.created_at,
    }


def get(uow: UnitOfWork, workspace_id: int, transfer_id: int) -> dict[str, Any]:
    row = _get(uow, workspace_id, transfer_id)
    return view(row, _auto_retry(uow, row))


def transfer_page(
    uow: UnitOfWork, workspace_id: int, *, before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    return [
        view(r, _auto_retry(uow, r))
        for r in TransfersRepository(uow).page(workspace_id, before_id=before_id, limit=limit)
    ]


def agency_accounts(uow: UnitOfWork, workspace_id: int, ad_account_ids: list[int]) -> list[int]:
    """Which of these ad accounts are agency-paid (a transfer may use them)."""
    pairs = accounts_alloc.allocations_by_account(uow, workspace_id, ad_account_ids)
    return [i for i in ad_account_ids if any(p["payment_mode"] == "agency" for p in pairs[i])]
