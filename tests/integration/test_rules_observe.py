"""What a rule observes of TikTok objects: each object of its scope (owners, object ids, a name
filter with its wildcards taken literally) with its totals over its own ad account's local
days, its status, owner, daily budget and labels; an object without rows has zero totals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from promodesk.kit.db import Database
from promodesk.models import (
    CampaignAllocation,
    RuleLabel,
    TikTokAd,
    TikTokAdAccount,
    TikTokCampaign,
    TikTokReportRow,
    Workspace,
)
from promodesk.rules.domain import definition
from promodesk.rules.domain.evaluate import ObjectStatus, Observation
from promodesk.rules.domain.metrics import Totals
from promodesk.rules.service.observe import AsOf, observe
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_campaign,
    make_client,
)
from tests.integration.rules_support import daily_rows

# 12:00 on 2026-11-20 in Singapore, 23:00 on 2026-11-19 in New York
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
DAYS = {n: date(2026, 11, n) for n in (18, 19, 20)}


def _world(db: Database, ws: int) -> dict[str, Any]:
    with db.transaction() as uow:
        s = uow.session
        sg = make_ad_account(uow, ws)
        ny = make_ad_account(uow, ws)
        account = s.get(TikTokAdAccount, ny)
        assert account is not None
        account.timezone = "America/New_York"
        client = make_client(uow, ws)
        brand_a, brand_b = make_advertiser(uow, ws, client), make_advertiser(uow, ws, client)
        ids = {
            "sale": make_campaign(uow, ws, sg, name="Spring_sale 100%"),
            "ny": make_campaign(uow, ws, ny, name="Spring sale 1000"),
            "quiet": make_campaign(uow, ws, sg, name="Quiet"),
            "gone": make_campaign(uow, ws, sg, name="Gone", deleted=True),
        }
        rows = {k: s.get(TikTokCampaign, v) for k, v in ids.items()}
        for key, row in rows.items():
            assert row is not None
            row.operation_status = "DISABLE" if key == "quiet" else "ENABLE"
            row.budget_mode = "BUDGET_MODE_DAY" if key == "sale" else "BUDGET_MODE_TOTAL"
            row.budget_minor = 5_000
            owner = brand_b if key == "ny" else brand_a
            s.add(
                CampaignAllocation(
                    workspace_id=ws,
                    campaign_row_id=row.id,
                    ad_account_id=row.ad_account_id,
                    client_account_id=client,
                    advertiser_id=owner,
                )
            )
        cids = {k: r.campaign_id for k, r in rows.items() if r is not None}
        # spend, impressions, conversions per day (clicks: 1 %, reach: half the impressions)
        per_day = {DAYS[18]: (100, 1000, 1), DAYS[19]: (200, 2000, 0), DAYS[20]: (300, 3000, 2)}
        daily_rows(uow, ws, sg, cids["sale"], per_day)
        daily_rows(uow, ws, ny, cids["ny"], per_day, zone="America/New_York")
        daily_rows(uow, ws, sg, cids["gone"], {DAYS[20]: (0, 0, 0)})
        ad = TikTokAd(
            workspace_id=ws,
            ad_account_id=sg,
            ad_id="9001",
            adgroup_id="8001",
            campaign_id=cids["sale"],
            name="Ad of the sale",
            operation_status="ENABLE",
            raw={},
        )
        s.add(ad)
        s.add(RuleLabel(workspace_id=ws, object_key=f"tiktok_campaign:{ids['sale']}", label="vip"))
        uow.flush()
        s.add(
            TikTokReportRow(
                workspace_id=ws,
                ad_account_id=sg,
                level="ad",
                grain="day",
                object_id="9001",
                campaign_id=cids["sale"],
                stat_time=DAYS[20].isoformat(),
                time_zone="Asia/Singapore",
                currency="USD",
                spend_minor=70,
                impressions=700,
                clicks=7,
                reach=350,
            )
        )
        return {"ids": ids, "cids": cids, "brands": (brand_a, brand_b), "ad": ad.id}


def _seen(db: Database, ws: int, scope: dict[str, Any]) -> dict[int, Observation]:
    rule = definition.parse(
        {
            "scope": scope,
            "conditions": {"op": "and", "items": [{"metric": "spend", "cmp": ">", "value": "0"}]},
            "action": {"kind": "notify"},
            "lookback_days": 2,
        }
    )
    with db.read() as uow:
        return {o.ref: o for o in observe(uow, ws, rule, AsOf(instant=NOW))}


def test_observations_of_a_scope_over_each_accounts_local_days(
    db: Database, workspace: Workspace
) -> None:
    w = _world(db, workspace.id)
    ids, (brand_a, brand_b) = w["ids"], w["brands"]
    seen = _seen(db, workspace.id, {"channel": "tiktok_campaign"})
    assert sorted(seen) == sorted(ids.values())
    sale, ny, quiet, gone = (seen[ids[k]] for k in ("sale", "ny", "quiet", "gone"))
    # Singapore's last two days: the 19th and 20th; New York's: the 18th and 19th
    assert sale.totals == Totals(
        currency="USD",
        spend_minor=500,
        impressions=5000,
        clicks=50,
        results=2,
        reach=2500,
        last_day_spend_minor=300,
        daily_budget_minor=5_000,
        days_with_data=2,
    )
    assert ny.totals == Totals(
        currency="USD",
        spend_minor=300,
        impressions=3000,
        clicks=30,
        results=1,
        reach=1500,
        last_day_spend_minor=200,
        days_with_data=2,
    )
    assert quiet.totals == Totals(currency="USD")  # no rows: zeros
    assert gone.totals.days_with_data == 0  # a row with nothing spent or seen
    assert [o.status for o in (sale, ny, quiet, gone)] == [
        ObjectStatus.LIVE,
        ObjectStatus.LIVE,
        ObjectStatus.PAUSED,
        ObjectStatus.STOPPED,
    ]
    assert (sale.key, sale.name, sale.owner) == (
        f"tiktok_campaign:{ids['sale']}",
        "Spring_sale 100%",
        str(brand_a),
    )
    assert ny.owner == str(brand_b)
    assert sale.labels == frozenset({"vip"})
    assert ny.labels == frozenset()


def test_a_scope_narrows_by_owners_object_ids_and_a_literal_name_filter(
    db: Database, workspace: Workspace
) -> None:
    w = _world(db, workspace.id)
    ids, cids, (brand_a, brand_b) = w["ids"], w["cids"], w["brands"]
    ws, channel = workspace.id, "tiktok_campaign"
    owners = _seen(db, ws, {"channel": channel, "owner_ids": [brand_a]})
    assert sorted(owners) == sorted([ids["sale"], ids["quiet"], ids["gone"]])
    objects = _seen(db, ws, {"channel": channel, "object_ids": [cids["ny"], cids["quiet"]]})
    assert sorted(objects) == sorted([ids["ny"], ids["quiet"]])
    # "_" and "%" are the name's own characters, not wildcards
    assert list(_seen(db, ws, {"channel": channel, "name_contains": "g_sale 100%"})) == [
        ids["sale"]
    ]
    both = {"channel": channel, "owner_ids": [brand_b], "name_contains": "SPRING"}
    assert list(_seen(db, ws, both)) == [ids["ny"]]
    # an ad: no budget of its own, its campaign's owner
    ads = _seen(db, ws, {"channel": "tiktok_ad", "owner_ids": [brand_a]})
    assert list(ads) == [w["ad"]]
    assert ads[w["ad"]].totals == Totals(
        currency="USD",
        spend_minor=70,
        impressions=700,
        clicks=7,
        reach=350,
        last_day_spend_minor=70,
        days_with_data=1,
    )
