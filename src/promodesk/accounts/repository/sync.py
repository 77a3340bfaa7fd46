"""SQL of a sync: upsert one page of mirrored entities, mark the vanished, sync runs.

A page is written with at most four statements (read the page's known rows, insert the new,
update the changed, stamp ``last_seen_run_id`` on the rest), so a sync costs a few statements
per 1,000 entities and never loads an ad account's whole mirror. The insert (PostgreSQL: COPY)
and the update run on the driver over plain tuples: per row, SQLAlchemy's parameter processing
cost more than the database's work, and ``raw`` arrives as JSON text that must not be encoded
a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, select, update

from promodesk.accounts.domain import SyncStatus
from promodesk.kit.repository import Repository
from promodesk.models import (
    TikTokAd,
    TikTokAdGroup,
    TikTokAudience,
    TikTokCampaign,
    TikTokSyncRun,
)

# stage -> (model, external id column)
MIRRORS: dict[str, tuple[Any, str]] = {
    "campaigns": (TikTokCampaign, "campaign_id"),
    "adgroups": (TikTokAdGroup, "adgroup_id"),
    "ads": (TikTokAd, "ad_id"),
    "audiences": (TikTokAudience, "audience_id"),
}
# Rows per multi-row INSERT on SQLite (x ~20 columns: well under its 32,766 parameters).
_SQLITE_BLOCK = 100
# Columns whose change makes a row "changed" (besides coming back from vanished).
_COMPARED = ("modify_time", "operation_status", "secondary_status", "name", "deleted")


@dataclass
class PageResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


class SyncRepository(Repository[TikTokSyncRun]):
    """Sync runs (``get``: one of the workspace) and the mirror's page upserts."""

    model = TikTokSyncRun

    def run(self, run_id: int, *, lock: bool = False) -> TikTokSyncRun | None:
        """Any workspace's run by id: for the job, which carries only the run id."""
        q = select(TikTokSyncRun).where(TikTokSyncRun.id == run_id)
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def open_run(self, ad_account_id: int) -> TikTokSyncRun | None:
        return self.s.execute(
            select(TikTokSyncRun)
            .where(
                TikTokSyncRun.ad_account_id == ad_account_id,
                TikTokSyncRun.status.in_((SyncStatus.QUEUED, SyncStatus.RUNNING)),
            )
            .order_by(TikTokSyncRun.id)
            .limit(1)
        ).scalar_one_or_none()

    def runs(self, workspace_id: int, ad_account_id: int, limit: int = 20) -> list[TikTokSyncRun]:
        return list(
            self.s.execute(
                select(TikTokSyncRun)
                .where(
                    TikTokSyncRun.workspace_id == workspace_id,
                    TikTokSyncRun.ad_account_id == ad_account_id,
                )
                .order_by(TikTokSyncRun.id.desc())
                .limit(limit)
            ).scalars()
        )

    def upsert_page(
        self,
        stage: str,
        workspace_id: int,
        ad_account_id: int,
        run_id: int,
        rows: Sequence[dict[str, Any]],
    ) -> PageResult:
        """Insert new rows, update changed ones, stamp the run on every row of the page."""
        model, key = MIRRORS[stage]
        table = cast(Table, model.__table__)
        result = PageResult()
        if not rows:
            return result
        ids = [r[key] for r in rows]
        col = table.c[key]
        known = self._known(table, key, ad_account_id, ids)
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        seen: set[str] = set()
        for r in rows:
            if r[key] in seen:  # a page boundary shifted under us: the row came twice
                continue
            seen.add(r[key])
            old = known.get(r[key])
            values = {**r, "last_seen_run_id": run_id, "vanished": False}
            if old is None:
                fresh.append(
                    {**values, "workspace_id": workspace_id, "ad_account_id": ad_account_id}
                )
            elif old["vanished"] or any(old[c] != r[c] for c in _COMPARED):
                changed.append({**values, "id": old["id"]})
            else:
                result.unchanged += 1
        if fresh:
            self._write(table, fresh, ("workspace_id", "ad_account_id"), where_id=False)
            result.inserted = len(fresh)
        if changed:
            self._write(table, changed, (), where_id=True)
            result.updated = len(changed)
        if result.unchanged:
            self.s.execute(
                update(table)
                .where(
                    table.c.ad_account_id == ad_account_id,
                    col.in_(ids),
                    table.c.last_seen_run_id != run_id,
                )
                .values(last_seen_run_id=run_id)
            )
        return result

    def _known(
        self, table: Table, key: str, ad_account_id: int, ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        """The page's rows already mirrored, by TikTok id: what the upsert compares."""
        conn = self.s.connection()
        names = ["id", key, "vanished", *_COMPARED]
        head = f"SELECT {', '.join(names)} FROM {table.name} WHERE ad_account_id = "  # noqa: S608
        if conn.dialect.name == "postgresql":
            found = conn.exec_driver_sql(head + f"%s AND {key} = ANY(%s)", (ad_account_id, ids))
        else:
            marks = ", ".join("?" * len(ids))
            found = conn.exec_driver_sql(head + f"? AND {key} IN ({marks})", (ad_account_id, *ids))
        out: dict[str, dict[str, Any]] = {}
        for values in found:
            row = dict(zip(names, values, strict=True))
            row["vanished"], row["deleted"] = bool(row["vanished"]), bool(row["deleted"])
            out[row[key]] = row
        return out

    def _write(
        self, table: Table, rows: Sequence[dict[str, Any]], extra: tuple[str, ...], where_id: bool
    ) -> None:
        """INSERT (or UPDATE by ``id``) ``rows`` with the driver's executemany. Every row has
        the same keys (one builder per stage); ``raw`` is JSON text."""
        conn = self.s.connection()
        dialect = conn.dialect
        pg = dialect.name == "postgresql"
        mark = "%s" if pg else "?"
        names = [k for k in rows[0] if k not in ("id", *extra)]
        # Every row carries ``synced_at``; its type's driver conversion is applied by hand.
        stamp = table.c.synced_at.type.dialect_impl(dialect).bind_processor(dialect)

        def slot(name: str) -> str:
            return f"CAST({mark} AS JSON)" if pg and name == "raw" else mark

        if where_id:
            sets = ", ".join(f"{n} = {slot(n)}" for n in names)
            sql = f"UPDATE {table.name} SET {sets} WHERE id = {mark}"  # noqa: S608 (names only)
            order = [*names, "id"]
        else:
            order = [*extra, *names]
            cols = ", ".join(order)
            marks = ", ".join(slot(n) for n in order)
            sql = f"INSERT INTO {table.name} ({cols}) VALUES ({marks})"  # noqa: S608
        at = order.index("synced_at")
        params = []
        stamped: dict[Any, Any] = {}  # a page's rows share one sync time: convert it once
        for row in rows:
            values = [row[n] for n in order]
            if stamp is not None:
                when = values[at]
                if when not in stamped:
                    stamped[when] = stamp(when)
                values[at] = stamped[when]
            params.append(tuple(values))
        if pg and not where_id:
            # COPY: psycopg writes the rows in its C adapters, a fraction of executemany's
            # per-row cost (a page is up to 1,000 rows of ~15 columns).
            cursor = conn.connection.cursor()
            columns = ", ".join(order)
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for item in params:
                    copy.write_row(item)
            return
        if pg or where_id:
            conn.exec_driver_sql(sql, params)
            return
        # SQLite: blocks of rows per INSERT. Python's driver gives up the GIL around every
        # statement step, and under load each step then waits for it again while holding the
        # write lock. Blocks have one size, so each connection caches one such statement.
        one = "(" + ", ".join("?" * len(order)) + ")"
        head = sql.split(" VALUES ", 1)[0]
        block = f"{head} VALUES {', '.join([one] * _SQLITE_BLOCK)}"
        whole = len(params) - len(params) % _SQLITE_BLOCK
        for start in range(0, whole, _SQLITE_BLOCK):
            part = params[start : start + _SQLITE_BLOCK]
            conn.exec_driver_sql(block, tuple(v for values in part for v in values))
        if whole < len(params):
            conn.exec_driver_sql(sql, params[whole:])

    def mark_vanished(self, stage: str, ad_account_id: int, run_id: int) -> int:
        """Rows the run's complete listing did not return are gone from TikTok."""
        model, _ = MIRRORS[stage]
        table = cast(Table, model.__table__)
        res = self.s.execute(
            update(table)
            .where(
                and_(
                    table.c.ad_account_id == ad_account_id,
                    table.c.last_seen_run_id != run_id,
                    table.c.vanished.is_(False),
                )
            )
            .values(vanished=True)
        )
        return int(getattr(res, "rowcount", 0) or 0)
