"""The cancel flow over the real sandbox on both databases: three campaigns cancelled and
verified with their money freed once, a partial failure listed and retried, the silent no-op
caught by verification (with an alert), undo of a pause, re-creation of a deleted campaign."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from promodesk.campaigns.service import freed
from promodesk.campaigns.service.cancellations import confirm as cancel_confirm
from promodesk.campaigns.service.cancellations import preview as cancel_preview
from promodesk.campaigns.service.cancellations import readback as cancel_readback
from promodesk.campaigns.service.cancellations import reads as cancel_reads
from promodesk.campaigns.service.cancellations import run as cancel_run
from promodesk.campaigns.service.cancellations import undo as cancel_undo
from promodesk.campaigns.service.cancellations import verification as cancel_verification
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import (
    AuditEvent,
    CampaignCancellationItem,
    LedgerEntry,
    OutboxEmail,
    OutboxWebhook,
    TikTokAdGroup,
    TikTokCampaign,
)
from tests.integration.accounts_factories import make_campaign
from tests.integration.cancel_support import cancel_env, drain, imported, live_campaigns
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle, running_sandbox

__all__ = ["cancel_env"]


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxHandle]:
    with running_sandbox(
        accounts=2,
        campaigns=24,
        adgroups=20,
        ads=30,
        audiences=0,
        deleted_percent=0,
        rate_limit=False,
        stop_delay_seconds=0,
    ) as handle:
        yield handle


def _items(db: Database, cancellation_id: int) -> list[CampaignCancellationItem]:
    with db.read() as uow:
        rows = list(
            uow.session.execute(
                select(CampaignCancellationItem)
                .where(CampaignCancellationItem.cancellation_id == cancellation_id)
                .order_by(CampaignCancellationItem.id)
            ).scalars()
        )
        for r in rows:
            uow.session.expunge(r)
        return rows


def _sandbox_status(sb: SandboxHandle, campaign_id: str) -> str:
    world = sb.sandbox.world
    for account in world.account_indices():
        index = world.index_of("campaign", account, campaign_id)
        if index is not None:
            return world.status("campaign", account, index)
    raise AssertionError(f"the sandbox does not know {campaign_id}")


def test_cancel_three_campaigns_verified_and_freed_once(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        rows = live_campaigns(db, accounts[0], 3)
        with db.read() as uow:
            shown = cancel_preview.preview(
                uow, workspace_id, "campaign", [r.id for r in rows], "delete"
            )
        assert shown["reversible"] is False
        assert [i["row_id"] for i in shown["items"]] == [r.id for r in rows]
        budgeted = [i for i in shown["items"] if i["budget_mode"] != "BUDGET_MODE_INFINITE"]
        assert all(i["freed_minor"] == i["budget_minor"] for i in budgeted)  # nothing spent yet
        total = sum(i["freed_minor"] for i in shown["items"])
        assert shown["totals"][0]["freed_minor"] == total

        with db.transaction() as uow:
            c = cancel_confirm.confirm(
                uow,
                workspace_id,
                "campaign",
                [r.id for r in rows],
                "delete",
                "poor_performance",
                "CPA twice the target",
                actor="olga",
            )
            cancellation_id = c.id
        # one step by hand, written twice: the second write changes nothing
        fetched = cancel_run.prefetch_step(db, cancellation_id)
        assert fetched is not None
        assert sorted(fetched.results.values(), key=str) == [None, None, None]
        with db.transaction() as uow:
            assert cancel_run.run_step(uow, cancellation_id, fetched) is None
        with db.transaction() as uow:
            assert cancel_run.run_step(uow, cancellation_id, fetched) is None
        drain(db, workspace_id)

        with db.read() as uow:
            view = cancel_reads.get(uow, workspace_id, cancellation_id)
            assert view["status"] == "done"
            assert view["operation"]["state"] == "succeeded"
            assert view["operation"]["done"] == 3
            currency = view["freed"][0]["currency"]
            assert view["freed"] == [{"currency": currency, "freed_minor": total}]
            pool = freed.pool_of(None, accounts[0], currency)
            assert freed.balance(uow, workspace_id, pool) == total
            entries = uow.session.execute(
                select(LedgerEntry).where(
                    LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == freed.FREED
                )
            ).scalars()
            assert len(list(entries)) == len([i for i in shown["items"] if i["freed_minor"]])
            for r in rows:
                mirror = uow.session.get(TikTokCampaign, r.id)
                assert mirror is not None
                assert mirror.deleted is True
                assert mirror.operation_status == "DELETE"
            groups = uow.session.execute(
                select(TikTokAdGroup).where(
                    TikTokAdGroup.ad_account_id == accounts[0],
                    TikTokAdGroup.campaign_id.in_([r.campaign_id for r in rows]),
                )
            ).scalars()
            assert all(g.deleted for g in groups)
            audit = uow.session.execute(
                select(AuditEvent).where(
                    AuditEvent.workspace_id == workspace_id,
                    AuditEvent.action == "campaign.cancellation",
                )
            ).scalar_one()
            assert audit.actor == "olga"
        for item in _items(db, cancellation_id):
            assert item.status == "done"
            assert item.verify_status == "verified", item.verify_detail
            assert item.verify_detail["round"] == 2
            assert item.snapshot["object"]["campaign_id"] == item.object_id
            assert _sandbox_status(sb, item.object_id) == "CAMPAIGN_STATUS_DELETE"

        # a deleted campaign cannot be cancelled again
        with db.read() as uow, pytest.raises(Exception, match="already deleted"):
            cancel_preview.preview(uow, workspace_id, "campaign", [rows[0].id], "pause")


def test_partial_failure_is_listed_and_retried(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        rows = live_campaigns(db, accounts[1], 2)
        with db.transaction() as uow:
            unknown = make_campaign(
                uow, workspace_id, accounts[1], campaign_id="1999999999999", name="Ghost"
            )
            c = cancel_confirm.confirm(
                uow,
                workspace_id,
                "campaign",
                [rows[0].id, unknown, rows[1].id],
                "pause",
                "budget",
                "",
            )
            cancellation_id = c.id
        drain(db, workspace_id)
        with db.read() as uow:
            view = cancel_reads.get(uow, workspace_id, cancellation_id)
        assert view["status"] == "partial"
        assert view["operation"]["state"] == "partial"
        failed = [i for i in view["items"] if i["status"] == "failed"]
        assert [i["row_id"] for i in failed] == [unknown]
        assert "TikTok refused" in failed[0]["error"]
        assert view["operation"]["errors"][0]["item"] == "campaign 1999999999999"
        assert {i["verify_status"] for i in view["items"] if i["status"] == "done"} == {"verified"}

        with db.transaction() as uow:
            again = cancel_confirm.retry(uow, workspace_id, cancellation_id, actor="olga")
            assert again.status == "running"
        drain(db, workspace_id)
        with db.read() as uow:
            view = cancel_reads.get(uow, workspace_id, cancellation_id)
        assert view["status"] == "partial"  # TikTok still does not know it: listed again
        assert view["operation"]["total"] == 1  # only the failed item ran again
        with db.transaction() as uow, pytest.raises(NotFound):
            cancel_confirm.retry(uow, workspace_id, 10**12, actor="olga")


def test_silent_noop_is_caught_by_verification_and_alerts_once(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        row = live_campaigns(db, accounts[0], 1)[0]
        sb.update(status_noop=True)
        try:
            with db.transaction() as uow:
                cancellation_id = cancel_confirm.confirm(
                    uow, workspace_id, "campaign", [row.id], "pause", "out_of_stock", ""
                ).id
            drain(db, workspace_id)
        finally:
            sb.update(status_noop=False)
        (item,) = _items(db, cancellation_id)
        assert item.status == "done"  # TikTok said yes
        assert item.verify_status == "failed"
        assert "not paused" in item.verify_detail["problems"][0]
        with db.read() as uow:
            mails = list(
                uow.session.execute(
                    select(OutboxEmail).where(
                        OutboxEmail.workspace_id == workspace_id,
                        OutboxEmail.ref == f"cancel-verify:{item.id}",
                    )
                ).scalars()
            )
            hooks = list(
                uow.session.execute(
                    select(OutboxWebhook).where(
                        OutboxWebhook.workspace_id == workspace_id,
                        OutboxWebhook.ref == f"cancel-verify:{item.id}",
                    )
                ).scalars()
            )
            mirror = uow.session.get(TikTokCampaign, row.id)
            assert mirror is not None
            assert mirror.operation_status == "ENABLE"  # the read-back's truth
            assert len(mails) == 1
            assert "Cancel not verified" in mails[0].subject
            assert len(hooks) == 1
            assert hooks[0].payload["item_id"] == item.id
        # another round sends nothing new
        with db.transaction() as uow:
            fetched = cancel_readback.prefetch(db, cancellation_id)
            cancel_verification.verify_step(uow, cancellation_id, 2, fetched)
        with db.read() as uow:
            count = uow.session.execute(
                select(OutboxEmail).where(OutboxEmail.workspace_id == workspace_id)
            ).all()
        assert len(count) == 1


def test_undo_a_pause_takes_back_the_freed_money(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        row = live_campaigns(db, accounts[1], 1, budget_mode="BUDGET_MODE_DAY")[0]
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "campaign", [row.id], "pause", "strategy_change", ""
            ).id
        drain(db, workspace_id)
        (item,) = _items(db, cancellation_id)
        assert item.freed_minor == row.budget_minor > 0
        pool = freed.pool_of(None, accounts[1], item.currency)
        with db.read() as uow:
            before = freed.balance(uow, workspace_id, pool)
        assert _sandbox_status(sb, row.campaign_id) == "CAMPAIGN_STATUS_DISABLE"

        done = cancel_undo.undo(db, workspace_id, item.id, actor="olga")
        assert done["undone_at"] is not None
        assert _sandbox_status(sb, row.campaign_id) == "CAMPAIGN_STATUS_ENABLE"
        with db.read() as uow:
            assert freed.balance(uow, workspace_id, pool) == before - item.freed_minor
            mirror = uow.session.get(TikTokCampaign, row.id)
            assert mirror is not None
            assert mirror.operation_status == "ENABLE"
        with pytest.raises(Exception, match="already undone"):
            cancel_undo.undo(db, workspace_id, item.id)
        with pytest.raises(Exception, match="only a campaign this cancellation deleted"):
            cancel_undo.recreate(db, workspace_id, item.id)
        with pytest.raises(NotFound):
            cancel_undo.undo(db, workspace_id, 10**12)


def _recreatable(db: Database, account_id: int) -> TikTokCampaign:
    """A live campaign with ad groups whose budgets TikTok takes for a new ad group (the
    sandbox's minimum is 50 USD in the account's currency: 750,000 IDR)."""
    for row in live_campaigns(db, account_id, 8):
        with db.read() as uow:
            budgets = list(
                uow.session.execute(
                    select(TikTokAdGroup.budget_minor).where(
                        TikTokAdGroup.ad_account_id == account_id,
                        TikTokAdGroup.campaign_id == row.campaign_id,
                        TikTokAdGroup.deleted.is_(False),
                    )
                ).scalars()
            )
        if budgets and all(b >= 75_000_000 for b in budgets):  # IDR has 2 minor digits
            return row
    raise AssertionError("no campaign of the sandbox can be re-created as it is")


def test_recreate_a_deleted_campaign_from_its_snapshot(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        row = _recreatable(db, accounts[1])
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "campaign", [row.id], "delete", "creative_or_policy", ""
            ).id
        drain(db, workspace_id)
        (item,) = _items(db, cancellation_id)
        groups = [
            g for g in item.snapshot["adgroups"] if not g["secondary_status"].endswith("_DELETE")
        ]
        with pytest.raises(Exception, match="cannot be switched on"):
            cancel_undo.undo(db, workspace_id, item.id)

        made = cancel_undo.recreate(db, workspace_id, item.id, actor="olga")
        new_id = made["recreated_object_id"]
        assert new_id
        assert new_id != item.object_id
        assert made["recreated"]["error"] == ""
        assert len(made["recreated"]["adgroups"]) == len(groups)
        world = sb.sandbox.world
        index = world.index_of("campaign", 1, new_id)
        assert index is not None
        assert world.status("campaign", 1, index) != "CAMPAIGN_STATUS_DELETE"
        with pytest.raises(Exception, match="already re-created"):
            cancel_undo.recreate(db, workspace_id, item.id)
        (after,) = _items(db, cancellation_id)
        assert after.recreated_object_id == new_id
        assert after.recreated_at is not None


def test_refusals(db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        row = live_campaigns(db, accounts[0], 1)[0]
        with db.transaction() as uow:
            with pytest.raises(ValidationFailed) as no_reason:
                cancel_confirm.confirm(uow, workspace_id, "campaign", [row.id], "pause", "", "")
            assert no_reason.value.field == "reason_code"
            with pytest.raises(ValidationFailed) as no_note:
                cancel_confirm.confirm(
                    uow, workspace_id, "campaign", [row.id], "pause", "other", " "
                )
            assert no_note.value.field == "note"
            with pytest.raises(NotFound):
                cancel_preview.preview(uow, workspace_id, "campaign", [row.id, 10**12], "pause")
            with pytest.raises(ValidationFailed):
                cancel_preview.preview(uow, workspace_id, "campaign", [row.id], "stop")


def test_freed_goes_to_the_advertiser_its_ad_account_serves(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    """A campaign not allocated on its own frees into the advertiser pool of its ad account
    when that ad account serves exactly one advertiser; with two, into the ad account's pool."""
    from promodesk.accounts.service import allocation
    from tests.integration.accounts_factories import make_advertiser, make_client

    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        with db.transaction() as uow:
            client = make_client(uow, workspace_id)
            brand = make_advertiser(uow, workspace_id, client)
            other = make_advertiser(uow, workspace_id, client)
            allocation.allocate(
                uow, workspace_id, accounts[0], client_account_id=client, advertiser_id=brand
            )
            for advertiser in (brand, other):
                allocation.allocate(
                    uow,
                    workspace_id,
                    accounts[1],
                    client_account_id=client,
                    advertiser_id=advertiser,
                )
        one = live_campaigns(db, accounts[0], 1)
        two = live_campaigns(db, accounts[1], 1)
        with db.read() as uow:
            first = cancel_preview.preview(uow, workspace_id, "campaign", [one[0].id], "pause")
            second = cancel_preview.preview(uow, workspace_id, "campaign", [two[0].id], "pause")
        assert first["items"][0]["advertiser_id"] == brand
        assert second["items"][0]["advertiser_id"] is None


