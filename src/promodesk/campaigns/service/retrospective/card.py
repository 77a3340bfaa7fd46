"""The dashboard's card: this week's cancellations and their money."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from promodesk.campaigns.domain import retrospective as rules
from promodesk.campaigns.domain.reports import day_text
from promodesk.campaigns.repository.retrospective import RetrospectiveRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.monitor import stops
from promodesk.campaigns.service.retrospective.report import (
    POOL_PREFIX,
    day_start_utc,
    freed_of_items,
)
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.ledger import service as ledger
from promodesk.models import CampaignCancellationItem


def week_card(uow: UnitOfWork, workspace_id: int) -> dict[str, Any]:
    """This ISO week (UTC days): cancellations made, and per currency what they freed (net of
    undos), what was reallocated from any pool, and what the cancelled objects spent after
    their stop (the report store, as the monitor counts it)."""
    today = clock.now().astimezone(UTC).date()
    window = rules.week_window(rules.week_text(today))
    start, end = day_start_utc(window.since), day_start_utc(window.until)
    repo = RetrospectiveRepository(uow)
    cancellations = repo.between(workspace_id, start, end)
    items = repo.items(workspace_id, [c.id for c in cancellations])
    sums = rules.MoneySums()
    for item_id, amount in freed_of_items(uow, workspace_id, items).items():
        currency = next(i.currency for i in items if i.id == item_id)
        sums.add(currency, "freed_minor", amount)
    for line in ledger.lines_by_kind(
        uow, workspace_id, [freed.REALLOCATED, freed.RETURNED], POOL_PREFIX, since=start, until=end
    ):
        sums.add(line.currency, "reallocated_minor", -line.amount)
    by_key: dict[tuple[int, int], list[CampaignCancellationItem]] = {}
    for i in items:
        by_key.setdefault((i.cancellation_id, i.ad_account_id), []).append(i)
    accounts = repo.ad_accounts(workspace_id, {i.ad_account_id for i in items})
    of_id = {c.id: c for c in cancellations}
    now_utc = clock.now().astimezone(UTC)
    for (cancellation_id, account_id), group in by_key.items():
        acct = accounts.get(account_id)
        after = stops.spend_after_stop(
            uow,
            workspace_id,
            account_id,
            group,
            stops.stop_time(of_id[cancellation_id], group),
            stops.zone(acct.timezone if acct is not None else "UTC"),
            now_utc,
        )
        for i in group:
            sums.add(i.currency, "spend_after_minor", after.get(i.id, 0))
    return {
        "week": rules.week_text(today),
        "since": day_text(window.since),
        "cancelled": len(cancellations),
        "money": sums.rows(),
    }
