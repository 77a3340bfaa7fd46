"""The per-object totals the report sync keeps beside its rows (what the promotions index shows
as lifetime spend, without summing reports per page), against the sandbox over real HTTP on
SQLite and PostgreSQL: after a first sync (a deleted campaign included) and after a later one
that revises days with late conversions, every object's total equals the sum of its daily rows,
and the index's lifetime spend and results are those sums."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import TikTokReportRow, TikTokReportTotal
from promodesk.promotions.domain.index import filters
from promodesk.promotions.service.index import iter_promotions
from tests.integration import test_report_sync as base
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle

Sums = dict[tuple[int, str, str], tuple[int, int]]
# the report sync tests' sandbox, frozen clock and small pages
frozen, sb, small_pages = base.frozen, base.sb, base.small_pages


def _sums(db: Database, workspace_id: int) -> tuple[Sums, Sums]:
    """(the totals kept, the sums of the daily rows) per (ad account, level, object)."""
    R, T = TikTokReportRow, TikTokReportTotal
    with db.read() as uow:
        rows = uow.session.execute(
            select(
                R.ad_account_id,
                R.level,
                R.object_id,
                func.sum(R.spend_minor),
                func.sum(R.conversions),
            )
            .where(R.workspace_id == workspace_id, R.grain == "day")
            .group_by(R.ad_account_id, R.level, R.object_id)
        ).all()
        kept = uow.session.execute(
            select(T.ad_account_id, T.level, T.object_id, T.spend_minor, T.conversions).where(
                T.workspace_id == workspace_id
            )
        ).all()
    return (
        {(int(a), lv, o): (int(s), int(c)) for a, lv, o, s, c in kept},
        {(int(a), lv, o): (int(s), int(c)) for a, lv, o, s, c in rows},
    )


def _index(db: Database, workspace_id: int) -> dict[tuple[str, str], tuple[int, int]]:
    """(kind, TikTok id) -> (lifetime spend, results) as the promotions index lists them."""
    with db.read() as uow:
        return {
            (r.kind.value, str(r.external_id)): (r.spend.minor if r.spend else 0, r.results or 0)
            for r in iter_promotions(uow, workspace_id, filters(channel="tiktok_ads"))
        }


def test_totals_equal_the_rows_after_syncs_and_revisions(
    db: Database, sb: SandboxHandle, frozen: clock.FrozenClock
) -> None:
    deleted = base._delete_a_spender(sb, frozen, 0)
    with wired(sb, page_size=50):
        workspace_id, accounts = base._imported(db, sb)
        for account in accounts:
            base._sync(db, workspace_id, account)
        kept, rows = _sums(db, workspace_id)
        assert rows
        assert kept == rows
        assert any(k[1] == "campaign" and k[2] == deleted for k in kept)
        listed = _index(db, workspace_id)
        for (_account, level, object_id), (spend, conversions) in rows.items():
            assert listed[(level, object_id)] == (spend, conversions)
        # Two days later: days of the attribution window read again, late conversions.
        frozen.advance(timedelta(days=2))
        for account in accounts:
            base._sync(db, workspace_id, account)
    kept_after, rows_after = _sums(db, workspace_id)
    assert kept_after == rows_after
    assert any(rows_after[k] != rows[k] for k in rows)  # revised (or new days)
    listed = _index(db, workspace_id)
    for (_account, level, object_id), (spend, conversions) in rows_after.items():
        assert listed[(level, object_id)] == (spend, conversions)
    # the deleted campaign keeps its history in the list
    assert listed[("campaign", deleted)][0] > 0
