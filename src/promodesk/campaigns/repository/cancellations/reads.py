"""All SQL of cancellations starts here: one cancellation and its items, the log with filters,
the ad accounts of the objects, and the team an alert goes to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer

from promodesk.models import (
    CampaignCancellation,
    CampaignCancellationItem,
    Membership,
    TikTokAdAccount,
    User,
)

Item = CampaignCancellationItem


class CancellationsRepository:
    """The cancellations and their items as every use case reads them."""

    # Many objects of one ad account per statement: the cancel of thousands of campaigns runs
    # in a few statements per step.
    CHUNK = 500

    def __init__(self, uow: Any) -> None:
        self.s = uow.session

    def _parts(self, ids: Sequence[str]) -> list[list[str]]:
        items = list(dict.fromkeys(ids))
        return [items[i : i + self.CHUNK] for i in range(0, len(items), self.CHUNK)]

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

    def accounts(self, workspace_id: int, ids: Iterable[int]) -> dict[int, TikTokAdAccount]:
        q = select(TikTokAdAccount).where(
            TikTokAdAccount.workspace_id == workspace_id, TikTokAdAccount.id.in_(list(set(ids)))
        )
        return {a.id: a for a in self.s.execute(q).scalars()}

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
