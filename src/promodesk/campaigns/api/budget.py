"""Budget: live budgets, balances and freed budget per client, advertiser and ad account;
reallocations and Business Center transfers."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
