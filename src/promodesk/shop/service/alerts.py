"""Team notifications through promodesk.notify: email to every member with an address and a
signed webhook to every member with a URL, in the caller's unit of work (outbox), keyed so a
re-run of the job that raises the alert never sends twice."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings
from promodesk.shop.repository.catalog import ShopRepository
from promodesk.shop.settings import shop_settings


def notify_team(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    *,
    event: str,
    ref: str,
    subject: str,
    text: str,
    payload: dict[str, Any],
) -> int:
    """Send one alert to the shop's team; returns how many messages were queued."""
    repo = ShopRepository(uow)
    members = repo.members(workspace_id, shop_id)
    emails = sorted({m.email for m in members if m.email})
    sent = 0
    if emails:
        notify.send_email(uow, workspace_id, emails[:50], subject, text, kind=event, ref=ref)
        sent += 1
    secret = shop_settings().webhook_secret or get_settings().ensure_secret_key()
    for url in sorted({m.webhook_url for m in members if m.webhook_url}):
        notify.send_webhook(
            uow, workspace_id, url, event, {"shop_id": shop_id, **payload}, secret=secret, ref=ref
        )
        sent += 1
    return sent


def verification_failed(
    uow: UnitOfWork, workspace_id: int, shop_id: int, batch_id: int, product_ids: list[int]
) -> int:
    shown = ", ".join(str(p) for p in product_ids[:50])
    return notify_team(
        uow,
        workspace_id,
        shop_id,
        event="shop.verification_failed",
        ref=f"shop-verify:{batch_id}:{shop_id}",
        subject=f"核验失败 / Verification failed: {len(product_ids)} product(s), batch {batch_id}",
        text=(
            f"After the cancel of batch {batch_id}, {len(product_ids)} product(s) are still "
            f"purchasable at the activity price or keep an active coupon/discount: {shown}.\n"
            f"取消后核验未通过的商品:{shown}。请检查活动设置和关联优惠。"
        ),
        payload={"batch_id": batch_id, "product_ids": product_ids[:1000]},
    )


def batch_refused(
    uow: UnitOfWork, workspace_id: int, shop_id: int, batch_id: int, body: dict[str, Any]
) -> int:
    return notify_team(
        uow,
        workspace_id,
        shop_id,
        event="shop.cancel_refused",
        ref=f"shop-refused:{batch_id}",
        subject=f"取消被拒绝 / Scheduled cancel refused: batch {batch_id}",
        text=(
            f"The scheduled cancel (batch {batch_id}) was refused when it ran: "
            f"{body.get('detail', '')}\n定时取消在执行时违反活动规则,未做任何修改。"
        ),
        payload={"batch_id": batch_id, "error": body},
    )
