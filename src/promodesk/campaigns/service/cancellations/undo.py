"""Undo a cancelled object: enable a paused one again, or re-create a deleted campaign from the
snapshot taken before the cancel.

Rules:
- ``undo``: only a done item of a **pause**, not undone yet. TikTok ``ENABLE``s the object; the
  item records ``undone_at``, the mirror shows it on again, and what the cancel freed and the
  pool still holds is taken back (``campaigns.unfreed``, ref ``undo:{item_id}``; money already
  reallocated stays reallocated). A delete cannot be undone (re-create it instead).
- ``recreate``: only a done item of a **deleted campaign**, not re-created yet. The campaign is
  created again from the snapshot through ``campaign/create/`` (with a ``request_id`` of the
  deleted campaign's id and the item's, so a retry makes no second campaign), then each ad
  group that was not deleted through ``adgroup/create/`` and its ads through ``ad/create/``.
  A schedule that started in the past starts now. The new ids are linked on the item
  (``recreated_object_id``, and the children's in ``snapshot["recreated"]``) and audited; a
  sync of the ad account is started so the list shows the new campaign. A re-creation TikTok
  stops half-way (an ad group it refuses) keeps what was made and says what failed
  (``recreated.error``).
- Both run like a campaign change: read and check in a short unit, call TikTok with no
  transaction open, write in a second unit. A TikTok refusal changes nothing here and answers
  409 ``TikTokRefused`` with TikTok's words.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from promodesk.accounts.domain import Refusal
from promodesk.accounts.errors import TikTokUnavailable
from promodesk.accounts.service import allocation as accounts_alloc
from promodesk.accounts.service import grants
from promodesk.accounts.service import sync as accounts_sync
from promodesk.audit.service import record
from promodesk.campaigns.domain.cancellations import Action, ItemStatus, Level, enabled
from promodesk.campaigns.errors import TikTokRefused
from promodesk.campaigns.repository.cancellations.objects import ObjectsRepository
from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.campaigns.service import freed
from promodesk.campaigns.service.cancellations.reads import item_view
from promodesk.integrations.tiktok import errors as tt
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import CampaignCancellationItem

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ADGROUP_FIELDS = (
    "adgroup_name",
    "budget_mode",
    "schedule_type",
    "optimization_goal",
    "billing_event",
    "pacing",
    "placement_type",
    "location_ids",
    "placements",
    "age_groups",
    "gender",
    "languages",
    "promotion_type",
    "bid_type",
    "audience_ids",
)
CREATIVE_FIELDS = (
    "ad_name",
    "ad_format",
    "ad_text",
    "call_to_action",
    "landing_page_url",
    "display_name",
    "identity_id",
    "identity_type",
)


def _item(uow: UnitOfWork, workspace_id: int, item_id: int, lock: bool = False) -> Any:
    found = CancellationsRepository(uow).item(workspace_id, item_id, lock=lock)
    if found is None:
        raise NotFound(f"cancellation item {item_id} not found")
    return found


def _action(uow: UnitOfWork, item: CampaignCancellationItem) -> Action:
    c = CancellationsRepository(uow).get(item.workspace_id, item.cancellation_id)
    if c is None:
        raise NotFound(f"cancellation {item.cancellation_id} not found")
    return Action(c.action)


def _access(uow: UnitOfWork, item: CampaignCancellationItem) -> grants.TikTokAccess:
    account = accounts_alloc.get_ad_account(uow, item.workspace_id, item.ad_account_id)
    access = grants.tiktok_access(uow, account)
    if access is None:
        raise Refusal(
            "authorization_revoked",
            "the TikTok authorization of this ad account is revoked: import the ad account "
            "again (re-authorize) and retry",
        )
    return access


def _failure(exc: tt.TikTokError) -> Exception:
    said = f"{exc.message} (code {exc.code})" if exc.code is not None else exc.message
    if exc.retryable:
        return TikTokUnavailable(
            f"TikTok is not available now ({said}); retry later", reason="tiktok_unavailable"
        )
    return TikTokRefused(f"TikTok refused: {said}", reason="tiktok_refused", tiktok_code=exc.code)


# --- undo ---------------------------------------------------------------------------------------


def check_undo(act: Action, item: CampaignCancellationItem) -> None:
    if item.status != ItemStatus.DONE.value:
        raise Refusal("item_not_done", "only an object the cancel stopped can be switched on")
    if act is Action.DELETE:
        raise Refusal(
            "deleted_final",
            "a deleted object cannot be switched on again: TikTok's delete is final "
            "(a deleted campaign can be re-created from its snapshot)",
        )
    if item.undone_at is not None:
        raise Refusal("already_undone", "this cancel was already undone")


def undo(db: Database, workspace_id: int, item_id: int, *, actor: str = "system") -> dict[str, Any]:
    """Enable a paused object again and take back what its cancel freed."""
    with db.read() as uow:
        item = _item(uow, workspace_id, item_id)
        check_undo(_action(uow, item), item)
        access = _access(uow, item)
        level, object_id = item.level, item.object_id
    try:
        answer = access.api().update_status(level, access.advertiser_id, [object_id], "ENABLE")
    except tt.TikTokError as exc:
        raise _failure(exc) from None
    if object_id not in answer.ids:
        raise TikTokRefused("TikTok answered without switching it on", reason="tiktok_not_changed")
    with db.transaction() as uow:
        item = _item(uow, workspace_id, item_id, lock=True)
        check_undo(_action(uow, item), item)
        item.undone_at = clock.now()
        repo = ObjectsRepository(uow)
        row = repo.object_row(item.level, item.ad_account_id, item.object_id, lock=True)
        if row is not None:
            after = enabled(Level(item.level))
            row.operation_status = after.operation_status or "ENABLE"
            row.secondary_status = after.secondary_status
            row.deleted = False
        pool = freed.pool_of(item.advertiser_id, item.ad_account_id, item.currency)
        posted = freed.unfree(
            uow,
            workspace_id,
            pool,
            item.freed_minor,
            f"undo:{item.id}",
            memo=f"undo {item.level} {item.object_id}",
        )
        uow.flush()
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="campaign.cancellation.undo",
            object_type="campaign_cancellation_item",
            object_id=item.id,
            before={"operation_status": "DISABLE"},
            after={
                "operation_status": "ENABLE",
                "object_id": item.object_id,
                "unfreed_entry": posted.entry_id if posted else None,
            },
        )
        return item_view(item)


# --- re-create ----------------------------------------------------------------------------------


def check_recreate(act: Action, item: CampaignCancellationItem) -> None:
    if item.status != ItemStatus.DONE.value or act is not Action.DELETE:
        raise Refusal("not_deleted", "only a campaign this cancellation deleted can be re-created")
    if item.level != Level.CAMPAIGN.value:
        raise Refusal("not_a_campaign", "only a whole campaign can be re-created")
    if item.recreated_object_id:
        raise Refusal(
            "already_recreated",
            f"this campaign was already re-created as {item.recreated_object_id}",
        )
    if not (item.snapshot or {}).get("object"):
        raise Refusal("no_snapshot", "there is no snapshot of this campaign to re-create it from")


def _amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount > 0 else None


def campaign_body(item: CampaignCancellationItem) -> dict[str, Any]:
    raw = dict(item.snapshot["object"])
    body: dict[str, Any] = {
        "request_id": f"promodesk-recreate-{item.object_id}-{item.id}"[:64],
        "campaign_name": str(raw.get("campaign_name") or item.name or item.object_id)[:512],
        "objective_type": raw.get("objective_type"),
        "budget_mode": raw.get("budget_mode") or "BUDGET_MODE_INFINITE",
        "operation_status": item.status_before
        if item.status_before in ("ENABLE", "DISABLE")
        else "ENABLE",
    }
    budget = _amount(raw.get("budget"))
    if body["budget_mode"] != "BUDGET_MODE_INFINITE" and budget is not None:
        body["budget"] = budget
    return body


def adgroup_body(raw: dict[str, Any], campaign_id: str, now: datetime) -> dict[str, Any]:
    body: dict[str, Any] = {k: raw[k] for k in ADGROUP_FIELDS if raw.get(k) not in (None, "", [])}
    body["campaign_id"] = campaign_id
    budget = _amount(raw.get("budget"))
    if budget is not None:
        body["budget"] = budget
    start = _time(raw.get("schedule_start_time"))
    end = _time(raw.get("schedule_end_time"))
    start = max(start, now) if start else now
    body["schedule_start_time"] = start.strftime(TIME_FORMAT)
    if end is not None and end > start:
        body["schedule_end_time"] = end.strftime(TIME_FORMAT)
    elif body.get("schedule_type") == "SCHEDULE_START_END":
        body["schedule_type"] = "SCHEDULE_FROM_NOW"
    status = raw.get("operation_status")
    body["operation_status"] = status if status in ("ENABLE", "DISABLE") else "ENABLE"
    return body


def creative(raw: dict[str, Any]) -> dict[str, Any]:
    body = {k: raw[k] for k in CREATIVE_FIELDS if raw.get(k) not in (None, "", [])}
    if raw.get("ad_format") == "SINGLE_VIDEO" or (raw.get("video_id") and not raw.get("image_ids")):
        body["video_id"] = raw.get("video_id")
    else:
        body["image_ids"] = list(raw.get("image_ids") or [])
    return body


def _time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _alive(raw: dict[str, Any]) -> bool:
    return not str(raw.get("secondary_status") or "").endswith("_DELETE")


def recreate(
    db: Database, workspace_id: int, item_id: int, *, actor: str = "system"
) -> dict[str, Any]:
    """Re-create a deleted campaign, its ad groups and ads from the snapshot; link the ids."""
    with db.read() as uow:
        item = _item(uow, workspace_id, item_id)
        check_recreate(_action(uow, item), item)
        access = _access(uow, item)
        snapshot = dict(item.snapshot)
        body = campaign_body(item)
    api = access.api()
    adv = access.advertiser_id
    made: dict[str, Any] = {"campaign_id": "", "adgroups": {}, "ads": {}}
    error = ""
    try:
        campaign = api.create_campaign(adv, body)
        made["campaign_id"] = str(campaign.get("campaign_id") or "")
        ads_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ad in snapshot.get("ads") or []:
            if _alive(ad):
                ads_of[str(ad.get("adgroup_id"))].append(ad)
        now = clock.now().astimezone(UTC).replace(microsecond=0)
        for group in snapshot.get("adgroups") or []:
            if not _alive(group):
                continue
            answer = api.create_adgroup(adv, adgroup_body(group, made["campaign_id"], now))
            new_group = str(answer.get("adgroup_id") or "")
            made["adgroups"][str(group.get("adgroup_id"))] = new_group
            olds = ads_of.get(str(group.get("adgroup_id")), [])
            if olds and new_group:
                new_ads = api.create_ads(adv, new_group, [creative(a) for a in olds])
                for old, new in zip(olds, new_ads, strict=False):
                    made["ads"][str(old.get("ad_id"))] = new
    except tt.TikTokError as exc:
        if not made["campaign_id"]:
            raise _failure(exc) from None
        error = str(_failure(exc))
    with db.transaction() as uow:
        item = _item(uow, workspace_id, item_id, lock=True)
        if item.recreated_object_id:
            return item_view(item)
        item.recreated_object_id = made["campaign_id"]
        item.recreated_at = clock.now()
        item.snapshot = {**(item.snapshot or {}), "recreated": {**made, "error": error}}
        uow.flush()
        record(
            uow,
            workspace_id=workspace_id,
            actor=actor,
            action="campaign.cancellation.recreate",
            object_type="campaign_cancellation_item",
            object_id=item.id,
            before={"campaign_id": item.object_id},
            after={
                "campaign_id": made["campaign_id"],
                "adgroups": made["adgroups"],
                "ads": made["ads"],
                "error": error,
            },
        )
        # the list shows the new campaign after this sync (an open sync run is reused)
        accounts_sync.start(uow, workspace_id, item.ad_account_id, "campaigns", actor=actor)
        view = item_view(item)
        view["recreated"] = {**made, "error": error}
        return view
