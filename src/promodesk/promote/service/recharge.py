"""Recharges: buy coins with a payment method allowed for the creator, credited exactly once.

Rules:
- The method must be allowed for the creator's region and device OS (the payment-methods table:
  the workspace's edited copy, else the seed's defaults); the price is in the payer's currency
  (the region's, unless another priced currency is asked for), minimum charge applied.
- Coins reach the wallet only when the payment is confirmed: the recharge moves pending →
  confirmed by compare-and-set, and the ledger entry (kind ``recharge``, ref = recharge id) is
  idempotent, so retries and replayed webhooks credit nothing more.
- The confirming entry has two sides: cash in the payer currency (PSP clearing +amount, coin
  sales −amount) and coins (COIN issuance −coins, wallet +coins).
- Every confirmed recharge gets an invoice numbered in the same transaction (gapless).
"""

from __future__ import annotations

from dataclasses import dataclass

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.money import COIN, Money
from promodesk.ledger.domain import Line
from promodesk.ledger.service import REVENUE, SYSTEM, open_account, post_entry
from promodesk.models import PromoteRecharge
from promodesk.promote.domain.eligibility import DeviceOS
from promodesk.promote.domain.regions import Channel, MethodRule, MethodTable, Quote, quote
from promodesk.promote.payments import ChargeMode, ChargeRequest, ChargeStatus, WebhookEvent
from promodesk.promote.repository.money import MoneyRepository
from promodesk.promote.service.creators import get_creator
from promodesk.promote.service.invoices import issue_invoice
from promodesk.promote.service.wallet import wallet_account
from promodesk.promote.settings import MoneyConfig

PENDING, CONFIRMED, FAILED = "pending", "confirmed", "failed"
MAX_RECHARGE_COINS = 100_000_000


@dataclass(frozen=True, slots=True)
class Outcome:
    recharge: PromoteRecharge
    changed: bool  # False: a replay or retry that found the work already done


# the payment-methods settings table -----------------------------------------------------------


def method_table(uow: UnitOfWork, workspace_id: int) -> MethodTable:
    """The workspace's edited table, or the seed's defaults while it has none."""
    rows = MoneyRepository(uow).payment_methods(workspace_id)
    if not rows:
        return MethodTable()
    return MethodTable.of(
        MethodRule(r.region, DeviceOS(r.os), r.code, r.label, Channel(r.channel), r.enabled)
        for r in rows
    )


def replace_method_table(
    uow: UnitOfWork, workspace_id: int, rules: list[MethodRule], *, actor: str
) -> MethodTable:
    keys = {(r.region, r.os, r.code) for r in rules}
    if len(keys) != len(rules):
        raise ValidationFailed("a (region, os, code) appears twice", field="methods")
    MoneyRepository(uow).replace_payment_methods(
        workspace_id,
        [
            {
                "region": r.region.upper(),
                "os": r.os.value,
                "code": r.code,
                "label": r.label,
                "channel": r.channel.value,
                "enabled": r.enabled,
            }
            for r in rules
        ],
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.payment_methods.replace",
        object_type="promote_payment_methods",
        object_id=workspace_id,
        after={"rules": len(rules)},
    )
    return MethodTable.of(rules)


# recharges ------------------------------------------------------------------------------------


def quote_for(
    uow: UnitOfWork, cfg: MoneyConfig, workspace_id: int, creator_id: int, coins: int,
    currency: str | None = None,
) -> Quote:  # fmt: skip
    creator = get_creator(uow, workspace_id, creator_id)
    return quote(cfg.pricing, _coins(coins), creator.region, currency)


def _coins(coins: int) -> int:
    if isinstance(coins, bool) or not isinstance(coins, int) or coins <= 0:
        raise ValidationFailed("coins must be a positive whole number", field="coins")
    if coins > MAX_RECHARGE_COINS:
        raise ValidationFailed(f"at most {MAX_RECHARGE_COINS:,} coins per recharge", field="coins")
    return coins


def create_recharge(
    uow: UnitOfWork,
    cfg: MoneyConfig,
    workspace_id: int,
    *,
    creator_id: int,
    coins: int,
    method: str,
    currency: str | None = None,
    mode: ChargeMode | str = ChargeMode.SUCCEED,
    actor: str = "system",
) -> PromoteRecharge:
    """Charge the payer; credit the coins at once if the provider confirms synchronously."""
    creator = get_creator(uow, workspace_id, creator_id)
    rule = method_table(uow, workspace_id).check(creator.region, creator.device_os, method)
    priced = quote(cfg.pricing, _coins(coins), creator.region, currency)
    repo = MoneyRepository(uow)
    recharge = repo.add(
        PromoteRecharge(
            workspace_id=workspace_id,
            creator_id=creator.id,
            coins=coins,
            method=rule.code,
            channel=rule.channel.value,
            provider=cfg.provider.name,
            currency=priced.price.currency,
            amount=priced.price.amount,
            status=PENDING,
            failure_reason="",
        )
    )
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.recharge.create",
        object_type="promote_recharge",
        object_id=recharge.id,
        after=_snapshot(recharge),
    )
    result = cfg.provider.charge(
        ChargeRequest(str(recharge.id), priced.price, rule.code, ChargeMode(mode))
    )
    recharge.provider_ref = result.provider_ref
    uow.flush()
    if result.status == ChargeStatus.SUCCEEDED:
        return confirm_recharge(uow, cfg, workspace_id, recharge.id, actor=actor).recharge
    if result.status == ChargeStatus.FAILED:
        return fail_recharge(
            uow, workspace_id, recharge.id, result.failure_reason, actor=actor
        ).recharge
    return recharge


