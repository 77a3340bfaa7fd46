"""Request and response bodies of the promote money API (recharges, withdrawals, invoices)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from promodesk.kit.inputs import CurrencyCode, Id, Input, Region
from promodesk.kit.money import Money
from promodesk.kit.pagination import Page
from promodesk.models import PromoteInvoice, PromoteRecharge, PromoteWithdrawal


class RechargeCreate(Input):
    creator_id: Id
    coins: int = Field(ge=1, le=100_000_000)
    method: str = Field(min_length=1, max_length=32)
    currency: CurrencyCode | None = Field(default=None, description="default: the region's")
    test_mode: Literal["succeed", "fail", "pending"] = Field(
        default="succeed", description="outcome of the built-in test provider"
    )


class SimulatePayment(Input):
    succeeded: bool = True


class RechargeRead(BaseModel):
    id: int
    creator_id: int
    coins: int
    method: str
    channel: str
    provider: str
    provider_ref: str | None
    amount: int = Field(description="minor units of currency")
    currency: str
    amount_display: str
    status: Literal["pending", "confirmed", "failed"]
    failure_reason: str
    created_at: datetime
    confirmed_at: datetime | None
    failed_at: datetime | None

    @classmethod
    def of(cls, r: PromoteRecharge) -> RechargeRead:
        return cls(
            id=r.id,
            creator_id=r.creator_id,
            coins=r.coins,
            method=r.method,
            channel=r.channel,
            provider=r.provider,
            provider_ref=r.provider_ref,
            amount=r.amount,
            currency=r.currency,
            amount_display=Money(r.amount, r.currency).format(),
            status=r.status,
            failure_reason=r.failure_reason,
            created_at=r.created_at,
            confirmed_at=r.confirmed_at,
            failed_at=r.failed_at,
        )


class RechargePage(Page[RechargeRead]):
    """A page of ``RechargeRead`` (``kit.pagination``)."""


class WebhookResult(BaseModel):
    recharge_id: int
    status: str
    changed: bool = Field(description="false: a replay that changed nothing")


class MethodRead(BaseModel):
    region: str
    os: Literal["android", "ios"]
    code: str = Field(min_length=1, max_length=32)
    label: str = Field(min_length=1, max_length=100)
    channel: Literal["iap", "non_iap"]
    enabled: bool = True


class MethodWrite(Input):
    region: Region
    os: Literal["android", "ios"]
    code: str = Field(min_length=1, max_length=32)
    label: str = Field(min_length=1, max_length=100)
    channel: Literal["iap", "non_iap"]
    enabled: bool = True


class MethodTableWrite(Input):
    methods: list[MethodWrite] = Field(max_length=2000)


class QuoteRead(BaseModel):
    creator_id: int
    coins: int
    amount: int
    currency: str
    amount_display: str
    min_charge: int
    at_minimum: bool
    methods: list[MethodRead]


class WithdrawalCreate(Input):
    creator_id: Id
    coins: int | None = Field(default=None, ge=1, description="default: the whole balance")


class WithdrawalAdvance(Input):
    status: Literal["processing", "paid", "failed"]
    reason: str = Field(default="", max_length=500)


class WithdrawalRead(BaseModel):
    id: int
    creator_id: int
    coins: int
    cash_amount: int | None = Field(
        description="minor units of cash_currency: what the coins were quoted at when requested"
    )
    cash_currency: str | None
    cash_display: str | None
    route: Literal["original_method", "store_refund"]
    payout_method: str
    region: str
    status: Literal["requested", "processing", "paid", "failed"]
    expected_payout_date: date
    failure_reason: str
    created_at: datetime
    processing_at: datetime | None
    paid_at: datetime | None
    failed_at: datetime | None
    message: str | None = None

    @classmethod
    def of(cls, w: PromoteWithdrawal, message: str | None = None) -> WithdrawalRead:
        return cls(
            id=w.id,
            creator_id=w.creator_id,
            coins=w.coins,
            cash_amount=w.cash_amount,
            cash_currency=w.cash_currency,
            cash_display=(
                Money(w.cash_amount, w.cash_currency).format()
                if w.cash_amount is not None and w.cash_currency
                else None
            ),
            route=w.route,
            payout_method=w.payout_method,
            region=w.region,
            status=w.status,
            expected_payout_date=w.expected_payout_date,
            failure_reason=w.failure_reason,
            created_at=w.created_at,
            processing_at=w.processing_at,
            paid_at=w.paid_at,
            failed_at=w.failed_at,
            message=message,
        )


class WithdrawalPage(Page[WithdrawalRead]):
    """A page of ``WithdrawalRead`` (``kit.pagination``)."""


class InvoiceRead(BaseModel):
    id: int
    number: str
    recharge_id: int
    creator_id: int
    issued_at: datetime
    seller_name: str
    buyer_handle: str
    buyer_name: str
    coins: int
    amount: int
    currency: str
    amount_display: str
    pdf_url: str

    @classmethod
    def of(cls, i: PromoteInvoice) -> InvoiceRead:
        return cls(
            id=i.id,
            number=i.number,
            recharge_id=i.recharge_id,
            creator_id=i.creator_id,
            issued_at=i.issued_at,
            seller_name=i.seller_name,
            buyer_handle=i.buyer_handle,
            buyer_name=i.buyer_name,
            coins=i.coins,
            amount=i.amount,
            currency=i.currency,
            amount_display=Money(i.amount, i.currency).format(),
            pdf_url=f"/api/v1/promote/invoices/{i.id}/pdf",
        )


class InvoicePage(Page[InvoiceRead]):
    """A page of ``InvoiceRead`` (``kit.pagination``)."""
