"""Recharges on SQLite and PostgreSQL: coins credited only on confirmation, exactly once."""

from __future__ import annotations

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.money import Money
from promodesk.ledger.repository import LedgerRepository
from promodesk.ledger.service import get_account
from promodesk.models import Workspace
from promodesk.promote.domain.regions import MethodNotAllowed
from promodesk.promote.payments import InvalidSignature, TestProvider
from promodesk.promote.service import invoices
from promodesk.promote.service import recharge as rs
from tests.conftest import make_workspace
from tests.integration.promote_money_helpers import SECRET, config, make_creator, wallet_balance

CFG = config()
PROVIDER = TestProvider(SECRET)


def recharge(db: Database, workspace_id: int, creator: int, **kw: object) -> int:
    values: dict[str, object] = {"coins": 1000, "method": "ovo", "mode": "succeed"}
    values.update(kw)
    with db.transaction() as uow:
        return rs.create_recharge(
            uow, CFG, workspace_id, creator_id=creator, actor="test", **values
        ).id  # type: ignore[arg-type]


def load(db: Database, workspace_id: int, recharge_id: int) -> tuple[str, str | None, int, str]:
    with db.transaction() as uow:
        r = rs.get_recharge(uow, workspace_id, recharge_id)
        return r.status, r.provider_ref, r.amount, r.currency


def webhook(db: Database, body: bytes, signature: str | None) -> rs.Outcome:
    with db.transaction() as uow:
        return rs.handle_webhook(uow, CFG, body, signature)