def get_recharge(uow: UnitOfWork, workspace_id: int, recharge_id: int) -> PromoteRecharge:
    recharge = MoneyRepository(uow).recharge(workspace_id, recharge_id)
    if recharge is None:
        raise NotFound(f"recharge {recharge_id} not found")
    return recharge


def list_recharges(
    uow: UnitOfWork, workspace_id: int, **filters: int | str | None
) -> list[PromoteRecharge]:
    return MoneyRepository(uow).recharges(workspace_id, **filters)  # type: ignore[arg-type]


def confirm_recharge(
    uow: UnitOfWork, cfg: MoneyConfig, workspace_id: int, recharge_id: int, *, actor: str
) -> Outcome:
    """pending → confirmed: credit the coins, book the cash, number the invoice. Once."""
    repo = MoneyRepository(uow)
    at = clock.now()
    if not repo.cas_recharge(workspace_id, recharge_id, PENDING, status=CONFIRMED, confirmed_at=at):
        current = get_recharge(uow, workspace_id, recharge_id)
        if current.status == CONFIRMED:
            return Outcome(current, changed=False)
        raise Conflict(
            f"recharge {recharge_id} is {current.status}; it cannot be confirmed", field="status"
        )
    recharge = get_recharge(uow, workspace_id, recharge_id)
    creator = get_creator(uow, workspace_id, recharge.creator_id)
    _post_recharge(uow, workspace_id, recharge)
    invoice = issue_invoice(uow, cfg, recharge, creator, at)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.recharge.confirm",
        object_type="promote_recharge",
        object_id=recharge.id,
        before={"status": PENDING},
        after={**_snapshot(recharge), "invoice": invoice.number},
    )
    return Outcome(recharge, changed=True)


def _post_recharge(uow: UnitOfWork, workspace_id: int, recharge: PromoteRecharge) -> None:
    cur = recharge.currency
    psp = open_account(
        uow, workspace_id, f"promote:psp:{recharge.provider}:{cur}", kind=SYSTEM, currency=cur,
        name=f"Payments in clearing at {recharge.provider} ({cur})",
    )  # fmt: skip
    sales = open_account(
        uow, workspace_id, f"promote:coin_sales:{cur}", kind=REVENUE, currency=cur,
        name=f"Promote coin sales ({cur})",
    )  # fmt: skip
    issuance = open_account(
        uow, workspace_id, "promote:coin_issuance", kind=SYSTEM, currency=COIN,
        name="Promote coins issued by recharges",
    )  # fmt: skip
    wallet = wallet_account(uow, workspace_id, recharge.creator_id)
    post_entry(
        uow,
        workspace_id,
        "recharge",
        str(recharge.id),
        [
            Line(psp.id, recharge.amount),
            Line(sales.id, -recharge.amount),
            Line(issuance.id, -recharge.coins),
            Line(wallet.id, recharge.coins),
        ],
        memo=f"recharge {recharge.id}: {recharge.coins} coins for "
        f"{Money(recharge.amount, cur).format()}",
    )


def fail_recharge(
    uow: UnitOfWork, workspace_id: int, recharge_id: int, reason: str, *, actor: str
) -> Outcome:
    """pending → failed; nothing is credited. A repeat changes nothing."""
    repo = MoneyRepository(uow)
    reason = (reason or "payment failed")[:500]
    if not repo.cas_recharge(
        workspace_id, recharge_id, PENDING, status=FAILED, failed_at=clock.now(),
        failure_reason=reason,
    ):  # fmt: skip
        current = get_recharge(uow, workspace_id, recharge_id)
        if current.status == FAILED:
            return Outcome(current, changed=False)
        raise Conflict(
            f"recharge {recharge_id} is {current.status}; it cannot fail now", field="status"
        )
    recharge = get_recharge(uow, workspace_id, recharge_id)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="promote.recharge.fail",
        object_type="promote_recharge",
        object_id=recharge.id,
        before={"status": PENDING},
        after=_snapshot(recharge),
    )
    return Outcome(recharge, changed=True)


def handle_webhook(
    uow: UnitOfWork, cfg: MoneyConfig, body: bytes, signature: str | None
) -> Outcome:
    """Verify and apply a provider webhook. Replays answer the current state unchanged."""
    event: WebhookEvent = cfg.provider.parse_webhook(body, signature)
    repo = MoneyRepository(uow)
    recharge = repo.recharge_by_provider_ref(event.provider, event.provider_ref)
    if recharge is None or str(recharge.id) != event.reference:
        raise NotFound(f"no recharge for charge {event.provider_ref!r}", field="provider_ref")
    if (event.amount, event.currency) != (recharge.amount, recharge.currency):
        raise Conflict(
            f"webhook amount {Money(event.amount, event.currency)} does not match recharge "
            f"{recharge.id} ({Money(recharge.amount, recharge.currency)})",
            field="amount",
        )
    actor = f"webhook:{event.provider}:{event.event_id}"
    if event.status == ChargeStatus.SUCCEEDED:
        return confirm_recharge(uow, cfg, recharge.workspace_id, recharge.id, actor=actor)
    return fail_recharge(uow, recharge.workspace_id, recharge.id, event.failure_reason, actor=actor)


def _snapshot(recharge: PromoteRecharge) -> dict[str, object]:
    return {
        "creator_id": recharge.creator_id,
        "coins": recharge.coins,
        "method": recharge.method,
        "amount": recharge.amount,
        "currency": recharge.currency,
        "status": recharge.status,
    }
