"""A workspace with promotions in every channel, for the promotions index tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.campaigns.service import allocation as camp_alloc
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import ShopProduct, TikTokAd, TikTokAdGroup, TikTokCampaign
from tests.integration import promote_factories as pf
from tests.integration import shop_factories as sf
from tests.integration.accounts_factories import (
    make_ad_account,
    make_advertiser,
    make_client,
    make_grant,
    make_report_rows,
)


@dataclass
class Seeded:
    workspace_id: int
    accounts: list[int]
    client: int
    advertiser: int
    campaigns: dict[str, int]
    adgroup: int
    ads: dict[str, int]
    creator: int
    content: int
    order: int
    shop: int
    activity: int
    enrollments: list[int]
    products: list[int]
    extra: dict[str, Any] = field(default_factory=dict)


def mirror(model: Any, **kw: Any) -> Any:
    values: dict[str, Any] = {"raw": {}, "operation_status": "ENABLE", "secondary_status": ""}
    values.update(kw)
    return model(**values)


def seed(db: Database, workspace_id: int) -> Seeded:
    """Two ad accounts (the first allocated to Acme / Acme Shoes): campaigns ``Spring sale``
    (live, spend 1500), ``Paused one`` (paused), ``Old`` (deleted) on the first, ``Other``
    on the second; an ad group and two ads under Spring sale (one ad's landing page names a
    product); a Promote order ``Boost me`` (in review: scheduled); a shop with three products
    enrolled (approved) in an activity that has not started."""
    with db.transaction() as uow:
        grant = make_grant(uow, workspace_id)
        accounts = [
            make_ad_account(uow, workspace_id, grant, name=f"Account {n}", advertiser_id=f"81{n}")
            for n in (1, 2)
        ]
        client = make_client(uow, workspace_id, "Acme")
        advertiser = make_advertiser(uow, workspace_id, client, "Acme Shoes")
        spec = [
            (
                "Spring sale",
                0,
                "ENABLE",
                "CAMPAIGN_STATUS_ENABLE",
                False,
                5000,
                "2026-01-03 10:00:00",
            ),
            (
                "Paused one",
                0,
                "DISABLE",
                "CAMPAIGN_STATUS_DISABLE",
                False,
                2000,
                "2026-01-01 09:00:00",
            ),
            ("Old", 0, "ENABLE", "CAMPAIGN_STATUS_DELETE", True, 100, "2025-12-01 08:00:00"),
            ("Other", 1, "ENABLE", "CAMPAIGN_STATUS_ENABLE", False, 700, "2026-01-02 08:00:00"),
        ]
        campaigns: dict[str, int] = {}
        for n, (name, acc, op, sec, deleted, budget, modified) in enumerate(spec):
            row = mirror(
                TikTokCampaign,
                workspace_id=workspace_id,
                ad_account_id=accounts[acc],
                campaign_id=f"1900000{n}",
                name=name,
                operation_status=op,
                secondary_status=sec,
                deleted=deleted,
                budget_mode="BUDGET_MODE_DAY",
                budget_minor=budget,
                modify_time=modified,
            )
            uow.session.add(row)
            uow.flush()
            campaigns[name] = row.id
        group = mirror(
            TikTokAdGroup,
            workspace_id=workspace_id,
            ad_account_id=accounts[0],
            adgroup_id="2900000",
            campaign_id="19000000",
            name="Spring group",
            secondary_status="ADGROUP_STATUS_NOT_START",
            budget_mode="BUDGET_MODE_INFINITE",
            modify_time="2026-01-03 11:00:00",
        )
        uow.session.add(group)
        ads: dict[str, int] = {}
        for n, (name, raw) in enumerate(
            [
                ("Spring ad", {"landing_page_url": "https://shop.example/view/product/5551?r=1"}),
                ("Plain ad", {"landing_page_url": "https://brand.example/"}),
            ]
        ):
            ad = mirror(
                TikTokAd,
                workspace_id=workspace_id,
                ad_account_id=accounts[0],
                ad_id=f"3900000{n}",
                adgroup_id="2900000",
                campaign_id="19000000",
                name=name,
                secondary_status="AD_STATUS_DELIVERY_OK",
                modify_time=f"2026-01-03 12:0{n}:00",
                raw=raw,
            )
            uow.session.add(ad)
            uow.flush()
            ads[name] = ad.id
        uow.flush()
        make_report_rows(
            uow, workspace_id, accounts[0], "19000000", {"2026-01-01": 1000, "2026-01-02": 500}
        )
        make_report_rows(
            uow,
            workspace_id,
            accounts[0],
            "39000000",
            {"2026-01-01": 300},
            level="ad",
            campaign_id="19000000",
        )
    with db.transaction() as uow:
        accounts_alloc.allocate(
            uow, workspace_id, accounts[0], client_account_id=client, advertiser_id=advertiser
        )
        camp_alloc.allocate_campaigns(
            uow,
            workspace_id,
            accounts[0],
            client_account_id=client,
            advertiser_id=advertiser,
            campaign_ids=[campaigns["Spring sale"], campaigns["Paused one"]],
        )
    with db.transaction() as uow:
        creator = pf.make_creator(uow, workspace_id)
        content = pf.make_video(uow, workspace_id, creator, title="Boost me")
        pf.fund(uow, workspace_id, creator, 5000)
        order = pf.place(uow, workspace_id, creator, content)
    with db.transaction() as uow:
        shop = sf.shop(uow, workspace_id, name="Moon shop")
        act = sf.activity(uow, workspace_id, name="Mid-autumn")
        es = sf.enrolled(uow, workspace_id, act.id, shop.id, 3, offers=0)
        first = uow.session.get(ShopProduct, es[0].product_id)
        assert first is not None
        first.platform_product_id = "5551"
        products = [e.product_id for e in es]
        enrollments = [e.id for e in es]
        shop_id, act_id = shop.id, act.id
    return Seeded(
        workspace_id=workspace_id,
        accounts=accounts,
        client=client,
        advertiser=advertiser,
        campaigns=campaigns,
        adgroup=group.id,
        ads=ads,
        creator=creator,
        content=content,
        order=order,
        shop=shop_id,
        activity=act_id,
        enrollments=enrollments,
        products=products,
    )


def later(days: int = 3) -> Any:
    return clock.now() + timedelta(days=days)


def step(
    n: int = 1,
    *,
    channel: str = "promote",
    status: str = "done",
    verified: bool | None = True,
    reversible: bool = False,
    restarted: bool = False,
) -> dict[str, Any]:
    """One step of a stop everywhere as the stop records it."""
    kind = {"tiktok_ads": "campaign", "promote": "promote_order"}.get(channel, "shop_enrollment")
    return {
        "n": n,
        "channel": channel,
        "kind": kind,
        "path": {"tiktok_ads": "pause", "promote": "stop_order"}.get(channel, "shop_stage_path"),
        "refs": [f"{kind}:{900 + n}"],
        "ids": [900 + n],
        "record": None,
        "status": status,
        "verified": verified,
        "error": "refused by the shop" if status == "failed" else "",
        "attempts": 1,
        "reversible": reversible,
        "restarted": restarted,
        "restart_error": "",
        "counted": status != "running",
    }


def make_stop(
    db: Database,
    workspace_id: int,
    *,
    steps: list[dict[str, Any]] | None = None,
    reason: str = "sold_out",
    created_by: str = "user:1",
    days_ago: int = 0,
    money: list[dict[str, Any]] | None = None,
) -> int:
    """A stop everywhere as its confirm and watch leave it (steps recorded, no channel record
    behind them): for the list, its filters and its pages."""
    from promodesk.models import PromotionStop

    with db.transaction() as uow:
        stop = PromotionStop(
            workspace_id=workspace_id,
            reason=reason,
            reason_text="",
            fingerprint="0" * 64,
            refs=[r for s in steps or [] for r in s["refs"]],
            steps=steps if steps is not None else [step()],
            created_by=created_by,
            summary={"planned_money": money or [], "refused": []},
            created_at=clock.now() - timedelta(days=days_ago),
        )
        uow.session.add(stop)
        uow.flush()
        return stop.id
