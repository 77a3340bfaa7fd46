"""All SQL of cancellations: the objects to cancel, their children, the advertiser's spend, the
cancellations and their items, and the team an alert goes to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, Text, bindparam, case, cast, func, insert, or_, select, update
from sqlalchemy.orm import defer

from promodesk.models import (
    AdAccountAllocation,
    CampaignAllocation,
    CampaignCancellation,
    CampaignCancellationItem,
    Membership,
    TikTokAd,
    TikTokAdAccount,
    TikTokAdGroup,
    TikTokCampaign,
    TikTokReportRow,
    User,
)

Item = CampaignCancellationItem
MODELS: dict[str, Any] = {"campaign": TikTokCampaign, "adgroup": TikTokAdGroup, "ad": TikTokAd}
ID_COLUMN = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}
# An item's snapshot until its step stores one: the empty JSON object, as the column keeps it.
NO_SNAPSHOT = "{}"
# The item columns taken with its snapshot: whom the freed money goes to, and the money.
FIGURES = (
    "client_account_id",
    "advertiser_id",
    "currency",
    "budget_mode",
    "budget_minor",
    "spent_to_date_minor",
    "spent_today_minor",
    "last_7_days_minor",
    "freed_minor",
    "status_before",
)


class CancellationsRepository:
    def __init__(self, uow: Any) -> None:
        self.s = uow.session

    # the objects ---------------------------------------------------------------------------

    def objects(
        self, workspace_id: int, level: str, row_ids: Sequence[int], *, light: bool = False
    ) -> list[Any]:
        """The mirror rows of ``level`` with these ids in the workspace (any order); ``light``
        leaves their settings (``raw``) unloaded."""
        model = MODELS[level]
        found: list[Any] = []
        ids = list(row_ids)
        for start in range(0, len(ids), 500):
            q = select(model).where(
                model.workspace_id == workspace_id, model.id.in_(ids[start : start + 500])
            )
            if light:
                q = q.options(defer(model.raw))
            found.extend(self.s.execute(q).scalars())
        return found

    def objects_by_tiktok_id(
        self, workspace_id: int, level: str, object_ids: Sequence[str], ad_account_id: int | None
    ) -> list[Any]:
        model = MODELS[level]
        column = getattr(model, ID_COLUMN[level])
        q = select(model).where(model.workspace_id == workspace_id, column.in_(list(object_ids)))
        if ad_account_id is not None:
            q = q.where(model.ad_account_id == ad_account_id)
        return list(self.s.execute(q).scalars())

    def object_row(self, level: str, ad_account_id: int, object_id: str, lock: bool = False) -> Any:
        model = MODELS[level]
        q = select(model).where(
            model.ad_account_id == ad_account_id, getattr(model, ID_COLUMN[level]) == object_id
        )
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def accounts(self, workspace_id: int, ids: Iterable[int]) -> dict[int, TikTokAdAccount]:
        q = select(TikTokAdAccount).where(
            TikTokAdAccount.workspace_id == workspace_id, TikTokAdAccount.id.in_(list(set(ids)))
        )
        return {a.id: a for a in self.s.execute(q).scalars()}

    def allocations(self, campaign_keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        """(ad account id, TikTok campaign id) → its allocation (``client_account_id``,
        ``advertiser_id``): the campaign's own, else its ad account's when that serves one pair."""
        keys = list(set(campaign_keys))
        found: dict[tuple[int, str], Any] = {}
        for start in range(0, len(keys), 300):
            part = keys[start : start + 300]
            accounts = {k[0] for k in part}
            ids = {k[1] for k in part}
            q = (
                select(TikTokCampaign.ad_account_id, TikTokCampaign.campaign_id, CampaignAllocation)
                .join(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
                .where(
                    TikTokCampaign.ad_account_id.in_(accounts),
                    TikTokCampaign.campaign_id.in_(ids),
                )
            )
            for account_id, campaign_id, alloc in self.s.execute(q):
                if (account_id, campaign_id) in part:
                    found[(int(account_id), str(campaign_id))] = alloc
        # A campaign not allocated on its own belongs to its ad account's advertiser when the
        # ad account serves exactly one (client account, advertiser) pair.
        missing = {k[0] for k in keys if k not in found}
        if missing:
            by_account: dict[int, list[AdAccountAllocation]] = {}
            q2 = select(AdAccountAllocation).where(AdAccountAllocation.ad_account_id.in_(missing))
            for row in self.s.scalars(q2):
                by_account.setdefault(int(row.ad_account_id), []).append(row)
            for key in keys:
                only = by_account.get(key[0], [])
                if key not in found and len(only) == 1:
                    found[key] = only[0]
        return found

    def children(self, level: str, ad_account_id: int, object_id: str) -> dict[str, list[Any]]:
        """A campaign's ad groups and ads, an ad group's ads (mirror rows, deleted included)."""
        if level == "campaign":
            groups = self.s.execute(
                select(TikTokAdGroup)
                .where(
                    TikTokAdGroup.ad_account_id == ad_account_id,
                    TikTokAdGroup.campaign_id == object_id,
                )
                .order_by(TikTokAdGroup.id)
            ).scalars()
            ads = self.s.execute(
                select(TikTokAd)
                .where(TikTokAd.ad_account_id == ad_account_id, TikTokAd.campaign_id == object_id)
                .order_by(TikTokAd.id)
            ).scalars()
            return {"adgroups": list(groups), "ads": list(ads)}
        if level == "adgroup":
            ads = self.s.execute(
                select(TikTokAd)
                .where(TikTokAd.ad_account_id == ad_account_id, TikTokAd.adgroup_id == object_id)
                .order_by(TikTokAd.id)
            ).scalars()
            return {"adgroups": [], "ads": list(ads)}
        return {"adgroups": [], "ads": []}

    def spend_of_campaigns(
        self,
        workspace_id: int,
        since: str,
        until: str,
        *,
        advertiser_id: int | None = None,
        ad_account_id: int | None = None,
    ) -> int:
        """Daily campaign spend ``since <= day < until`` of one client advertiser's campaigns
        (through their allocations), or of one ad account's."""
        R = TikTokReportRow
        q = select(func.coalesce(func.sum(R.spend_minor), 0)).where(
            R.workspace_id == workspace_id,
            R.level == "campaign",
            R.grain == "day",
            R.stat_time >= since,
            R.stat_time < until,
        )
        if advertiser_id is not None:
            q = (
                q.join(
                    TikTokCampaign,
                    (TikTokCampaign.ad_account_id == R.ad_account_id)
                    & (TikTokCampaign.campaign_id == R.object_id),
                )
                .join(CampaignAllocation, CampaignAllocation.campaign_row_id == TikTokCampaign.id)
                .where(CampaignAllocation.advertiser_id == advertiser_id)
            )
        elif ad_account_id is not None:
            q = q.where(R.ad_account_id == ad_account_id)
        return int(self.s.execute(q).scalar() or 0)

    def freed_before(self, ad_account_id: int, level: str, object_id: str) -> int:
        """What earlier done cancellations of this object freed and no undo took back."""
        q = select(func.coalesce(func.sum(Item.freed_minor), 0)).where(
            Item.ad_account_id == ad_account_id,
            Item.level == level,
            Item.object_id == object_id,
            Item.status == "done",
            Item.undone_at.is_(None),
        )
        return int(self.s.execute(q).scalar() or 0)

    # cancellations -------------------------------------------------------------------------

    def add(self, row: Any) -> None:
        self.s.add(row)
        self.s.flush()

    def get(self, workspace_id: int, cancellation_id: int, lock: bool = False) -> Any:
        q = select(CampaignCancellation).where(
            CampaignCancellation.id == cancellation_id,
            CampaignCancellation.workspace_id == workspace_id,
        )
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def get_any(self, cancellation_id: int, lock: bool = False) -> Any:
        q = select(CampaignCancellation).where(CampaignCancellation.id == cancellation_id)
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def items(
        self,
        cancellation_id: int,
        statuses: Iterable[str] | None = None,
        lock: bool = False,
        *,
        ids: Iterable[int] | None = None,
        light: bool = False,
    ) -> list[Item]:
        """The items in id order; ``ids`` only those; ``light`` leaves the snapshot and the
        verification detail unloaded (loaded on access): the run's steps never read them."""
        q = select(Item).where(Item.cancellation_id == cancellation_id).order_by(Item.id)
        if statuses is not None:
            q = q.where(Item.status.in_(list(statuses)))
        if ids is not None:
            q = q.where(Item.id.in_(list(ids)))
        if light:
            q = q.options(defer(Item.snapshot), defer(Item.verify_detail))
        if lock:
            q = q.with_for_update()
        return list(self.s.execute(q).scalars())

    def count_items(self, cancellation_id: int, status: str) -> int:
        q = select(func.count()).where(
            Item.cancellation_id == cancellation_id, Item.status == status
        )
        return int(self.s.execute(q).scalar() or 0)

    def item(self, workspace_id: int, item_id: int, lock: bool = False) -> Item | None:
        q = select(Item).where(Item.id == item_id, Item.workspace_id == workspace_id)
        if lock:
            q = q.with_for_update()
        found: Item | None = self.s.execute(q).scalar_one_or_none()
        return found

    def items_of(self, cancellation_ids: Sequence[int]) -> list[Item]:
        if not cancellation_ids:
            return []
        q = select(Item).where(Item.cancellation_id.in_(list(cancellation_ids))).order_by(Item.id)
        return list(self.s.execute(q).scalars())

    def search(
        self,
        workspace_id: int,
        *,
        before_id: int | None,
        limit: int,
        status: str | None = None,
        reason_code: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[CampaignCancellation]:
        C = CampaignCancellation
        q = select(C).where(C.workspace_id == workspace_id)
        if before_id:
            q = q.where(C.id < before_id)
        if status is not None:
            q = q.where(C.status == status)
        if reason_code is not None:
            q = q.where(C.reason_code == reason_code)
        if action is not None:
            q = q.where(C.action == action)
        if since is not None:
            q = q.where(C.created_at >= since)
        if until is not None:
            q = q.where(C.created_at < until)
        return list(self.s.execute(q.order_by(C.id.desc()).limit(limit)).scalars())

    def set_status(self, cancellation_id: int, expected: Iterable[str], new: str) -> int:
        """Compare-and-set of the cancellation's status; the number of rows changed."""
        res = self.s.execute(
            update(CampaignCancellation)
            .where(
                CampaignCancellation.id == cancellation_id,
                CampaignCancellation.status.in_(list(expected)),
            )
            .values(status=new)
        )
        return int(getattr(res, "rowcount", 0) or 0)

    # the team ------------------------------------------------------------------------------

    def team_emails(self, workspace_id: int, roles: Iterable[str]) -> list[str]:
        q = (
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.workspace_id == workspace_id,
                Membership.role.in_(list(roles)),
                User.is_active.is_(True),
            )
            .order_by(User.email)
        )
        return [str(e) for e in self.s.execute(q).scalars() if e]