def test_pause_ad_groups_and_ads(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        with db.read() as uow:
            groups = list(
                uow.session.execute(
                    select(TikTokAdGroup)
                    .where(
                        TikTokAdGroup.ad_account_id == accounts[0],
                        TikTokAdGroup.deleted.is_(False),
                        TikTokAdGroup.operation_status == "ENABLE",
                    )
                    .order_by(TikTokAdGroup.id)
                    .limit(2)
                ).scalars()
            )
            group_ids = [g.id for g in groups]
            tiktok_group_ids = [g.adgroup_id for g in groups]
            shown = cancel_preview.preview(uow, workspace_id, "adgroup", group_ids, "pause")
        assert [i["level"] for i in shown["items"]] == ["adgroup", "adgroup"]
        assert all(i["freed_minor"] == i["budget_minor"] for i in shown["items"])
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "adgroup", group_ids, "pause", "budget", ""
            ).id
        drain(db, workspace_id)
        items = _items(db, cancellation_id)
        assert [i.status for i in items] == ["done", "done"]
        assert [i.verify_status for i in items] == ["verified", "verified"]
        world = sb.sandbox.world
        for gid in tiktok_group_ids:
            index = world.index_of("adgroup", 0, gid)
            assert index is not None
            assert world.status("adgroup", 0, index) == "ADGROUP_STATUS_DISABLE"
        with db.read() as uow:
            mirrored = [uow.session.get(TikTokAdGroup, g) for g in group_ids]
            assert {g.operation_status for g in mirrored if g} == {"DISABLE"}


