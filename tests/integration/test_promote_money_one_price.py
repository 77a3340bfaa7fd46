"""One price: what a creator is quoted is what is charged, stored and invoiced.

For every region and every payment method of the default table, and any coin amount a creator
may buy, the quote (the API's, the console's and the CLI's number), the amount the provider is
asked to charge, the stored recharge, the invoice row and the invoice PDF carry the same amount,
a whole number of the units the currency is paid in (CLDR cash precision: IDR in whole rupiah).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promodesk.kit.db import Database
from promodesk.kit.money import Money, cash_unit
from promodesk.models import Workspace
from promodesk.promote.domain.regions import DEFAULT_METHODS
from promodesk.promote.payments import ChargeRequest, ChargeResult, TestProvider, WebhookEvent
from promodesk.promote.service import invoices
from promodesk.promote.service import recharge as rs
from tests.integration.promote_money_helpers import SECRET, config, make_creator
from tests.unit.test_promote_money_invoice_pdf import pdf_text


@dataclass
class RecordingProvider:
    """The test provider, remembering every amount it was asked to charge."""

    inner: TestProvider = field(default_factory=lambda: TestProvider(SECRET))
    charged: list[Money] = field(default_factory=list)
    name: str = "test"

    def charge(self, request: ChargeRequest) -> ChargeResult:
        self.charged.append(request.amount)
        return self.inner.charge(request)

    def parse_webhook(self, body: bytes, signature: str | None) -> WebhookEvent:
        return self.inner.parse_webhook(body, signature)


RULES = sorted({(r.region, r.os.value, r.code) for r in DEFAULT_METHODS})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rule=st.sampled_from(RULES), data=st.data())
def test_quoted_charged_stored_and_invoiced_are_one_number(
    db: Database, workspace: Workspace, rule: tuple[str, str, str], data: st.DataObject
) -> None:
    region, os, method = rule
    provider = RecordingProvider()
    cfg = config(provider=provider)
    creator = make_creator(db, workspace.id, region=region, device_os=os)
    with db.transaction() as uow:
        currency = rs.quote_for(uow, cfg, workspace.id, creator, 100_000).price.currency
    least = cfg.pricing.min_coins(currency)
    coins = data.draw(
        st.one_of(
            st.integers(least, least + 1_000),
            st.integers(least, rs.MAX_RECHARGE_COINS),
        ),
        label="coins",
    )
    with db.transaction() as uow:
        quoted = rs.quote_for(uow, cfg, workspace.id, creator, coins).price
        r = rs.create_recharge(
            uow, cfg, workspace.id, creator_id=creator, coins=coins, method=method, actor="test"
        )
        stored = Money(r.amount, r.currency)
        inv = invoices.invoice_for_recharge(uow, workspace.id, r.id)
        invoiced = Money(inv.amount, inv.currency)
        _name, pdf = invoices.invoice_pdf(uow, workspace.id, inv.id)
    assert provider.charged == [quoted]
    assert quoted == stored == invoiced
    assert quoted.amount % cash_unit(quoted.currency) == 0
    text = pdf_text(pdf)
    assert f"{quoted.number()} {quoted.currency}" in text
