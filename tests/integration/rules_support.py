"""Shared by the rules tests: TikTok campaigns with daily report rows, and a rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from promodesk.kit.db import Database, UnitOfWork
from promodesk.models import TikTokCampaign, TikTokReportRow
from promodesk.rules.service import rules as rules_service
from tests.integration.accounts_factories import make_ad_account, make_campaign

ZONE = "Asia/Singapore"  # make_ad_account's zone


def daily_rows(
    uow: UnitOfWork,
    workspace_id: int,
    ad_account_id: int,
    object_id: str,
    days: dict[date, tuple[int, int, int]],
    *,
    zone: str = ZONE,
) -> None:
    """Daily rows of a campaign: day → (spend in cents, impressions, conversions)."""
    for day, (spend, impressions, conversions) in days.items():
        uow.session.add(
            TikTokReportRow(
                workspace_id=workspace_id,
                ad_account_id=ad_account_id,
                level="campaign",
                grain="day",
                object_id=object_id,
                campaign_id=object_id,
                stat_time=day.isoformat(),
                time_zone=zone,
                currency="USD",
                spend_minor=spend,
                impressions=impressions,
                clicks=impressions // 100,
                conversions=conversions,
                reach=impressions // 2,
            )
        )
    uow.flush()


def campaigns_with_history(
    db: Database, workspace_id: int, last: date, per_day: list[tuple[int, int, int]], days: int = 7
) -> tuple[int, list[TikTokCampaign]]:
    """One ad account; a campaign per entry of ``per_day``, each with the same row on each of
    the ``days`` days up to ``last``."""
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace_id)
        found = []
        for n, row in enumerate(per_day):
            cid = make_campaign(uow, workspace_id, account, name=f"Campaign {n}")
            c = uow.session.get(TikTokCampaign, cid)
            assert c is not None
            c.operation_status = "ENABLE"
            daily_rows(
                uow,
                workspace_id,
                account,
                c.campaign_id,
                {last - timedelta(days=k): row for k in range(days)},
            )
            uow.session.expunge(c)
            found.append(c)
        return account, found


def spend_no_results_rule(**kw: Any) -> dict[str, Any]:
    """Pause a campaign that spent over 20 with no results over 3 days (after 1,000 impressions)."""
    return {
        "scope": {"channel": "tiktok_campaign"},
        "conditions": {
            "op": "and",
            "items": [{"metric": "spend_no_results", "cmp": ">", "value": "20"}],
        },
        "action": {"kind": "pause"},
        "lookback_days": 3,
        "minimum": {"impressions": 1000},
        **kw,
    }


def make_rule(db: Database, workspace_id: int, raw: dict[str, Any], **kw: Any) -> int:
    with db.transaction() as uow:
        return rules_service.create_rule(
            uow, workspace_id, name=kw.pop("name", "No results"), definition_raw=raw, **kw
        ).id


# cross-tenant test support (tests/api_support.py) ------------------------------------------------


def _tenant_rule(uow: UnitOfWork, workspace: Any) -> int:
    # enabled: its owner's DELETE meets a 409 (disable first), so the routes after it still
    # find it
    return rules_service.create_rule(
        uow, workspace.id, name="Tenant rule", definition_raw=spend_no_results_rule(), enabled=True
    ).id


def _tenant_evaluation(uow: UnitOfWork, workspace: Any) -> int:
    from promodesk.kit import clock
    from promodesk.rules.service import evaluation

    # enabled, as above: a fuzzed DELETE of its rule meets a 409 instead of taking the
    # evaluation with it
    rule = rules_service.create_rule(
        uow,
        workspace.id,
        name="Evaluated rule",
        definition_raw=spend_no_results_rule(),
        enabled=True,
    )
    now = clock.now()
    made = evaluation.run_rule(uow, rule, now, now)
    assert made is not None
    return made.id


RULES_FACTORIES = {"rule_id": _tenant_rule, "evaluation_id": _tenant_evaluation}
RULES_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PATCH", "/api/v1/rules/{rule_id}"): {"name": "Renamed"},
}
