"""Promote money over HTTP: payment methods, quotes, recharges, the provider webhook,
withdrawals and invoices (PDF download). Thin routes: the rules live in the services."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money
from promodesk.kit.pagination import after, fetch, page
from promodesk.promote.domain.eligibility import DeviceOS
from promodesk.promote.domain.regions import Channel, MethodRule
from promodesk.promote.payments import SIGNATURE_HEADER, TestProvider
from promodesk.promote.schemas.money import (
    InvoicePage,
    InvoiceRead,
    MethodRead,
    MethodTableWrite,
    QuoteRead,
    RechargeCreate,
    RechargePage,
    RechargeRead,
    SimulatePayment,
    WebhookResult,
    WithdrawalAdvance,
    WithdrawalCreate,
    WithdrawalPage,
    WithdrawalRead,
)
from promodesk.promote.service import creators, invoices, withdrawals
from promodesk.promote.service import recharge as recharges
from promodesk.promote.settings import MoneyConfig
from promodesk.web import Admin, ApiRoute, Caller, Cursor, Limit, OptId, RawBody, Uow, Writer, state

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/promote", tags=["promote money"])


def money_config(request: Request) -> MoneyConfig:
    """Built once per app from its settings (the provider holds the webhook secret)."""
    cfg: MoneyConfig | None = getattr(request.app.state, "promote_money", None)
    if cfg is None:
        cfg = MoneyConfig.from_settings(state(request).settings)
        request.app.state.promote_money = cfg
    return cfg


Config = Annotated[MoneyConfig, Depends(money_config)]


# payment methods and quotes -------------------------------------------------------------------


def _method(r: MethodRule) -> MethodRead:
    return MethodRead(
        region=r.region, os=r.os.value, code=r.code, label=r.label, channel=r.channel.value,
        enabled=r.enabled,
    )  # fmt: skip


@router.get("/payment-methods", response_model=list[MethodRead])
def list_payment_methods(
    uow: Uow,
    caller: Caller,
    region: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
    os: Literal["android", "ios"] | None = None,
) -> list[MethodRead]:
    table = recharges.method_table(uow, caller.workspace_id)
    rules = [
        r
        for r in table.rules
        if (region is None or r.region == region.upper()) and (os is None or r.os == os)
    ]
    return [_method(r) for r in rules]


@router.put("/payment-methods", response_model=list[MethodRead])
def replace_payment_methods(body: MethodTableWrite, uow: Uow, caller: Admin) -> list[MethodRead]:
    rules = [
        MethodRule(m.region, DeviceOS(m.os), m.code, m.label, Channel(m.channel), m.enabled)
        for m in body.methods
    ]
    table = recharges.replace_method_table(uow, caller.workspace_id, rules, actor=caller.actor)
    return [_method(r) for r in table.rules]


@router.get("/creators/{creator_id}/recharge-quote", response_model=QuoteRead)
def recharge_quote(
    creator_id: int,
    uow: Uow,
    caller: Caller,
    cfg: Config,
    coins: Annotated[int, Query(ge=1, le=100_000_000)],
    currency: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> QuoteRead:
    """The price in the payer's currency and the methods this creator may use."""
    creator = creators.get_creator(uow, caller.workspace_id, creator_id)
    q = recharges.quote_for(uow, cfg, caller.workspace_id, creator_id, coins, currency)
    allowed = recharges.method_table(uow, caller.workspace_id).allowed(
        creator.region, creator.device_os
    )
    return QuoteRead(
        creator_id=creator_id,
        coins=q.coins,
        amount=q.price.amount,
        currency=q.price.currency,
        amount_display=q.price.format(),
        min_charge=q.min_charge.amount,
        at_minimum=q.at_minimum,
        methods=[_method(r) for r in allowed],
    )


# recharges ------------------------------------------------------------------------------------


@router.post("/recharges", response_model=RechargeRead, status_code=status.HTTP_201_CREATED)
def create_recharge(body: RechargeCreate, uow: Uow, caller: Writer, cfg: Config) -> RechargeRead:
    recharge = recharges.create_recharge(
        uow,
        cfg,
        caller.workspace_id,
        creator_id=body.creator_id,
        coins=body.coins,
        method=body.method,
        currency=body.currency,
        mode=body.test_mode,
        actor=caller.actor,
    )
    return RechargeRead.of(recharge)


