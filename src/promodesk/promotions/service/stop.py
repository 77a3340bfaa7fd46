"""Stop everywhere, the preview: one dry run across channels for selected promotions (or every
promotion of selected products). Nothing changes.

Each channel's own preview decides its part (``promotions.domain.stop`` names the paths):
TikTok ads through the campaigns' cancel preview (pause or delete, the budget it frees), Promote
orders through the settlement's refund split (coins back to the wallet and to the coupon's
issuer), shop enrollments through the shop's cancel plan (stage-aware path, guardrail verdicts
per activity and shop, safer alternatives). What is already stopped, or refused by a channel,
is listed with its code and reason. Money is totalled per currency.

Public use::

    preview_stop(uow, workspace_id, refs=["campaign:3", "promote_order:9"],
                 reason="sold_out") -> StopPreview
    preview_stop(uow, workspace_id, products=[12], reason="other", reason_text="recall")
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from promodesk.campaigns.service.cancellations import preview as ads_preview
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.promote.domain.settlement import refund_split
from promodesk.promote.service.orders import get_order
from promodesk.promotions.domain import stop as rules
from promodesk.promotions.domain.index import (
    Channel,
    Filters,
    Kind,
    Money,
    PromotionRow,
    Ref,
    parse_ref,
)
from promodesk.promotions.service.index import get_promotion, iter_promotions
from promodesk.shop.service import batches as shop_batches
from promodesk.shop.service import preview as shop_preview


@dataclass(slots=True)
class StopItem:
    ref: str
    channel: Channel
    kind: Kind
    name: str
    status: str
    path: str | None  # None: refused
    refusal: str | None = None  # a code: rules.Refusal or the channel's own
    money: list[tuple[str, Money]] = field(default_factory=list)  # (what, amount)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ChannelPlan:
    channel: Channel
    path: str
    items: list[StopItem]
    money: list[tuple[str, Money]]  # per (what, currency), summed
    verdicts: list[dict[str, Any]] = field(default_factory=list)  # shop: per activity and shop


@dataclass(slots=True)
class StopPreview:
    reason: str
    reason_text: str
    ads_action: str
    selected: int
    channels: list[ChannelPlan]
    refused: list[StopItem]
    totals: list[tuple[str, Money]]  # per (what, currency) across channels
    # What was shown, in 16 hex digits: a confirm carries it, and a changed situation (another
    # status, path, refusal or amount) gives another one (409 with the new preview).
    fingerprint: str = ""


def fingerprint(p: StopPreview) -> str:
    def item(i: StopItem) -> list[Any]:
        return [i.ref, i.status, i.path, i.refusal, [(w, m.minor, m.currency) for w, m in i.money]]

    shown = [
        p.reason,
        p.reason_text,
        p.ads_action,
        [[c.channel.value, c.path, [item(i) for i in c.items]] for c in p.channels],
        sorted(item(i) for i in p.refused),
    ]
    text = json.dumps(shown, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rows(
    uow: UnitOfWork, workspace_id: int, refs: list[str], products: list[int]
) -> list[PromotionRow]:
    found: dict[str, PromotionRow] = {}
    for text in refs:
        ref: Ref = parse_ref(text, "refs")
        row = get_promotion(uow, workspace_id, ref)
        if row is None:
            raise NotFound(f"promotion {ref} not found", field="refs")
        found[row.ref] = row
    if products:
        chosen = Filters(products=frozenset(products))
        for row in iter_promotions(uow, workspace_id, chosen):
            # A product stops its own enrollments (rows of their own), never the whole
            # activity it is enrolled in: the other products stay in it.
            if row.kind is not Kind.SHOP_ACTIVITY:
                found.setdefault(row.ref, row)
    if not found:
        raise ValidationFailed("select promotions or products to stop", field="refs")
    if len(found) > rules.MAX_SELECTED:
        raise ValidationFailed(
            f"at most {rules.MAX_SELECTED} promotions are stopped at once", field="refs"
        )
    return list(found.values())


def _item(row: PromotionRow, path: str | None, refusal: str | None = None) -> StopItem:
    return StopItem(
        ref=row.ref,
        channel=row.channel,
        kind=row.kind,
        name=row.name,
        status=row.status.value,
        path=path,
        refusal=refusal,
    )


def _sum(items: list[StopItem]) -> list[tuple[str, Money]]:
    per: dict[tuple[str, str], int] = defaultdict(int)
    for it in items:
        for what, m in it.money:
            per[(what, m.currency)] += m.minor
    return [(what, Money(v, cur)) for (what, cur), v in sorted(per.items())]


def _ads(
    uow: UnitOfWork, workspace_id: int, rows: list[PromotionRow], action: rules.AdsAction
) -> list[StopItem]:
    out: list[StopItem] = []
    for kind in (Kind.CAMPAIGN, Kind.ADGROUP, Kind.AD):
        of_kind = {r.id: r for r in rows if r.kind is kind}
        if not of_kind:
            continue
        plan = ads_preview.preview(uow, workspace_id, kind.value, sorted(of_kind), action.value)
        for p in plan["items"]:
            row = of_kind[p["row_id"]]
            if p["skip"]:
                code = rules.Refusal.ALREADY_PAUSED
                if action is rules.AdsAction.DELETE:
                    code = rules.Refusal.ALREADY_STOPPED
                out.append(_item(row, None, code.value))
                continue
            it = _item(row, action.value)
            it.money = [("freed_budget", Money(p["freed_minor"], p["currency"]))]
            it.detail = {
                "spent_today_minor": p["spent_today_minor"],
                "live_children": p["live_children"],
                "reversible": plan["reversible"],
            }
            out.append(it)
    return out


def _promote(uow: UnitOfWork, workspace_id: int, rows: list[PromotionRow]) -> list[StopItem]:
    out: list[StopItem] = []
    for row in rows:
        order = get_order(uow, workspace_id, row.id)
        split = refund_split(order.paid_coins, order.coupon_coins, order.spent_coins)
        it = _item(row, rules.Path.STOP_ORDER.value)
        it.money = [("refund_to_wallet", Money(split.to_wallet, "COIN"))]
        if split.to_coupon_funding:
            it.money.append(("refund_to_coupon_issuer", Money(split.to_coupon_funding, "COIN")))
        it.detail = {"coupon_restored": split.coupon_restored, "spent_coins": order.spent_coins}
        out.append(it)
    return out


def _shop(
    uow: UnitOfWork, workspace_id: int, rows: list[PromotionRow]
) -> tuple[list[StopItem], list[dict[str, Any]]]:
    """Enrollments, and shop activities as their shop's enrollments, through the shop plan."""
    owner: dict[int, PromotionRow] = {}
    for row in rows:
        if row.kind is Kind.SHOP_ENROLLMENT:
            owner.setdefault(row.id, row)
    activities = [r for r in rows if r.kind is Kind.SHOP_ACTIVITY]
    for act in activities:
        selection = shop_batches.Selection(activity_id=act.id, shop_id=act.shop_id)
        for eid in shop_batches.resolve(uow, workspace_id, selection):
            if eid not in owner:  # the activity's enrollments stand for it, each by its product
                found = get_promotion(uow, workspace_id, Ref(Kind.SHOP_ENROLLMENT, eid))
                owner[eid] = found or act
    if not owner:
        return [_item(a, None, rules.Refusal.ALREADY_STOPPED.value) for a in activities], []
    plan = shop_preview.preview(
        uow, workspace_id, shop_batches.Selection(enrollment_ids=sorted(owner))
    )
    # A group whose guardrails refuse the cancel refuses each of its items (the plan is all
    # or nothing per activity and shop), with the first rule it breaks.
    blocked: dict[tuple[int, int], str] = {}
    for g in plan["groups"]:
        violations = g["verdict"]["violations"]
        if not g["verdict"]["ok"] and violations:
            blocked[(g["activity_id"], g["shop_id"])] = f"GUARDRAIL_{violations[0]['rule'].upper()}"
    out: list[StopItem] = []
    for p in plan["items"]:
        row = owner[p["enrollment_id"]]
        code = None if p["ok"] else p["code"]
        code = code or blocked.get((p["activity_id"], p["shop_id"]))
        it = _item(row, None if code else p["path"], code)
        it.detail = {
            "enrollment_id": p["enrollment_id"],
            "product_id": p["product_id"],
            "path_if_allowed": p["path"],
            "offers_cancelled": len(p["offers"]),
        }
        out.append(it)
    return out, plan["groups"]


