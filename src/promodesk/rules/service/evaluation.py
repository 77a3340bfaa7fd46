"""Evaluations: live (a worker's job at a rule's due time) and simulated (on stored history).

Rules:
- ``tick`` (a worker's schedule, every ``tick_seconds``) takes the enabled rules whose due time
  has come (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), moves each one's due time on (compare-and-
  set) and enqueues one evaluation job per (workspace, due time, batch of rules).
- ``evaluate_due`` inserts the rule's evaluation row first, keyed by (rule, due time) unique,
  in the same transaction as everything the evaluation decides (decisions, action jobs,
  notices): a second worker or a replayed job finds the key taken and does nothing. So each
  due time is evaluated exactly once, and acted on at most once.
- Live and simulated evaluations read observations with the same ``observe`` and decide with
  the same ``rules.domain.evaluate.evaluate``; a simulation feeds its own simulated actions
  back as history and statuses, day after day.
"""

from __future__ import annotations

import time as timer
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.jobs import enqueue
from promodesk.models import Rule, RuleDecision, RuleEvaluation
from promodesk.rules.domain import definition
from promodesk.rules.domain.definition import ActionKind
from promodesk.rules.domain.evaluate import (
    STOPPING,
    Decision,
    ObjectStatus,
    Observation,
    Outcome,
    PastAction,
    evaluate,
)
from promodesk.rules.repository.rules import RulesRepository
from promodesk.rules.service import notices
from promodesk.rules.service.observe import AsOf, observe
from promodesk.rules.service.rules import due_after
from promodesk.rules.settings import rules_settings

TICK_JOB = "rules.tick"
EVALUATE_JOB = "rules.evaluate"
ACT_JOB = "rules.act"
#: How far back a rule's own actions are read for its cooldown (the longest cooldown allowed).
HISTORY_DAYS = 366
#: Due rules read per query by a tick (it reads pages until none is left).
PAGE = 500


def tick(uow: UnitOfWork, *, now: datetime | None = None, workspace_id: int | None = None) -> int:
    """Enqueue the evaluations that are due; returns how many rules were due."""
    now = now or clock.now()
    repo = RulesRepository(uow)
    size = rules_settings().batch
    groups: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    while True:  # in pages: each page's due times move on, so the next page is the rest
        page = repo.due(now, PAGE, workspace_id)
        for rule in page:
            due = rule.next_due_at
            assert due is not None
            if repo.advance(rule.id, due, due_after(uow, rule, max(now, due))):
                groups[(rule.workspace_id, due)].append(rule.id)
        if len(page) < PAGE:
            break
    for (ws, due), ids in groups.items():
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            enqueue(
                uow,
                EVALUATE_JOB,
                {"due_at": due.isoformat(), "rule_ids": chunk},
                dedupe_key=f"{EVALUATE_JOB}:{ws}:{due.isoformat()}:{chunk[0]}:{len(chunk)}",
                workspace_id=ws,
            )
    return sum(len(ids) for ids in groups.values())


def history(
    uow: UnitOfWork, rule_id: int, rule: definition.Rule, now: datetime
) -> list[PastAction]:
    rows = RulesRepository(uow).history(
        [rule_id], now - timedelta(days=HISTORY_DAYS), rule.revive_of
    )
    return [
        PastAction(rid, key, ActionKind(action), clock.ensure_utc(at))
        for rid, key, action, at, _status in rows
    ]


