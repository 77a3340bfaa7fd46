"""Promote money in the console: recharge (price first, then pay), confirming a pending
payment with the test provider, and withdrawal requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, Request
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.core import day_in_words
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import (
    OperatorVisit,
    Uow,
    ViewerConfirmingVisit,
    Visit,
)
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.money import Money, price_text
from promodesk.promote.api.money import money_config
from promodesk.promote.payments import ChargeMode, TestProvider
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import recharge as recharges
from promodesk.promote.service import withdrawals

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
OUTCOMES = tuple(m.value for m in ChargeMode)


def _outcome(raw: str | None) -> str:
    value = raw or ChargeMode.SUCCEED.value
    if value not in OUTCOMES:
        raise ValidationFailed(f"outcome is one of {', '.join(OUTCOMES)}", field="outcome")
    return value


@contextmanager
def _minimum_in_words(visit: Visit) -> Iterator[None]:
    """The minimum-charge refusal in the reader's language, with the price as they write it."""
    try:
        yield
    except ValidationFailed as exc:
        if "min_coins" not in exc.extra:
            raise
        minimum = Money(int(exc.extra["min_charge"]), str(exc.extra["currency"]))
        raise ValidationFailed(
            visit._(
                "At least %(n)s coins (the minimum charge, %(price)s).",
                n=f"{int(exc.extra['min_coins']):,}",
                price=price_text(minimum, visit.locale),
            ),
            field="coins",
            **exc.extra,
        ) from None


@router.get("/promote/creators/{creator_id}/recharge")
def recharge_preview(
    request: Request, visit: ViewerConfirmingVisit, uow: Uow, creator_id: int
) -> Response:
    """The price in the payer's currency and the method, before anything is charged."""
    params = dict(request.query_params.items())
    workspace_id = visit.principal.workspace_id
    cfg = money_config(request)
    creator = creators_service.get_creator(uow, workspace_id, creator_id)
    # A typed amount wins over the package radio (which always has one checked).
    package = params.get("package", "")
    typed = (params.get("coins") or "").strip()
    coins = forms.whole(
        {"coins": package} if package.isdigit() and not typed else params,
        "coins",
        high=recharges.MAX_RECHARGE_COINS,
    )
    rule = recharges.method_table(uow, workspace_id).check(
        creator.region, creator.device_os, params.get("method", "")
    )
    outcome = _outcome(params.get("outcome"))
    with _minimum_in_words(visit):
        q = recharges.quote_for(uow, cfg, workspace_id, creator_id, coins)
    return visit.page(
        "promote/recharge_preview.html",
        creator=creator,
        coins=coins,
        rule=rule,
        outcome=outcome,
        price=price_text(q.price, visit.locale),
        minimum=price_text(q.min_charge, visit.locale),
        at_minimum=q.at_minimum,
        test_provider=isinstance(cfg.provider, TestProvider),
    )


@router.post("/promote/creators/{creator_id}/recharge")
def recharge_create(request: Request, visit: OperatorVisit, uow: Uow, creator_id: int) -> Response:
    principal = visit.principal
    cfg = money_config(request)
    with _minimum_in_words(visit):
        recharge = recharges.create_recharge(
            uow,
            cfg,
            principal.workspace_id,
            creator_id=creator_id,
            coins=forms.whole(visit.form, "coins", high=recharges.MAX_RECHARGE_COINS),
            method=visit.form.get("method", ""),
            mode=_outcome(visit.form.get("outcome")),
            actor=principal.actor,
        )
    _flash_recharge(visit, recharge.status, recharge.coins, recharge.failure_reason)
    return visit.redirect(f"/promote/creators/{creator_id}#recharges")


