"""Team notifications through promodesk.notify: email to every member with an address and a
signed webhook to every member with a URL, in the caller's unit of work (outbox), keyed so a
re-run of the job that raises the alert never sends twice."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.notify.service import outbox as notify
from promodesk.settings import get_settings
from promodesk.shop.domain.enrollments import Reason
from promodesk.shop.domain.wording import customer_wording
from promodesk.shop.repository.batches import BatchRepository
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
            uow,
            workspace_id,
            url,
            event,
            {"shop_id": shop_id, **payload},
            secret=secret,
            ref=ref,
            summary=(subject, text),
        )
        sent += 1
    return sent


def verification_failed(
    uow: UnitOfWork,
    workspace_id: int,
    shop_id: int,
    batch_id: int,
    product_ids: list[int],
    *,
    remediation: list[str] | None = None,
) -> int:
    shown = ", ".join(str(p) for p in product_ids[:50])
    steps = "".join(f"\n- {r}" for r in (remediation or [])[:20])
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
            + (f"\nWhat to do / 处理建议:{steps}" if steps else "")
        ),
        payload={
            "batch_id": batch_id,
            "product_ids": product_ids[:1000],
            "remediation": (remediation or [])[:20],
        },
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


def cancel_done(
    uow: UnitOfWork, workspace_id: int, batch_id: int, reason: str, actor: str, failed: int
) -> int:
    """Tell each shop's team of every cancel that removed products (not only of failures):
    what left which activity, why, who did it, and wording to send customers."""
    sent = 0
    try:
        code = Reason(reason)
    except ValueError:
        code = Reason.OTHER
    for shop_id, (count, first) in BatchRepository(uow).done_by_shop(batch_id).items():
        products = [str(row.title) for row in first]
        activities = sorted({str(row.activity) for row in first})
        wording = customer_wording(code, products, activities, more=count - len(products))
        listed = "\n".join(f"- {row.title} ({row.activity})" for row in first)
        if count > len(first):
            listed += f"\n- … {count - len(first)} more"
        failures = (
            f"\n{failed} item(s) failed and can be retried. / {failed} 项失败,可重试。"
            if failed
            else ""
        )
        sent += notify_team(
            uow,
            workspace_id,
            shop_id,
            event="shop.cancel_done",
            ref=f"shop-cancel-done:{batch_id}:{shop_id}:{count}",
            subject=f"已取消 / Cancelled: {count} product(s) left the activity, batch {batch_id}",
            text=(
                f"{count} product(s) left their activity (batch {batch_id}, reason {code.value}, "
                f"by {actor}):\n{listed}{failures}\n\n"
                f"建议告知顾客 / Suggested wording for customers:\n{wording.zh}\n{wording.en}"
            ),
            payload={
                "batch_id": batch_id,
                "done": count,
                "failed": failed,
                "reason": code.value,
                "actor": actor,
                "products": [{"title": str(r.title), "activity": str(r.activity)} for r in first],
                "customer_wording": {"zh": wording.zh, "en": wording.en},
            },
        )
    return sent
