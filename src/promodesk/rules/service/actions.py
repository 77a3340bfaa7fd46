"""Actions: a decision to act, carried out through the feature that owns the object.

- TikTok campaigns (pause, cancel = delete, revive = enable, budget ±%): the call to TikTok is
  made by ``campaigns.service.changes`` in the job's prefetch, with no transaction open (it
  writes its own mirror and audit when TikTok took the change); the handler records the result.
  Sending the same status or budget twice changes nothing more, so a retried job is safe.
- Promote orders (stop) and shop enrollments (withdraw by the stage path, stock to zero) are
  changes in promodesk, made in the handler's transaction by ``promote.service`` and
  ``shop.service``; the shop's guardrails (30 % cancel ratio, minimum product count) are never
  forced by a rule: a refusal is recorded as ``refused``.
- Stop everywhere (a shop enrollment's rule, e.g. its stock hit zero) stops every promotion of
  the enrollment's product through ``promotions.service.stops``: TikTok ads are paused by the
  stop's own jobs (the ads cancellation), not here.
- A decision is acted on once: it goes from pending to done, failed or refused by compare-and-
  set, and a job that finds it finished does nothing. A failed action is tried again only by a
  later evaluation (a failure does not start the rule's cooldown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from promodesk.campaigns.service import changes
from promodesk.campaigns.service.campaigns import campaign_view
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.errors import PromodeskError
from promodesk.promote.service.orders import stop_order
from promodesk.promotions.service.stop import preview_stop
from promodesk.promotions.service.stops import confirm_stop
from promodesk.rules.domain import definition
from promodesk.rules.domain.definition import ActionKind, Channel
from promodesk.rules.domain.evaluate import budget_after
from promodesk.rules.repository.rules import RulesRepository
from promodesk.rules.service import notices
from promodesk.shop.service.batches import Selection, cancel_now
from promodesk.shop.service.catalog import get_enrollment
from promodesk.shop.service.stock_zero import stock_to_zero_many

_STATUS = {ActionKind.PAUSE: "DISABLE", ActionKind.CANCEL: "DELETE", ActionKind.REVIVE: "ENABLE"}


@dataclass(frozen=True)
class Result:
    status: str  # done | failed | refused
    detail: str
    sent: Any = None  # a budget TikTok took, recorded by the handler


def _actor(rule_id: int) -> str:
    return f"rule:{rule_id}"


def prefetch(db: Database, decision_id: int) -> Result | None:
    """The remote part of a pending TikTok action; None when there is none to make."""
    with db.read() as uow:
        d = RulesRepository(uow).decision(decision_id)
        if d is None or d.status != "pending" or not d.object_key.startswith("tiktok_campaign:"):
            return None
        kind, ws, ref, rule_id = ActionKind(d.action), d.workspace_id, d.object_ref, d.rule_id
        rule = RulesRepository(uow).get(ws, rule_id)
        parsed = definition.parse(rule.definition) if rule is not None else None
        shown = campaign_view(uow, ws, ref) if kind is ActionKind.BUDGET else {}
        before, currency = shown.get("budget_minor") or 0, shown.get("currency", "")
    try:
        if kind in _STATUS:
            view = changes.change_status(db, ws, ref, _STATUS[kind], actor=_actor(rule_id))
            return Result("done", f"TikTok status {view.get('operation_status', '')}".strip())
        if kind is ActionKind.BUDGET and parsed is not None and parsed.action.percent is not None:
            if not before:
                return Result("refused", "the campaign has no budget to change")
            after = budget_after(int(before), parsed.action.percent)
            sent = changes.send_budget(db, ws, ref, after)
            return Result("done", f"budget {before} → {after} {currency} (minor units)", sent)
    except PromodeskError as exc:
        return Result("failed", f"{type(exc).__name__}: {exc.detail}")
    return Result("failed", f"{kind.value} is not an action for TikTok campaigns")


def _local(uow: UnitOfWork, kind: ActionKind, channel: str, ws: int, ref: int, rule: Any) -> Result:
    actor = _actor(rule.id)
    if channel == Channel.PROMOTE_ORDER and kind is ActionKind.STOP_ORDER:
        order = stop_order(uow, ws, ref, reason=f"rule “{rule.name}”", actor=actor)
        return Result("done", f"order {order.status}")
    if channel == Channel.SHOP_ENROLLMENT and kind is ActionKind.WITHDRAW:
        batch = cancel_now(
            uow,
            ws,
            Selection(enrollment_ids=[ref]),
            reason="other",
            reason_text=f"rule “{rule.name}”",
            force=False,
            actor=actor,
            role="operator",
        )
        ok = batch.failed == 0 and batch.done > 0
        return Result("done" if ok else "refused", f"cancel batch {batch.id}: {batch.status}")
    if channel == Channel.SHOP_ENROLLMENT and kind is ActionKind.STOCK_ZERO:
        out = stock_to_zero_many(uow, ws, [ref], actor=actor, force=False)
        item = out["items"][0] if out["items"] else {}
        if out["done"]:
            return Result("done", "stock set to zero")
        return Result("refused", str(item.get("detail") or item.get("code") or "refused"))
    if channel == Channel.SHOP_ENROLLMENT and kind is ActionKind.STOP_EVERYWHERE:
        return _stop_everywhere(uow, ws, ref, rule)
    return Result("failed", f"{kind.value} is not an action for {channel}")


def _stop_everywhere(uow: UnitOfWork, ws: int, ref: int, rule: Any) -> Result:
    """Every promotion of the enrollment's product, in every channel: the preview, confirmed
    as it is (the rule is the operator), one stop with a step per channel."""
    product = get_enrollment(uow, ws, ref).product_id
    plan = preview_stop(uow, ws, products=[product], reason="sold_out")
    done = confirm_stop(
        uow,
        ws,
        products=[product],
        reason="sold_out",
        fingerprint=plan.fingerprint,
        actor=_actor(rule.id),
        role="operator",
    )
    steps = ", ".join(f"{st['channel']} {st['status']}" for st in done.steps)
    return Result("done", f"stop everywhere {done.id}: {steps}")


def run(uow: UnitOfWork, decision_id: int, prefetched: Result | None) -> str | None:
    """Carry out (or record) a pending decision; its final status, None if it was finished."""
    repo = RulesRepository(uow)
    d = repo.decision(decision_id, lock=True)
    if d is None or d.status != "pending":
        return None
    rule = repo.get(d.workspace_id, d.rule_id)
    channel = d.object_key.split(":", 1)[0]
    kind = ActionKind(d.action)
    if prefetched is not None:
        result = prefetched
        if result.sent is not None:
            changes.record_budget(uow, result.sent, actor=_actor(d.rule_id), action="rule.budget")
    elif channel.startswith("tiktok"):
        result = Result("failed", "TikTok was not reached; the next evaluation tries again")
    else:
        try:
            with uow.savepoint():
                result = _local(uow, kind, channel, d.workspace_id, d.object_ref, rule)
        except PromodeskError as exc:
            result = Result("refused", f"{type(exc).__name__}: {exc.detail}")
    repo.finish_decision(d.id, result.status, result.detail, clock.now())
    d = repo.decision(decision_id)
    if rule is not None and d is not None:
        notices.action(uow, rule, d)
    return result.status