def evaluate_due(
    uow: UnitOfWork,
    workspace_id: int,
    due_at: datetime,
    rule_ids: list[int],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Evaluate each still-enabled rule for ``due_at``; the ids of the evaluations made (a rule
    already evaluated for this due time is skipped)."""
    now = now or clock.now()
    repo = RulesRepository(uow)
    cache: dict[Any, list[Observation]] = {}
    made = []
    for rule_id in rule_ids:
        rule = repo.get(workspace_id, rule_id)
        if rule is None or not rule.enabled:
            continue
        done = run_rule(uow, rule, due_at, now, cache)
        if done is not None:
            made.append(done.id)
    return made


def run_rule(
    uow: UnitOfWork,
    rule: Rule,
    due_at: datetime,
    now: datetime,
    cache: dict[Any, list[Observation]] | None = None,
) -> RuleEvaluation | None:
    """One live evaluation of ``rule`` for ``due_at`` (None: it was made before)."""
    started = timer.perf_counter()
    repo = RulesRepository(uow)
    parsed = definition.parse(rule.definition)
    as_of = AsOf(instant=now)
    row = repo.add_evaluation(
        RuleEvaluation(
            workspace_id=rule.workspace_id,
            rule_id=rule.id,
            due_at=due_at,
            dry_run=parsed.guardrails.dry_run,
            as_of=as_of.label(),
            definition=rule.definition,
        )
    )
    if row is None:
        return None
    cache_key = (repr(parsed.scope), parsed.lookback_days)
    observations = None if cache is None else cache.get(cache_key)
    if observations is None:
        observations = observe(uow, rule.workspace_id, parsed, as_of)
        if cache is not None:
            cache[cache_key] = observations
    result = evaluate(parsed, rule.id, observations, history(uow, rule.id, parsed, now), now)
    decisions = repo.add_decisions(_decision_row(rule, row.id, d) for d in result.decisions)
    for d in decisions:
        if d.status == "pending":
            enqueue(
                uow,
                ACT_JOB,
                {"decision_id": d.id},
                dedupe_key=f"{ACT_JOB}:{d.id}",
                workspace_id=rule.workspace_id,
                max_attempts=3,
            )
    row.in_scope = result.in_scope
    row.matched = len(result.decisions)
    row.acted = len(result.acting)
    row.counts = {**result.counts, "not_met": result.not_met, "other_status": result.not_applicable}
    row.millis = int((timer.perf_counter() - started) * 1000)
    uow.flush()
    notices.evaluation(uow, rule, row, [d for d in decisions if d.outcome in _NOTICED])
    return row


_NOTICED = frozenset({Outcome.ACT.value, Outcome.DRY_RUN.value})


def _decision_row(rule: Rule, evaluation_id: int, d: Decision) -> RuleDecision:
    acting = d.outcome is Outcome.ACT
    status = "logged"
    if acting:
        status = "done" if d.action is ActionKind.NOTIFY else "pending"
    return RuleDecision(
        workspace_id=rule.workspace_id,
        rule_id=rule.id,
        evaluation_id=evaluation_id,
        object_key=d.key,
        object_ref=d.ref,
        object_name=d.name[:512],
        action=d.action.value,
        outcome=d.outcome.value,
        seen=d.values,
        status=status,
        detail="",
    )


def simulate(
    uow: UnitOfWork,
    workspace_id: int,
    definition_raw: dict[str, Any],
    *,
    days: int | None = None,
    until: date | None = None,
    rule_id: int = 0,
) -> dict[str, Any]:
    """What the rule would have done on each of the last ``days`` days of stored history (up
    to ``until``, default yesterday): per day, its decisions with the values seen. Simulated
    actions count as history (cooldown, max actions, revive) and change the objects' statuses
    for the days after; nothing is written."""
    parsed = definition.parse(definition_raw)
    days = days or rules_settings().simulate_days
    if not 1 <= days <= 90:
        raise ValidationFailed("simulate 1 to 90 days", field="days")
    last = until or (clock.now().astimezone(UTC).date() - timedelta(days=1))
    past: list[PastAction] = []
    status: dict[str, ObjectStatus] = {}
    out_days = []
    totals: dict[str, int] = defaultdict(int)
    for offset in range(days - 1, -1, -1):
        day = last - timedelta(days=offset)
        as_of = AsOf(day=day)
        at = as_of.end() - timedelta(microseconds=1)
        seen = [
            replace(o, status=status[o.key]) if o.key in status else o
            for o in observe(uow, workspace_id, parsed, as_of)
        ]
        result = evaluate(parsed, rule_id, seen, past, at)
        for d in result.acting:
            past.append(PastAction(rule_id, d.key, d.action, at))
            if d.action in STOPPING:
                status[d.key] = ObjectStatus.PAUSED
            elif d.action is ActionKind.REVIVE:
                status[d.key] = ObjectStatus.LIVE
        for name, count in result.counts.items():
            totals[name] += count
        out_days.append(
            {
                "day": day.isoformat(),
                "in_scope": result.in_scope,
                "acted": len(result.acting),
                "decisions": [decision_view(d) for d in result.decisions],
            }
        )
    return {
        "days": out_days,
        "from": (last - timedelta(days=days - 1)).isoformat(),
        "until": last.isoformat(),
        "totals": dict(totals),
        "objects_acted_on": len({p.key for p in past}),
        "actions": len(past),
    }


def decision_view(d: Decision) -> dict[str, Any]:
    return {
        "object_key": d.key,
        "object_ref": d.ref,
        "object_name": d.name,
        "outcome": d.outcome.value,
        "action": d.action.value,
        "values": d.values,
    }