def test_immediate_success_credits_and_invoices(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    rid = recharge(db, workspace.id, creator)
    status, ref, amount, currency = load(db, workspace.id, rid)
    # 1,000 coins = US$9.90 = 160,875.00 IDR at 16,250 IDR/USD
    assert (status, amount, currency) == ("confirmed", 16087500, "IDR")
    assert ref
    assert ref.startswith("test_ch_")
    assert wallet_balance(db, workspace.id, creator) == 1000
    with db.transaction() as uow:
        inv = invoices.invoice_for_recharge(uow, workspace.id, rid)
        assert inv.number == f"PD-{clock.now().year}-000001"
        assert (inv.seller_name, inv.buyer_handle, inv.coins) == (
            "Test workspace",
            inv.buyer_handle,
            1000,
        )
        repo = LedgerRepository(uow)
        sales = repo.get_account_by_code(workspace.id, "promote:coin_sales:IDR")
        psp = repo.get_account_by_code(workspace.id, "promote:psp:test:IDR")
        issuance = repo.get_account_by_code(workspace.id, "promote:coin_issuance")
        assert sales is not None
        assert psp is not None
        assert issuance is not None
        assert (psp.balance, sales.balance, issuance.balance) == (16087500, -16087500, -1000)
        assert repo.find_entry(workspace.id, "recharge", str(rid)) is not None


def test_failed_payment_credits_nothing(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    rid = recharge(db, workspace.id, creator, mode="fail")
    assert load(db, workspace.id, rid)[0] == "failed"
    assert wallet_balance(db, workspace.id, creator) == 0
    with db.transaction() as uow, pytest.raises(NotFound):
        invoices.invoice_for_recharge(uow, workspace.id, rid)
    with db.transaction() as uow, pytest.raises(Conflict):
        rs.confirm_recharge(uow, CFG, workspace.id, rid, actor="test")


def test_pending_then_webhook_credits_exactly_once(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id, region="US", device_os="ios")
    rid = recharge(db, workspace.id, creator, coins=100, method="apple_pay", mode="pending")
    status, ref, amount, currency = load(db, workspace.id, rid)
    assert (status, amount, currency) == ("pending", 99, "USD")
    assert wallet_balance(db, workspace.id, creator) == 0
    assert ref is not None
    body, sig = PROVIDER.webhook(provider_ref=ref, reference=str(rid), amount=Money(99, "USD"))
    first = webhook(db, body, sig)
    assert first.changed
    assert first.recharge.status == "confirmed"
    # the same delivery again, then a second event for the same charge: nothing more happens
    assert not webhook(db, body, sig).changed
    again = PROVIDER.webhook(provider_ref=ref, reference=str(rid), amount=Money(99, "USD"))
    assert not webhook(db, *again).changed
    with db.transaction() as uow:
        assert not rs.confirm_recharge(uow, CFG, workspace.id, rid, actor="retry").changed
    assert wallet_balance(db, workspace.id, creator) == 100
    # a failure notice after the confirmation is a conflict, not a reversal
    failed = PROVIDER.webhook(
        provider_ref=ref, reference=str(rid), amount=Money(99, "USD"), succeeded=False
    )
    with pytest.raises(Conflict):
        webhook(db, *failed)
    assert wallet_balance(db, workspace.id, creator) == 100


def test_pending_then_failure_webhook(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    rid = recharge(db, workspace.id, creator, mode="pending")
    _, ref, amount, cur = load(db, workspace.id, rid)
    assert ref is not None
    body, sig = PROVIDER.webhook(
        provider_ref=ref, reference=str(rid), amount=Money(amount, cur), succeeded=False
    )
    assert webhook(db, body, sig).recharge.status == "failed"
    assert not webhook(db, body, sig).changed
    assert wallet_balance(db, workspace.id, creator) == 0


def test_forged_or_mismatched_webhooks_change_nothing(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    rid = recharge(db, workspace.id, creator, mode="pending")
    _, ref, amount, cur = load(db, workspace.id, rid)
    assert ref is not None
    body, _ = PROVIDER.webhook(provider_ref=ref, reference=str(rid), amount=Money(amount, cur))
    with pytest.raises(InvalidSignature):
        webhook(db, body, TestProvider("forger").webhook(
            provider_ref=ref, reference=str(rid), amount=Money(amount, cur))[1])  # fmt: skip
    with pytest.raises(InvalidSignature):
        webhook(db, body, None)
    wrong = PROVIDER.webhook(provider_ref=ref, reference=str(rid), amount=Money(amount + 1, cur))
    with pytest.raises(Conflict):
        webhook(db, *wrong)
    unknown = PROVIDER.webhook(provider_ref="nope", reference=str(rid), amount=Money(1, cur))
    with pytest.raises(NotFound):
        webhook(db, *unknown)
    assert load(db, workspace.id, rid)[0] == "pending"
    assert wallet_balance(db, workspace.id, creator) == 0


def test_method_not_allowed_writes_nothing(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id, region="GB", device_os="android")
    with pytest.raises(MethodNotAllowed) as err:
        recharge(db, workspace.id, creator, method="card")
    assert "google_pay" in err.value.detail
    with db.transaction() as uow:
        assert rs.list_recharges(uow, workspace.id, creator_id=creator) == []
    rid = recharge(db, workspace.id, creator, coins=500, method="google_pay")
    # 500 coins = US$4.95 x 0.79 = 3.9105 GBP -> 3.91
    assert load(db, workspace.id, rid)[2:] == (391, "GBP")


def test_minimum_charge(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id, region="TH")
    # 1 coin is below the minimum (US$0.99 x 36.20 = 35.838 THB -> 35.84 THB): refused, with
    # the fewest coins allowed named; nothing is stored, charged or credited
    with db.transaction() as uow, pytest.raises(ValidationFailed) as err:
        rs.create_recharge(
            uow, CFG, workspace.id, creator_id=creator, coins=1, method="true_money", actor="t"
        )
    assert err.value.field == "coins"
    assert err.value.detail == "at least 100 coins (the minimum charge, THB35.84)"
    with db.transaction() as uow:
        assert rs.list_recharges(uow, workspace.id, creator_id=creator) == []
    rid = recharge(db, workspace.id, creator, coins=100, method="true_money")
    assert load(db, workspace.id, rid)[2:] == (3584, "THB")
    assert wallet_balance(db, workspace.id, creator) == 100


def test_edited_method_table(db: Database, workspace: Workspace) -> None:
    from promodesk.promote.domain.eligibility import DeviceOS
    from promodesk.promote.domain.regions import Channel, MethodRule

    creator = make_creator(db, workspace.id, region="JP")
    with db.transaction() as uow:
        rs.replace_method_table(
            uow,
            workspace.id,
            [MethodRule("JP", DeviceOS.ANDROID, "card", "Card", Channel.NON_IAP)],
            actor="test",
        )
    rid = recharge(db, workspace.id, creator, coins=100, method="card")
    assert load(db, workspace.id, rid)[2:] == (150, "JPY")  # 0.99 x 151.5 = 149.985 -> 150


def test_rolled_back_confirmation_gives_its_number_back(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    first = recharge(db, workspace.id, creator, mode="pending")
    second = recharge(db, workspace.id, creator, mode="pending")

    class Boom(Exception):
        pass

    def confirm_then_fail() -> None:
        with db.transaction() as uow:
            rs.confirm_recharge(uow, CFG, workspace.id, first, actor="test")
            raise Boom

    with pytest.raises(Boom):
        confirm_then_fail()
    with db.transaction() as uow:
        rs.confirm_recharge(uow, CFG, workspace.id, second, actor="test")
    with db.transaction() as uow:
        rs.confirm_recharge(uow, CFG, workspace.id, first, actor="test")
    with db.transaction() as uow:
        numbers = {
            r: invoices.invoice_for_recharge(uow, workspace.id, r).seq for r in (first, second)
        }
    assert numbers == {second: 1, first: 2}
    assert wallet_balance(db, workspace.id, creator) == 2000


def test_other_workspaces_see_nothing(db: Database, workspace: Workspace) -> None:
    creator = make_creator(db, workspace.id)
    rid = recharge(db, workspace.id, creator)
    other = make_workspace(db)
    with db.transaction() as uow:
        with pytest.raises(NotFound):
            rs.get_recharge(uow, other.id, rid)
        assert invoices.list_invoices(uow, other.id) == []
        assert len(invoices.list_invoices(uow, workspace.id)) == 1
        account = get_account(uow, workspace.id, rs.wallet_account(uow, workspace.id, creator).id)
        assert account.balance == 1000
