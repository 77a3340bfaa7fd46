"""Factories shared by the promote money integration tests (plain functions, keyword defaults)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from promodesk.kit.db import Database
from promodesk.kit.money import CoinPricing
from promodesk.ledger.service import get_account
from promodesk.promote.payments import TestProvider
from promodesk.promote.service.creators import create_creator
from promodesk.promote.service.wallet import wallet_account
from promodesk.promote.settings import MoneyConfig
from promodesk.settings import DEFAULT_FX_PER_USD

SECRET = "whsec_integration"


def config(**overrides: Any) -> MoneyConfig:
    values: dict[str, Any] = {
        "pricing": CoinPricing.from_settings("0.99", 100, "0.99", DEFAULT_FX_PER_USD),
        "provider": TestProvider(SECRET),
        "settlement_delay": timedelta(hours=6),
        "payout_working_days": 15,
    }
    values.update(overrides)
    return MoneyConfig(**values)


def make_creator(db: Database, workspace_id: int, **overrides: Any) -> int:
    values: dict[str, Any] = {
        "handle": "c_" + uuid.uuid4().hex[:10],
        "birth_date": date(1990, 1, 1),
        "account_type": "creator",
        "device_os": "android",
        "app_version": "21.0",
        "region": "ID",
        "display_name": "Sari Ayu",
    }
    values.update(overrides)
    with db.transaction() as uow:
        return create_creator(uow, workspace_id, **values).id


def wallet_balance(db: Database, workspace_id: int, creator_id: int) -> int:
    with db.transaction() as uow:
        account = wallet_account(uow, workspace_id, creator_id)
        return get_account(uow, workspace_id, account.id).balance