class BulkCancellations(CancellationsRepository):
    """The same tables, many objects of one ad account per statement (the cancel of
    thousands of campaigns runs in a few statements per step)."""

    CHUNK = 500

    def _parts(self, ids: Sequence[str]) -> list[list[str]]:
        items = list(dict.fromkeys(ids))
        return [items[i : i + self.CHUNK] for i in range(0, len(items), self.CHUNK)]

    def object_rows(
        self, level: str, ad_account_id: int, object_ids: Sequence[str]
    ) -> dict[str, Any]:
        model = MODELS[level]
        column = getattr(model, ID_COLUMN[level])
        found: dict[str, Any] = {}
        for part in self._parts(object_ids):
            q = select(model).where(model.ad_account_id == ad_account_id, column.in_(part))
            for row in self.s.execute(q).scalars():
                found[str(getattr(row, ID_COLUMN[level]))] = row
        return found

    def children_of(
        self, level: str, ad_account_id: int, object_ids: Sequence[str]
    ) -> dict[str, dict[str, list[Any]]]:
        """Per object id: its ad groups and ads (a campaign) or its ads (an ad group), as rows
        of (parent id, deleted, operation_status, secondary_status, raw): no ORM objects."""
        out: dict[str, dict[str, list[Any]]] = {
            oid: {"adgroups": [], "ads": []} for oid in object_ids
        }
        if level == "ad":
            return out
        G, A = TikTokAdGroup, TikTokAd

        def rows(model: Any, parent: Any, part: list[str]) -> Any:
            return self.s.execute(
                select(
                    parent.label("parent"),
                    model.deleted,
                    model.operation_status,
                    model.secondary_status,
                    model.raw,
                )
                .where(model.ad_account_id == ad_account_id, parent.in_(part))
                .order_by(model.id)
            ).all()

        for part in self._parts(object_ids):
            if level == "campaign":
                for g in rows(G, G.campaign_id, part):
                    out[g.parent]["adgroups"].append(g)
                for a in rows(A, A.campaign_id, part):
                    out[a.parent]["ads"].append(a)
            else:
                for a in rows(A, A.adgroup_id, part):
                    out[a.parent]["ads"].append(a)
        return out

    def children_statuses(
        self, level: str, ad_account_id: int, object_ids: Sequence[str]
    ) -> dict[str, list[Any]]:
        """Per object id: its children (ad groups and ads of a campaign, ads of an ad group)
        counted per status, as rows of (deleted, operation_status, secondary_status, n)."""
        out: dict[str, list[Any]] = {oid: [] for oid in object_ids}
        if level == "ad":
            return out
        G, A = TikTokAdGroup, TikTokAd
        kinds: list[tuple[Any, Any]] = [(A, A.adgroup_id)]
        if level == "campaign":
            kinds = [(G, G.campaign_id), (A, A.campaign_id)]
        for part in self._parts(object_ids):
            for model, parent in kinds:
                keys = (parent, model.deleted, model.operation_status, model.secondary_status)
                q = (
                    select(*keys, func.count().label("n"))
                    .where(model.ad_account_id == ad_account_id, parent.in_(part))
                    .group_by(*keys)
                )
                for row in self.s.execute(q):
                    out[str(row[0])].append(row)
        return out

    def spend_figures(
        self,
        workspace_id: int,
        level: str,
        ad_account_id: int,
        object_ids: Sequence[str],
        *,
        epoch: str,
        week_since: str,
        today: str,
        tomorrow: str,
    ) -> dict[str, tuple[int, int, int, int | None]]:
        """Per object id with report rows: the daily spend ``epoch <= day < tomorrow``, of
        ``week_since <= day``, of ``today <= day``, and the hourly spend of today's hours
        (None without hourly rows): one statement per chunk of objects."""
        R = TikTokReportRow
        day, hour, spend = R.grain == "day", R.grain == "hour", R.spend_minor
        midnight = " 00:00:00"
        found: dict[str, tuple[int, int, int, int | None]] = {}
        for part in self._parts(object_ids):
            q = (
                select(
                    R.object_id,
                    func.sum(case((day, spend), else_=0)),
                    func.sum(case((day & (R.stat_time >= week_since), spend), else_=0)),
                    func.sum(case((day & (R.stat_time >= today), spend), else_=0)),
                    func.sum(case((hour, spend))),
                )
                .where(
                    R.workspace_id == workspace_id,
                    R.level == level,
                    R.ad_account_id == ad_account_id,
                    R.object_id.in_(part),
                    or_(
                        day & (R.stat_time >= epoch) & (R.stat_time < tomorrow),
                        hour
                        & (R.stat_time >= f"{today}{midnight}")
                        & (R.stat_time < f"{tomorrow}{midnight}"),
                    ),
                )
                .group_by(R.object_id)
            )
            for oid, to_date, week, today_days, today_hours in self.s.execute(q):
                found[str(oid)] = (
                    int(to_date or 0),
                    int(week or 0),
                    int(today_days or 0),
                    None if today_hours is None else int(today_hours),
                )
        return found

    def insert_items(self, rows: list[dict[str, Any]]) -> None:
        """Many items in one multi-row INSERT per chunk."""
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(insert(Item), rows[start : start + self.CHUNK])

    def freed_before_many(
        self, ad_account_id: int, level: str, object_ids: Sequence[str]
    ) -> dict[str, int]:
        found: dict[str, int] = {}
        for part in self._parts(object_ids):
            q = (
                select(Item.object_id, func.sum(Item.freed_minor))
                .where(
                    Item.ad_account_id == ad_account_id,
                    Item.level == level,
                    Item.object_id.in_(part),
                    Item.status == "done",
                    Item.undone_at.is_(None),
                )
                .group_by(Item.object_id)
            )
            for oid, total in self.s.execute(q):
                found[str(oid)] = int(total or 0)
        return found

    def set_objects(
        self,
        level: str,
        ad_account_id: int,
        object_ids: Sequence[str],
        values: dict[str, Any],
    ) -> None:
        model = MODELS[level]
        column = getattr(model, ID_COLUMN[level])
        for part in self._parts(object_ids):
            self.s.execute(
                update(model)
                .where(model.ad_account_id == ad_account_id, column.in_(part))
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def set_children(
        self,
        parent_level: str,
        child_level: str,
        ad_account_id: int,
        parent_ids: Sequence[str],
        values: dict[str, Any],
    ) -> None:
        """The children not deleted themselves take ``values``."""
        model = MODELS[child_level]
        parent = getattr(model, ID_COLUMN[parent_level])
        for part in self._parts(parent_ids):
            self.s.execute(
                update(model)
                .where(
                    model.ad_account_id == ad_account_id,
                    parent.in_(part),
                    model.deleted.is_(False),
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    # items in bulk ---------------------------------------------------------------------------

    def pending_rows(self, cancellation_id: int, ids: Sequence[int]) -> list[Any]:
        """(id, ad_account_id, level, object_id, advertiser_id, currency, freed_minor) of the
        listed items still pending: plain rows, no ORM objects to flush."""
        found: list[Any] = []
        for start in range(0, len(ids), self.CHUNK):
            q = select(
                Item.id,
                Item.ad_account_id,
                Item.level,
                Item.object_id,
                Item.advertiser_id,
                Item.currency,
                Item.freed_minor,
            ).where(
                Item.cancellation_id == cancellation_id,
                Item.status == "pending",
                Item.id.in_(list(ids[start : start + self.CHUNK])),
            )
            found.extend(self.s.execute(q).all())
        return found

    def pending_keys(self, cancellation_id: int) -> list[Any]:
        """(id, ad_account_id, level, object_id, taken) of the pending items in id order: plain
        rows, what a step needs to group its status updates; ``taken``: the item's snapshot
        is stored."""
        q = (
            select(
                Item.id,
                Item.ad_account_id,
                Item.level,
                Item.object_id,
                (cast(Item.snapshot, Text) != NO_SNAPSHOT).label("taken"),
            )
            .where(Item.cancellation_id == cancellation_id, Item.status == "pending")
            .order_by(Item.id)
        )
        return list(self.s.execute(q).all())

    def without_snapshot(self, cancellation_id: int, ids: Sequence[int]) -> list[Any]:
        """(id, row_id, level) of these items still pending with no snapshot, locked."""
        found: list[Any] = []
        for start in range(0, len(ids), self.CHUNK):
            q = (
                select(Item.id, Item.row_id, Item.level)
                .where(
                    Item.cancellation_id == cancellation_id,
                    Item.id.in_(list(ids[start : start + self.CHUNK])),
                    Item.status == "pending",
                    cast(Item.snapshot, Text) == NO_SNAPSHOT,
                )
                .order_by(Item.id)
                .with_for_update()
            )
            found.extend(self.s.execute(q).all())
        return found

    def store_snapshots(self, taken: dict[int, dict[str, Any]]) -> None:
        """Item id → its ``snapshot`` and money figures (the item columns of ``FIGURES``),
        stored only where no snapshot is yet (one executemany): a snapshot, once stored, is
        never replaced, nor the figures taken with it."""
        if not taken:
            return
        t: Table = Item.__table__  # type: ignore[assignment]
        columns = ("snapshot", *FIGURES)
        stmt = (
            update(t)
            .where(t.c.id == bindparam("s_item_id"), cast(t.c.snapshot, Text) == NO_SNAPSHOT)
            .values({c: bindparam(f"s_{c}", type_=t.c[c].type) for c in columns})
        )
        rows = [
            {"s_item_id": item_id, **{f"s_{c}": values[c] for c in columns}}
            for item_id, values in taken.items()
        ]
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(stmt, rows[start : start + self.CHUNK])

    def set_verdicts(self, verdicts: list[dict[str, Any]]) -> None:
        """Verification results of many items in one executemany: each dict has ``item_id``,
        ``spend_after_minor``, ``verified_at``, ``verify_detail`` and ``verify_status``."""
        if not verdicts:
            return
        t: Table = Item.__table__  # type: ignore[assignment]
        stmt = (
            update(t)
            .where(t.c.id == bindparam("v_item_id"))
            .values(
                spend_after_minor=bindparam("v_spend"),
                verified_at=bindparam("v_at", type_=t.c.verified_at.type),
                verify_detail=bindparam("v_detail", type_=t.c.verify_detail.type),
                verify_status=bindparam("v_status"),
            )
        )
        rows = [
            {
                "v_item_id": v["item_id"],
                "v_spend": v["spend_after_minor"],
                "v_at": v["verified_at"],
                "v_detail": v["verify_detail"],
                "v_status": v["verify_status"],
            }
            for v in verdicts
        ]
        for start in range(0, len(rows), self.CHUNK):
            self.s.execute(stmt, rows[start : start + self.CHUNK])

    def last_stop(self, cancellation_id: int) -> datetime | None:
        """The latest ``stopped_at`` of the cancellation's items."""
        q = select(func.max(Item.stopped_at)).where(Item.cancellation_id == cancellation_id)
        found: datetime | None = self.s.execute(q).scalar()
        return found

    def set_items(self, ids: Sequence[int], sources: Iterable[str], values: dict[str, Any]) -> int:
        """Compare-and-set of many items: only those in one of ``sources`` change."""
        changed = 0
        allowed = [str(getattr(x, "value", x)) for x in sources]
        for start in range(0, len(ids), self.CHUNK):
            res = self.s.execute(
                update(Item)
                .where(Item.id.in_(list(ids[start : start + self.CHUNK])), Item.status.in_(allowed))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            changed += int(getattr(res, "rowcount", 0) or 0)
        return changed

    def status_counts(self, cancellation_id: int) -> dict[str, int]:
        q = (
            select(Item.status, func.count())
            .where(Item.cancellation_id == cancellation_id)
            .group_by(Item.status)
        )
        return {str(s): int(n) for s, n in self.s.execute(q)}

    def to_verify(self, cancellation_id: int) -> int:
        q = select(func.count()).where(
            Item.cancellation_id == cancellation_id,
            Item.status == "done",
            Item.verify_status == "pending",
        )
        return int(self.s.execute(q).scalar() or 0)