@router.get("/recharges", response_model=RechargePage)
def list_recharges(
    uow: Uow,
    caller: Caller,
    creator_id: OptId = None,
    status_: Annotated[
        Literal["pending", "confirmed", "failed"] | None, Query(alias="status")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> RechargePage:
    rows = recharges.list_recharges(
        uow,
        caller.workspace_id,
        creator_id=creator_id,
        status=status_,
        before_id=after(cursor),
        limit=fetch(limit),
    )
    return RechargePage(**page([RechargeRead.of(r) for r in rows], limit))


@router.get("/recharges/{recharge_id}", response_model=RechargeRead)
def get_recharge(recharge_id: int, uow: Uow, caller: Caller) -> RechargeRead:
    return RechargeRead.of(recharges.get_recharge(uow, caller.workspace_id, recharge_id))


@router.post("/recharges/{recharge_id}/simulate-payment", response_model=WebhookResult)
def simulate_payment(
    recharge_id: int, body: SimulatePayment, uow: Uow, caller: Writer, cfg: Config
) -> WebhookResult:
    """Test provider only: deliver the signed webhook the provider would send for a pending
    recharge (demos and end-to-end tests), through the same path as a real webhook."""
    if not isinstance(cfg.provider, TestProvider):
        raise ValidationFailed("only the built-in test provider can simulate a payment")
    r = recharges.get_recharge(uow, caller.workspace_id, recharge_id)
    payload, signature = cfg.provider.webhook(
        provider_ref=r.provider_ref or "",
        reference=str(r.id),
        amount=Money(r.amount, r.currency),
        succeeded=body.succeeded,
    )
    outcome = recharges.handle_webhook(uow, cfg, payload, signature)
    return WebhookResult(
        recharge_id=outcome.recharge.id, status=outcome.recharge.status, changed=outcome.changed
    )


@router.post("/payments/webhook", response_model=WebhookResult)
def payment_webhook(request: Request, body: RawBody, uow: Uow, cfg: Config) -> WebhookResult:
    """Called by the payment provider, not with an API key: the HMAC-SHA256 signature of the
    raw body (header ``X-Promodesk-Signature: sha256=<hex>``) is the authentication.

    A plain ``def``: its database work runs in the thread pool, never on the event loop."""
    outcome = recharges.handle_webhook(uow, cfg, body, request.headers.get(SIGNATURE_HEADER))
    return WebhookResult(
        recharge_id=outcome.recharge.id, status=outcome.recharge.status, changed=outcome.changed
    )


# withdrawals ----------------------------------------------------------------------------------


@router.post("/withdrawals", response_model=WithdrawalRead, status_code=status.HTTP_201_CREATED)
def create_withdrawal(
    body: WithdrawalCreate, uow: Uow, caller: Writer, cfg: Config
) -> WithdrawalRead:
    w, message = withdrawals.request_withdrawal(
        uow, cfg, caller.workspace_id, creator_id=body.creator_id, coins=body.coins,
        actor=caller.actor,
    )  # fmt: skip
    return WithdrawalRead.of(w, message)


@router.get("/withdrawals", response_model=WithdrawalPage)
def list_withdrawals(
    uow: Uow,
    caller: Caller,
    creator_id: OptId = None,
    status_: Annotated[
        Literal["requested", "processing", "paid", "failed"] | None, Query(alias="status")
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> WithdrawalPage:
    rows = withdrawals.list_withdrawals(
        uow, caller.workspace_id, creator_id=creator_id, status=status_,
        before_id=after(cursor), limit=fetch(limit),
    )  # fmt: skip
    return WithdrawalPage(**page([WithdrawalRead.of(w) for w in rows], limit))


@router.get("/withdrawals/{withdrawal_id}", response_model=WithdrawalRead)
def get_withdrawal(withdrawal_id: int, uow: Uow, caller: Caller) -> WithdrawalRead:
    return WithdrawalRead.of(withdrawals.get_withdrawal(uow, caller.workspace_id, withdrawal_id))


@router.post("/withdrawals/{withdrawal_id}/advance", response_model=WithdrawalRead)
def advance_withdrawal(
    withdrawal_id: int, body: WithdrawalAdvance, uow: Uow, caller: Admin
) -> WithdrawalRead:
    """Operator bookkeeping of the payout: processing, then paid or failed (coins returned)."""
    w = withdrawals.advance_withdrawal(
        uow, caller.workspace_id, withdrawal_id, body.status, reason=body.reason,
        actor=caller.actor,
    )  # fmt: skip
    return WithdrawalRead.of(w)


# invoices -------------------------------------------------------------------------------------


@router.get("/invoices", response_model=InvoicePage)
def list_invoices(
    uow: Uow,
    caller: Caller,
    creator_id: OptId = None,
    year: Annotated[int | None, Query(ge=2000, le=9999)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InvoicePage:
    rows = invoices.list_invoices(
        uow, caller.workspace_id, creator_id=creator_id, year=year, before_id=after(cursor),
        limit=fetch(limit),
    )  # fmt: skip
    return InvoicePage(**page([InvoiceRead.of(i) for i in rows], limit))


@router.get("/invoices/{invoice_id}", response_model=InvoiceRead)
def get_invoice(invoice_id: int, uow: Uow, caller: Caller) -> InvoiceRead:
    return InvoiceRead.of(invoices.get_invoice(uow, caller.workspace_id, invoice_id))


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the invoice PDF"}},
)
def invoice_pdf(invoice_id: int, uow: Uow, caller: Caller) -> Response:
    name, data = invoices.invoice_pdf(uow, caller.workspace_id, invoice_id)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
