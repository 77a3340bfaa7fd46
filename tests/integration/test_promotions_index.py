"""The promotions index across channels on SQLite and PostgreSQL: search, each filter, refusals,
sorts walked page by page, totals, and SQL statuses equal to the pure mapping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import encode_cursor
from promodesk.models import (
    ShopBatch,
    ShopBatchItem,
    ShopEnrollment,
    TikTokAd,
    TikTokAdGroup,
    TikTokCampaign,
    Workspace,
)
from promodesk.promotions.domain.index import filters
from promodesk.promotions.domain.status import TIKTOK, Status, tiktok_status
from promodesk.promotions.service.index import (
    get_promotion,
    iter_promotions,
    list_promotions,
    totals,
)
from tests.integration.accounts_factories import make_ad_account, make_cancellation
from tests.integration.promotions_support import Seeded, mirror, seed


@pytest.fixture
def seeded(db: Database, workspace: Workspace) -> Seeded:
    return seed(db, workspace.id)


def _refs(db: Database, s: Seeded, **kw: Any) -> list[str]:
    with db.read() as uow:
        return [r.ref for r in iter_promotions(uow, s.workspace_id, filters(**kw))]


def test_every_channel_in_one_list(db: Database, seeded: Seeded) -> None:
    s = seeded
    with db.read() as uow:
        page = list_promotions(uow, s.workspace_id)
    by_ref = {r.ref: r for r in page.items}
    assert len(by_ref) == 12
    spring = by_ref[f"campaign:{s.campaigns['Spring sale']}"]
    assert (spring.channel, spring.status, spring.owner and spring.owner.name) == (
        "tiktok_ads",
        Status.LIVE,
        "Acme Shoes",
    )
    assert spring.client is not None
    assert spring.client.name == "Acme"
    assert (spring.budget and spring.budget.minor, spring.spend and spring.spend.minor) == (
        5000,
        1500,
    )
    assert spring.budget is not None
    assert spring.budget.currency == "USD"
    assert by_ref[f"campaign:{s.campaigns['Paused one']}"].status is Status.PAUSED
    assert by_ref[f"campaign:{s.campaigns['Old']}"].status is Status.STOPPED
    other = by_ref[f"campaign:{s.campaigns['Other']}"]
    assert other.owner is not None
    assert other.owner.kind == "ad_account"
    group = by_ref[f"adgroup:{s.adgroup}"]
    assert (group.status, group.budget, group.parent) == (Status.SCHEDULED, None, "Spring sale")
    ad = by_ref[f"ad:{s.ads['Spring ad']}"]
    assert (ad.parent, ad.spend and ad.spend.minor, ad.budget) == ("Spring group", 300, None)
    order = by_ref[f"promote_order:{s.order}"]
    assert (order.channel, order.status, order.name) == ("promote", Status.SCHEDULED, "Boost me")
    assert order.budget is not None
    assert (order.budget.minor, order.budget.currency) == (
        1000,
        "COIN",
    )
    act = by_ref[f"shop_activity:{s.activity}:{s.shop}"]
    assert (act.status, act.owner and act.owner.name) == (Status.SCHEDULED, "Moon shop")
    assert [p.id for p in act.products] == s.products
    enr = by_ref[f"shop_enrollment:{s.enrollments[0]}"]
    assert (enr.parent, enr.external_id, [p.id for p in enr.products]) == (
        "Mid-autumn",
        "5551",
        [s.products[0]],
    )
    assert page.totals is not None
    assert page.totals.count == 12
    assert [t.currency for t in page.totals.by_currency] == ["COIN", "USD"]  # shops: no money
    usd = {t.currency: t for t in page.totals.by_currency}["USD"]
    # Money is counted once: the campaigns hold their ad groups' and ads' spend (the ad's 300
    # is part of "Spring sale"'s 1,500), so only the highest TikTok level listed is added.
    assert (usd.count, usd.budget.minor, usd.spend.minor) == (4, 7800, 1500)
    assert page.totals.money_kinds == ["campaign", "promote_order"]
    assert page.totals.by_kind == {
        "ad": 2,
        "adgroup": 1,
        "campaign": 4,
        "promote_order": 1,
        "shop_activity": 1,
        "shop_enrollment": 3,
    }


def test_search_by_name_and_ids(db: Database, seeded: Seeded) -> None:
    s = seeded
    spring = {
        f"campaign:{s.campaigns['Spring sale']}",
        f"adgroup:{s.adgroup}",
        f"ad:{s.ads['Spring ad']}",
    }
    assert set(_refs(db, s, search="SPRING")) == spring
    assert _refs(db, s, search="19000003") == [f"campaign:{s.campaigns['Other']}"]
    assert f"shop_enrollment:{s.enrollments[0]}" in _refs(db, s, search="5551")
    assert _refs(db, s, search="50%") == []
    assert _refs(db, s, search="boost") == [f"promote_order:{s.order}"]


def test_each_filter(db: Database, seeded: Seeded) -> None:
    s = seeded
    assert set(_refs(db, s, channel="promote")) == {f"promote_order:{s.order}"}
    assert len(_refs(db, s, channel="shop,promote")) == 5
    assert len(_refs(db, s, kind="campaign")) == 4
    assert set(_refs(db, s, status="paused")) == {f"campaign:{s.campaigns['Paused one']}"}
    assert len(_refs(db, s, status=["live", "stopped"])) == 5
    acme = _refs(db, s, owner=f"advertiser:{s.advertiser}")
    assert len(acme) == 5  # two campaigns, the ad group and two ads of Spring sale
    assert _refs(db, s, owner=f"client:{s.client}") == acme
    assert len(_refs(db, s, owner=f"ad_account:{s.accounts[0]}")) == 6
    assert len(_refs(db, s, owner=f"shop:{s.shop}")) == 4
    assert _refs(db, s, owner=f"creator:{s.creator}") == [f"promote_order:{s.order}"]
    assert set(_refs(db, s, product=s.products[1])) == {
        f"shop_activity:{s.activity}:{s.shop}",
        f"shop_enrollment:{s.enrollments[1]}",
    }
    assert _refs(db, s, channel="promote", status="live") == []


def test_unknown_values_are_errors_never_a_wider_list(db: Database, seeded: Seeded) -> None:
    for kw in ({"status": "running"}, {"channel": "meta"}, {"owner": "team:1"}):
        with pytest.raises(ValidationFailed):
            filters(**kw)
    with db.read() as uow, pytest.raises(ValidationFailed) as err:
        list_promotions(uow, seeded.workspace_id, sort="status")
    assert err.value.field == "sort"


@pytest.mark.parametrize("sort", ["last_change", "-last_change", "spend", "-budget", "name"])
def test_sorted_pages_are_stable_and_complete(db: Database, seeded: Seeded, sort: str) -> None:
    s = seeded
    with db.read() as uow:
        whole = list_promotions(uow, s.workspace_id, sort=sort, limit=100).items
        seen: list[str] = []
        cursor = None
        while True:
            page = list_promotions(uow, s.workspace_id, sort=sort, cursor=cursor, limit=5)
            seen += [r.ref for r in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert seen == [r.ref for r in whole]
    assert len(set(seen)) == 12
    if sort == "name":
        names = [r.name.lower() for r in whole]
        assert names == sorted(names)
    if sort == "-budget":
        budgets = [r.budget.minor if r.budget else -1 for r in whole]
        assert budgets == sorted(budgets, reverse=True)


def test_cursor_of_another_sort_is_refused(db: Database, seeded: Seeded) -> None:
    with db.read() as uow:
        page = list_promotions(uow, seeded.workspace_id, sort="name", limit=2)
        assert page.next_cursor
        with pytest.raises(ValidationFailed) as err:
            list_promotions(uow, seeded.workspace_id, sort="spend", cursor=page.next_cursor)
        assert err.value.field == "cursor"
        forged = encode_cursor({"sort": "name", "key": 5, "kind": "ad", "id": 1, "shop": 0})
        with pytest.raises(ValidationFailed):
            list_promotions(uow, seeded.workspace_id, sort="name", cursor=forged)


def test_workspaces_do_not_see_each_other(db: Database, seeded: Seeded) -> None:
    from tests.conftest import make_workspace

    other = make_workspace(db)
    with db.read() as uow:
        assert list_promotions(uow, other.id).items == []
        assert get_promotion(uow, other.id, f"campaign:{seeded.campaigns['Old']}") is None
        found = get_promotion(uow, seeded.workspace_id, f"campaign:{seeded.campaigns['Old']}")
    assert found is not None
    assert found.name == "Old"


def test_sql_statuses_equal_the_pure_mapping(db: Database, workspace: Workspace) -> None:
    """Every TikTok status the tables name, on each level, read back through the SQL."""
    cases: list[tuple[str, str, str, bool]] = []
    for level, rules in TIKTOK.items():
        words = set().union(rules.stopped, rules.paused, rules.ended, rules.scheduled)
        for sec in sorted(words | {"", "SOMETHING_NEW"}):
            for op in ("ENABLE", "DISABLE", "DELETE"):
                cases.append((level, op, sec, False))
        cases.append((level, "ENABLE", "", True))
    models = {"campaign": TikTokCampaign, "adgroup": TikTokAdGroup, "ad": TikTokAd}
    expected: dict[str, Status] = {}
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace.id)
        for n, (level, op, sec, deleted) in enumerate(cases):
            kw: dict[str, Any] = {f"{level}_id": f"9{n:06d}"}
            if level != "campaign":
                kw["campaign_id"] = "1"
            if level == "ad":
                kw["adgroup_id"] = "1"
            row = mirror(
                models[level],
                workspace_id=workspace.id,
                ad_account_id=account,
                name=f"case {n}",
                operation_status=op,
                secondary_status=sec,
                deleted=deleted,
                **kw,
            )
            uow.session.add(row)
            uow.flush()
            expected[f"{level}:{row.id}"] = tiktok_status(level, op, sec, deleted=deleted)
    with db.read() as uow:
        got = {r.ref: r.status for r in iter_promotions(uow, workspace.id)}
        for word in Status:
            listed = {r.ref for r in iter_promotions(uow, workspace.id, filters(status=word.value))}
            assert listed == {ref for ref, st in expected.items() if st is word}
    assert got == expected


def test_shop_statuses_follow_the_clock(db: Database, seeded: Seeded) -> None:
    s = seeded
    with db.read() as uow:
        now = list_promotions(uow, s.workspace_id, filters(channel="shop"))
        during = list_promotions(
            uow, s.workspace_id, filters(channel="shop"), at=clock.now() + timedelta(days=3)
        )
        after = list_promotions(
            uow, s.workspace_id, filters(channel="shop"), at=clock.now() + timedelta(days=30)
        )
    assert {r.status for r in now.items} == {Status.SCHEDULED}
    assert {r.status for r in during.items} == {Status.LIVE}
    assert {r.status for r in after.items} == {Status.ENDED}


def test_stops_under_way_read_stopping(db: Database, seeded: Seeded) -> None:
    """A running cancellation's pending item, and a scheduled shop cancel batch's pending
    item, make their promotions ``stopping``; a done item does not."""
    s = seeded
    with db.transaction() as uow:
        make_cancellation(
            uow,
            s.workspace_id,
            [
                {"ad_account_id": s.accounts[0], "object_id": "19000000", "status": "pending"},
                {"ad_account_id": s.accounts[1], "object_id": "19000003", "status": "done"},
            ],
            status="running",
        )
        batch = ShopBatch(
            workspace_id=s.workspace_id, mode="window", reason_code="plan_change",
            status="scheduled",
        )  # fmt: skip
        uow.session.add(batch)
        uow.flush()
        e = uow.session.get(ShopEnrollment, s.enrollments[1])
        assert e is not None
        uow.session.add(
            ShopBatchItem(
                workspace_id=s.workspace_id, batch_id=batch.id, enrollment_id=e.id,
                activity_id=e.activity_id, product_id=e.product_id, status="pending",
            )
        )  # fmt: skip
    assert set(_refs(db, s, status="stopping")) == {
        f"campaign:{s.campaigns['Spring sale']}",
        f"shop_enrollment:{s.enrollments[1]}",
    }
    assert f"campaign:{s.campaigns['Other']}" in _refs(db, s, status="live")


def test_totals_of_a_list_without_campaigns_add_its_highest_level(
    db: Database, seeded: Seeded
) -> None:
    s = seeded
    with db.read() as uow:
        ads = totals(uow, s.workspace_id, filters(kind="ad"))
        below = totals(uow, s.workspace_id, filters(kind="adgroup,ad"))
    usd = {t.currency: t for t in ads.by_currency}["USD"]
    assert (ads.money_kinds, usd.count, usd.spend.minor) == (["ad"], 2, 300)
    assert below.money_kinds == ["adgroup"]
