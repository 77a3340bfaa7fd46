"""SQL of the objects a cancellation acts on: the mirror rows of its campaigns, ad groups and
ads, looked up by row id or TikTok id, and their statuses written in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import defer

from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.models import TikTokAd, TikTokAdGroup, TikTokCampaign

MODELS: dict[str, Any] = {"campaign": TikTokCampaign, "adgroup": TikTokAdGroup, "ad": TikTokAd}
ID_COLUMN = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}


class ObjectsRepository(CancellationsRepository):
    """The mirror rows of the objects; each use case's repository builds on it."""

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
