"""What the Shop console pages share: the selection a page or a form names, labels of the
stages and reasons, product titles, the team's time zone.

Rules:
- A selection is either explicit enrollment ids (checkboxes ``e`` on a GET form, or the
  comma-joined ``ids`` field of a POST form; at most ``MAX_IDS``) or a filter (activity, shop,
  states) meaning "every cancellable enrollment it matches". Anything unparsable is a
  ``ValidationFailed`` naming the field (console/forms.py), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from promodesk.console import forms
from promodesk.console.labels import LABELS
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.shop.domain.enrollments import CANCELLABLE
from promodesk.shop.domain.window import zone
from promodesk.shop.service import catalog as catalog_service
from promodesk.shop.service import shops as shops_service
from promodesk.shop.service.batches import Selection

STATES = LABELS["shop_state"]
REASONS = LABELS["shop_reason"]
PATHS = LABELS["shop_path"]
ALTERNATIVES = LABELS["shop_alternative"]
RULES = LABELS["shop_rule"]
ITEM_CODES = LABELS["shop_item_code"]
BADGES = {
    "pending_review": "pending",
    "approved": "approved",
    "live": "running",
    "stock_zeroed": "partial",
    "withdrawn": "cancelled",
    "removed": "cancelled",
    "terminated": "cancelled",
    "delisted": "stopped",
    "replaced": "stopped",
    "rejected": "rejected",
}


@dataclass(frozen=True)
class Chosen:
    """A selection and the fields that carry it to the next form."""

    selection: Selection
    hidden: dict[str, str]

    @property
    def query(self) -> str:
        return urlencode(self.hidden)


def chosen(values: dict[str, str], ids: list[str] | None = None) -> Chosen:
    """From a GET query (checkbox list ``ids``) or a POST form (``ids`` joined by commas);
    ``all=1`` takes the filter instead of the ids."""
    state = values.get("state", "")
    if state and state not in CANCELLABLE:
        raise ValidationFailed("pick a stage that can be cancelled", field="state")
    activity_id = forms.optional_id(values.get("activity_id"))
    shop_id = forms.optional_id(values.get("shop_id"))
    if values.get("all") == "1":
        if activity_id is None and shop_id is None:
            raise ValidationFailed("choose an activity or a shop first", field="activity_id")
        hidden = {"all": "1", "activity_id": str(activity_id or ""), "shop_id": str(shop_id or "")}
        if state:
            hidden["state"] = state
        sel = Selection(activity_id=activity_id, shop_id=shop_id, states=[state] if state else None)
        return Chosen(sel, {k: v for k, v in hidden.items() if v})
    found = forms.id_list(",".join(ids) if ids is not None else values.get("ids", ""), "ids")
    if not found:
        raise ValidationFailed("select at least one product", field="ids")
    return Chosen(Selection(enrollment_ids=found), {"ids": ",".join(str(i) for i in found)})


def titles(uow: UnitOfWork, workspace_id: int, shop_ids: set[int]) -> dict[int, str]:
    """Product titles of the shops (the console shows titles, not ids)."""
    found: dict[int, str] = {}
    for shop_id in shop_ids:
        after = 0
        while True:
            rows = shops_service.list_products(
                uow, workspace_id, shop_id, after_id=after, limit=500
            )
            found.update({p.id: p.title for p in rows})
            if len(rows) < 500:
                break
            after = rows[-1].id
    return found


def local(at: datetime | str | None, tz_name: str) -> str:
    """A time in the shop's zone, as its team reads it."""
    if at is None or at == "":
        return "—"
    value = datetime.fromisoformat(at) if isinstance(at, str) else at
    return f"{value.astimezone(zone(tz_name)):%Y-%m-%d %H:%M} ({tz_name})"


def page_zone(shops: list[Any]) -> str:
    """The zone a shop page shows its times in (and names in its footer): the shop's own, or
    the one zone all the shops shown share; UTC when they differ."""
    zones = {s.timezone for s in shops if s is not None}
    return zones.pop() if len(zones) == 1 else "UTC"


def workspace_zone(uow: UnitOfWork, workspace_id: int) -> str:
    return page_zone(shops_service.list_shops(uow, workspace_id, limit=200))


def activities_and_shops(uow: UnitOfWork, workspace_id: int) -> dict[str, Any]:
    return {
        "activities": catalog_service.list_activities(uow, workspace_id, limit=200),
        "shops": shops_service.list_shops(uow, workspace_id, limit=200),
    }