def test_preview_money_from_the_report_store(db: Database) -> None:
    """Spent to date from daily rows, spent today from the hourly rows of the ad account's
    local today, the freed rule per budget mode, the share of the ad account's last 7 days."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from promodesk.kit import clock
    from tests.conftest import make_workspace
    from tests.integration.accounts_factories import make_ad_account, make_report_rows

    workspace_id = make_workspace(db).id
    today = clock.now().astimezone(ZoneInfo("Asia/Singapore")).date()
    day = timedelta(days=1)
    with db.transaction() as uow:
        account = make_ad_account(uow, workspace_id)
        lifetime = make_campaign(uow, workspace_id, account, campaign_id="1801", name="Life")
        daily = make_campaign(uow, workspace_id, account, campaign_id="1802", name="Daily")
        other = make_campaign(uow, workspace_id, account, campaign_id="1803", name="Other")
        for row_id, mode, budget in (
            (lifetime, "BUDGET_MODE_TOTAL", 800_000),
            (daily, "BUDGET_MODE_DAY", 50_000),
            (other, "BUDGET_MODE_INFINITE", 0),
        ):
            row = uow.session.get(TikTokCampaign, row_id)
            assert row is not None
            row.budget_mode, row.budget_minor, row.operation_status = mode, budget, "ENABLE"
        old = (today - 30 * day).isoformat()
        make_report_rows(uow, workspace_id, account, "1801", {old: 400_000, str(today): 20_000})
        make_report_rows(
            uow, workspace_id, account, "1801", {f"{today} 09:00:00": 20_000}, grain="hour"
        )
        make_report_rows(uow, workspace_id, account, "1802", {str(today - day): 30_000})
        make_report_rows(
            uow,
            workspace_id,
            account,
            "1802",
            {f"{today} 08:00:00": 5_000, f"{today} 09:00:00": 7_000},
            grain="hour",
        )
        make_report_rows(uow, workspace_id, account, "1803", {str(today - 2 * day): 50_000})
    with db.read() as uow:
        shown = cancel_preview.preview(
            uow, workspace_id, "campaign", [lifetime, daily, other], "pause"
        )
    life, dai, oth = shown["items"]
    assert (life["spent_to_date_minor"], life["spent_today_minor"]) == (420_000, 20_000)
    assert life["freed_minor"] == 800_000 - 420_000
    assert (dai["spent_to_date_minor"], dai["spent_today_minor"]) == (30_000, 12_000)
    assert dai["freed_minor"] == 50_000 - 12_000
    assert oth["freed_minor"] == 0
    # last 7 days: 20,000 + 30,000 + 50,000 = 100,000 for the ad account
    assert (life["last_7_days_minor"], life["share_base"]) == (20_000, "ad_account")
    assert life["share_percent"] == "20.0"
    assert dai["share_percent"] == "30.0"
    assert shown["totals"] == [
        {
            "currency": "USD",
            "count": 3,
            "budget_minor": 850_000,
            "spent_to_date_minor": 500_000,
            "spent_today_minor": 32_000,
            "last_7_days_minor": 100_000,
            "freed_minor": 418_000,
            "live_children": 0,
        }
    ]


def test_delete_of_an_object_deleted_meanwhile_is_done(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        rows = live_campaigns(db, accounts[1], 2)
        world = sb.sandbox.world
        index = world.index_of("campaign", 1, rows[0].campaign_id)
        assert index is not None
        world.set_status("campaign", 1, index, "DELETE")  # deleted in Ads Manager meanwhile
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "campaign", [r.id for r in rows], "delete", "budget", ""
            ).id
        drain(db, workspace_id)
        assert [i.status for i in _items(db, cancellation_id)] == ["done", "done"]


def test_each_snapshot_is_stored_before_its_object_is_changed(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    """The confirm stores the items (the intent); a step stores the snapshots and money
    figures of the items it sends before sending them, and those of the next step's items
    while its own calls are in flight; a snapshot, once stored, is never replaced."""
    cancel_env.setenv("PROMODESK_ACCOUNTS_CANCEL_CHUNKS_PER_STEP", "1")
    from promodesk.campaigns.settings import campaigns_settings

    campaigns_settings.cache_clear()
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        first, second = live_campaigns(db, accounts[0], 2), live_campaigns(db, accounts[1], 2)
        ids = [r.id for r in first + second]
        with db.read() as uow:
            shown = cancel_preview.preview(uow, workspace_id, "campaign", ids, "pause")
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "campaign", ids, "pause", "budget", ""
            ).id
        items = _items(db, cancellation_id)
        assert [i.snapshot for i in items] == [{}, {}, {}, {}]  # none yet
        assert [i.freed_minor for i in items] == [0, 0, 0, 0]

        # step 1 sends the first ad account's chunk (one chunk per step)
        fetched = cancel_run.prefetch_step(db, cancellation_id)
        assert fetched is not None
        assert set(fetched.results) == {items[0].id, items[1].id}
        taken = {i.id: i.snapshot for i in _items(db, cancellation_id)}
        money = {i.id: i.freed_minor for i in _items(db, cancellation_id)}
        assert list(money.values()) == [i["freed_minor"] for i in shown["items"]]
        for item in items:
            snap = taken[item.id]
            assert snap["object"]["campaign_id"] == item.object_id
            assert snap["taken_at"] <= fetched.at.isoformat()
        for row in second:  # snapshots ahead; not changed yet
            assert _sandbox_status(sb, row.campaign_id) == "CAMPAIGN_STATUS_ENABLE"
        with db.transaction() as uow:
            assert cancel_run.run_step(uow, cancellation_id, fetched) is not None
        drain(db, workspace_id)
        for item in _items(db, cancellation_id):
            assert item.status == "done"
            assert item.snapshot == taken[item.id]  # never replaced
            assert item.freed_minor == money[item.id]
            assert item.stopped_at is not None
            assert item.snapshot["taken_at"] < item.stopped_at.isoformat()
            assert item.snapshot["object"]["operation_status"] == "ENABLE"


def test_an_object_promodesk_no_longer_has_is_not_changed(
    db: Database, sb: SandboxHandle, cancel_env: pytest.MonkeyPatch
) -> None:
    """No snapshot, no change: an object whose mirror row went away between the confirm and
    its step fails with the reason, unsent, and the others go on."""
    with wired(sb):
        workspace_id, accounts = imported(db, sb)
        rows = live_campaigns(db, accounts[0], 2)
        with db.transaction() as uow:
            cancellation_id = cancel_confirm.confirm(
                uow, workspace_id, "campaign", [r.id for r in rows], "pause", "budget", ""
            ).id
        with db.transaction() as uow:
            gone = uow.session.get(TikTokCampaign, rows[0].id)
            uow.session.delete(gone)
        drain(db, workspace_id)
        lost, kept = _items(db, cancellation_id)
        assert lost.status == "failed"
        assert "no snapshot could be taken" in lost.error
        assert lost.snapshot == {}
        assert _sandbox_status(sb, rows[0].campaign_id) == "CAMPAIGN_STATUS_ENABLE"
        assert kept.status == "done"
        assert _sandbox_status(sb, rows[1].campaign_id) == "CAMPAIGN_STATUS_DISABLE"
