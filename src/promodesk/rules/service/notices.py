"""Notices of a rule's evaluations and actions through the notify feature (mail, webhooks,
chat webhooks): one per evaluation that decided something, one per action's result. Each is
keyed by its evaluation or decision, so a retried job never sends twice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.kit.vault import vault
from promodesk.models import Rule, RuleDecision, RuleEvaluation
from promodesk.notify.service.outbox import send_email, send_webhook
from promodesk.rules.domain.metrics import MONEY_METRICS


def _lines(decisions: Sequence[RuleDecision]) -> str:
    rows = []
    for d in decisions[:50]:
        seen = dict(d.seen or {})
        currency = seen.pop("currency", None)  # money in the object's currency
        values = ", ".join(
            f"{k} {v} {currency}" if currency and k in MONEY_METRICS else f"{k} {v}"
            for k, v in seen.items()
        )
        rows.append(f"- {d.object_name or d.object_key}: {d.action} ({d.outcome}) — {values}")
    if len(decisions) > 50:
        rows.append(f"… and {len(decisions) - 50} more")
    return "\n".join(rows)


def targets(rule: Rule) -> bool:
    """Whether the rule sends notices at all (mail addresses, or webhooks with their secret)."""
    return bool(rule.notify_emails or (rule.notify_webhooks and rule.webhook_secret_enc))


def _send(
    uow: UnitOfWork, rule: Rule, event: str, ref: str, subject: str, text: str, data: Any
) -> None:
    if rule.notify_emails:
        send_email(uow, rule.workspace_id, rule.notify_emails, subject, text, kind=event, ref=ref)
    if rule.notify_webhooks and rule.webhook_secret_enc:
        secret = vault().decrypt(rule.webhook_secret_enc)
        for url in rule.notify_webhooks:
            send_webhook(
                uow,
                rule.workspace_id,
                url,
                event,
                data,
                secret=secret,
                ref=ref,
                summary=(subject, text),
            )


def evaluation(
    uow: UnitOfWork, rule: Rule, row: RuleEvaluation, acting: Sequence[RuleDecision]
) -> None:
    """The evaluation's decisions to act (or, in dry run, that would act)."""
    if not acting or not targets(rule):
        return
    mode = " (dry run)" if row.dry_run else ""
    subject = f"Rule “{rule.name}”{mode}: {len(acting)} object(s) matched"
    text = f"Evaluation {row.id} at {row.due_at.isoformat()}\n{_lines(acting)}"
    data = {
        "rule_id": rule.id,
        "evaluation_id": row.id,
        "dry_run": row.dry_run,
        "decisions": [
            {"object_key": d.object_key, "action": d.action, "outcome": d.outcome, "values": d.seen}
            for d in acting
        ],
    }
    _send(uow, rule, "rule.evaluation", f"rule-evaluation-{row.id}", subject, text, data)


def action(uow: UnitOfWork, rule: Rule, d: RuleDecision) -> None:
    """The result of one action (done, failed, refused)."""
    subject = f"Rule “{rule.name}”: {d.action} {d.object_name or d.object_key} — {d.status}"
    text = f"{_lines([d])}\n{d.detail}".strip()
    data = {
        "rule_id": rule.id,
        "decision_id": d.id,
        "object_key": d.object_key,
        "action": d.action,
        "status": d.status,
        "detail": d.detail,
        "values": d.seen,
    }
    _send(uow, rule, "rule.action", f"rule-decision-{d.id}", subject, text, data)