def _flash_recharge(visit: Visit, status: str, coins: int, reason: str) -> None:
    n = f"{coins:,}"
    if status == recharges.CONFIRMED:
        visit.flash("success", visit._("Payment confirmed: %(n)s coins are in the wallet.", n=n))
    elif status == recharges.FAILED:
        visit.flash(
            "error", visit._("The payment failed; no coins were added. %(reason)s", reason=reason)
        )
    else:
        visit.flash(
            "info",
            visit._("The payment is pending: %(n)s coins arrive once it is confirmed.", n=n),
        )


@router.post("/promote/recharges/{recharge_id}/confirm")
def recharge_confirm(
    request: Request, visit: OperatorVisit, uow: Uow, recharge_id: int
) -> Response:
    """Test provider only: deliver the signed webhook for a pending payment (the same path a
    real provider's webhook takes), succeeded or failed."""
    principal = visit.principal
    cfg = money_config(request)
    if not isinstance(cfg.provider, TestProvider):
        raise ValidationFailed("only the built-in test provider can confirm a payment here")
    current = recharges.get_recharge(uow, principal.workspace_id, recharge_id)
    payload, signature = cfg.provider.webhook(
        provider_ref=current.provider_ref or "",
        reference=str(current.id),
        amount=Money(current.amount, current.currency),
        succeeded=visit.form.get("outcome") != "fail",
    )
    outcome = recharges.handle_webhook(uow, cfg, payload, signature)
    r = outcome.recharge
    if outcome.changed:
        _flash_recharge(visit, r.status, r.coins, r.failure_reason)
    else:
        visit.flash("info", visit._("This payment was settled already; nothing changed."))
    return visit.redirect(f"/promote/creators/{r.creator_id}#recharges")


def _withdraw_coins(form: dict[str, str]) -> int | None:
    raw = (form.get("coins") or "").strip()
    return forms.whole(form, "coins") if raw else None


@router.get("/promote/creators/{creator_id}/withdraw")
def withdraw_preview(
    request: Request, visit: ViewerConfirmingVisit, uow: Uow, creator_id: int
) -> Response:
    """The confirmation: the coins, the cash that will arrive, where and by when. Every check
    of the request runs here first, and nothing moves until the creator confirms."""
    params = dict(request.query_params.items())
    workspace_id = visit.principal.workspace_id
    creator = creators_service.get_creator(uow, workspace_id, creator_id)
    plan = withdrawals.plan_withdrawal(
        uow,
        money_config(request),
        workspace_id,
        creator_id=creator_id,
        coins=_withdraw_coins(params),
    )
    return visit.page(
        "promote/withdraw_confirm.html",
        creator=creator,
        plan=plan,
        cash=price_text(plan.cash, visit.locale),
        whole_balance=_withdraw_coins(params) is None,
        working_days=money_config(request).payout_working_days,
    )


@router.post("/promote/creators/{creator_id}/withdraw")
def withdraw(request: Request, visit: OperatorVisit, uow: Uow, creator_id: int) -> Response:
    principal = visit.principal
    coins = _withdraw_coins(visit.form)
    if visit.form.get("confirm") != "1":  # not confirmed: show what it would do first
        shown = "" if coins is None else str(coins)
        return visit.redirect(f"/promote/creators/{creator_id}/withdraw?coins={shown}")
    cfg = money_config(request)
    plan = withdrawals.plan_withdrawal(
        uow, cfg, principal.workspace_id, creator_id=creator_id, coins=coins
    )
    withdrawal, _message = withdrawals.request_withdrawal(
        uow, cfg, principal.workspace_id, creator_id=creator_id, coins=plan.coins,
        actor=principal.actor,
    )  # fmt: skip
    visit.flash(
        "success",
        visit._(
            "Withdrawal of %(n)s coins (%(cash)s) requested; expected payout by %(date)s.",
            n=f"{withdrawal.coins:,}",
            cash=price_text(plan.cash, visit.locale),
            date=day_in_words(withdrawal.expected_payout_date, visit.locale),
        ),
    )
    return visit.redirect(f"/promote/creators/{creator_id}#withdrawals")