def preview_stop(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    refs: list[str] | None = None,
    products: list[int] | None = None,
    reason: str | None = None,
    reason_text: str | None = None,
    ads_action: str | None = None,
) -> StopPreview:
    """The preview of stopping ``refs`` and every promotion of ``products``: per channel its
    path, items, money and (shop) verdicts; what is refused and why; totals per currency."""
    why, note = rules.reason(reason, reason_text)
    action = rules.ads_action(ads_action)
    rows = _rows(uow, workspace_id, refs or [], products or [])
    refused: list[StopItem] = []
    live: dict[Channel, list[PromotionRow]] = defaultdict(list)
    for row in rows:
        # A stopped or ended promotion has nothing left to stop; a shop activity is judged
        # by its enrollments (the shop plan), so only its final statuses refuse it here.
        code = rules.final_refusal(
            row.status, action if row.channel is Channel.TIKTOK_ADS else None
        )
        if code is not None:
            refused.append(_item(row, None, code.value))
        else:
            live[row.channel].append(row)
    channels: list[ChannelPlan] = []
    if live[Channel.TIKTOK_ADS]:
        items = _ads(uow, workspace_id, live[Channel.TIKTOK_ADS], action)
        channels.append(ChannelPlan(Channel.TIKTOK_ADS, action.value, items, _sum(items)))
    if live[Channel.PROMOTE]:
        items = _promote(uow, workspace_id, live[Channel.PROMOTE])
        channels.append(
            ChannelPlan(Channel.PROMOTE, rules.Path.STOP_ORDER.value, items, _sum(items))
        )
    if live[Channel.SHOP]:
        items, verdicts = _shop(uow, workspace_id, live[Channel.SHOP])
        channels.append(
            ChannelPlan(
                Channel.SHOP, rules.Path.SHOP_STAGE_PATH.value, items, _sum(items), verdicts
            )
        )
    for plan in channels:
        refused += [it for it in plan.items if it.refusal]
    every = [it for plan in channels for it in plan.items if not it.refusal]
    out = StopPreview(
        reason=why.value,
        reason_text=note,
        ads_action=action.value,
        selected=len(rows),
        channels=channels,
        refused=refused,
        totals=_sum(every),
    )
    out.fingerprint = fingerprint(out)
    return out
