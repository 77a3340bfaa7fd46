"""Evaluations: live (a worker's job at a rule's due time) and simulated (on stored history).

Rules:
- ``tick`` (a worker's schedule, every ``tick_seconds``) takes the enabled rules whose due time
  has come (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), moves each one's due time on (compare-and-
  set; one statement for the rules of the same due and next due times) and enqueues one
  evaluation job per (workspace, due time, batch of rules).
- ``evaluate_due`` inserts the rule's evaluation row, keyed by (rule, due time) unique, with
  ``ON CONFLICT DO NOTHING`` before anything else the evaluation writes (decisions, action
  jobs, notices), all in one transaction: a second worker or a replayed job finds the key
  taken and writes nothing. So each due time is evaluated exactly once, and acted on at most
  once.
- ``run_now`` (an operator's "Run now") enqueues the same evaluation job for the current second,
  with the same keys: asked twice in that second, or for a due time the tick also reached, the
  rule is still evaluated once. The schedule is left as it is.
- Live and simulated evaluations read observations with the same ``observe`` and decide with
  the same ``rules.domain.evaluate.evaluate``; a simulation feeds its own simulated actions
  back as history and statuses, day after day.
"""

from __future__ import annotations

import time as timer
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import N_, Conflict, ValidationFailed
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.service import enqueue_many
from promodesk.models import Job, Rule, RuleDecision, RuleEvaluation
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
from promodesk.rules.service.observe import AsOf, Sources
from promodesk.rules.service.rules import due_after, get_rule
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
        moves: list[tuple[int, datetime, datetime]] = []
        for rule in page:
            due = rule.next_due_at
            assert due is not None
            moves.append((rule.id, due, due_after(uow, rule, max(now, due))))
        moved = repo.advance_many(moves)
        for rule, (rule_id, due, _) in zip(page, moves, strict=True):  # the page's order
            if rule_id in moved:
                groups[(rule.workspace_id, due)].append(rule_id)
        if len(page) < PAGE:
            break
    for (ws, due), ids in groups.items():
        for start in range(0, len(ids), size):
            _enqueue_evaluation(uow, ws, due, ids[start : start + size])
    return sum(len(ids) for ids in groups.values())


def _past(rows: Iterable[tuple[int, str, str, datetime, str]]) -> list[PastAction]:
    return [
        PastAction(rid, key, ActionKind(action), clock.ensure_utc(at))
        for rid, key, action, at, _status in rows
    ]


def _enqueue_evaluation(uow: UnitOfWork, workspace_id: int, due: datetime, ids: list[int]) -> Job:
    """The one evaluation job of ``ids`` for ``due`` (enqueued again: the same job)."""
    return enqueue(
        uow,
        EVALUATE_JOB,
        {"due_at": due.isoformat(), "rule_ids": ids},
        dedupe_key=f"{EVALUATE_JOB}:{workspace_id}:{due.isoformat()}:{ids[0]}:{len(ids)}",
        workspace_id=workspace_id,
    )


def run_now(
    uow: UnitOfWork,
    workspace_id: int,
    rule_id: int,
    *,
    actor: str = "system",
    now: datetime | None = None,
) -> tuple[datetime, Job]:
    """Evaluate an enabled rule now instead of at its next due time: its evaluation job for
    the current second, as the tick enqueues a due time's (a worker runs it; the (rule, due
    time) key keeps it to one evaluation). A disabled rule is refused (simulate it instead).
    Returns the due time and the job. Audited."""
    rule = get_rule(uow, workspace_id, rule_id, lock=True)
    if not rule.enabled:
        raise Conflict(
            "enable the rule to run it now; a disabled rule can be simulated",
            message=N_("Enable the rule to run it now; a disabled rule can be simulated."),
            reason="rule_disabled",
        )
    due = (now or clock.now()).astimezone(UTC).replace(microsecond=0)
    job = _enqueue_evaluation(uow, workspace_id, due, [rule.id])
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="rule.run",
        object_type="rule",
        object_id=rule.id,
        after={"due_at": due.isoformat(), "job_id": job.id},
    )
    return due, job


def history(
    uow: UnitOfWork, rule_id: int, rule: definition.Rule, now: datetime
) -> list[PastAction]:
    rows = RulesRepository(uow).history(
        [rule_id], now - timedelta(days=HISTORY_DAYS), rule.revive_of
    )
    return _past(rows)


def histories(
    uow: UnitOfWork, rules: dict[int, definition.Rule], now: datetime
) -> dict[int, list[PastAction]]:
    """Each rule's history, read in one statement for the rules that revive nothing (a revive
    rule also reads the rule it revives, so it keeps its own read)."""
    plain = [rid for rid, rule in rules.items() if rule.revive_of is None]
    out: dict[int, list[PastAction]] = {rid: [] for rid in plain}
    rows = RulesRepository(uow).history(plain, now - timedelta(days=HISTORY_DAYS), None)
    for past in _past(rows):
        out[past.rule_id].append(past)
    for rid, rule in rules.items():
        if rule.revive_of is not None:
            out[rid] = history(uow, rid, rule, now)
    return out


def evaluate_due(
    uow: UnitOfWork,
    workspace_id: int,
    due_at: datetime,
    rule_ids: list[int],
    *,
    now: datetime | None = None,
) -> list[int]:
    """Evaluate each still-enabled rule for ``due_at``; the ids of the evaluations made (a rule
    already evaluated for this due time is skipped). The job's rules, their histories and the
    objects' labels are read once for all of them; rules of the same scope and lookback share
    their observations; their evaluations and decisions are written together."""
    now = now or clock.now()
    rules = [r for r in RulesRepository(uow).many(workspace_id, rule_ids) if r.enabled]
    parsed = {r.id: definition.parse(r.definition) for r in rules}
    past = histories(uow, parsed, now) if rules else {}
    shared = _Shared(Sources(uow, workspace_id), parsed.values())
    decided = [_decide(uow, r, due_at, now, shared, parsed[r.id], past[r.id]) for r in rules]
    return [row.id for row in _write(uow, decided)]


class _Shared:
    """What the rules of one job share: the sources read once, observations per scope. The
    observations of a scope are kept only until the last of ``rules`` that reads them (kept
    longer, every scope's objects would outlive their evaluation and the collector would
    walk them again and again)."""

    def __init__(self, sources: Sources, rules: Iterable[definition.Rule]) -> None:
        self.sources = sources
        self.seen: dict[Any, list[Observation]] = {}
        self.uses = Counter(self._key(rule) for rule in rules)

    @staticmethod
    def _key(rule: definition.Rule) -> Any:
        return (repr(rule.scope), rule.lookback_days)

    def observe(self, rule: definition.Rule, as_of: AsOf) -> list[Observation]:
        key = self._key(rule)
        found = self.seen.pop(key, None)
        if found is None:
            found = self.sources.observe(rule, as_of)
        self.uses[key] -= 1
        if self.uses[key] > 0:
            self.seen[key] = found
        return found


@dataclass
class _Decided:
    """An evaluation decided and not written yet: its row's values and its decisions."""

    rule: Rule
    values: dict[str, Any]
    decisions: tuple[Decision, ...]


def run_rule(uow: UnitOfWork, rule: Rule, due_at: datetime, now: datetime) -> RuleEvaluation | None:
    """One live evaluation of ``rule`` for ``due_at`` (None: it was made before)."""
    parsed = definition.parse(rule.definition)
    shared = _Shared(Sources(uow, rule.workspace_id), [parsed])
    decided = _decide(uow, rule, due_at, now, shared, parsed, history(uow, rule.id, parsed, now))
    made = _write(uow, [decided])
    return made[0] if made else None


def _decide(
    uow: UnitOfWork,
    rule: Rule,
    due_at: datetime,
    now: datetime,
    shared: _Shared,
    parsed: definition.Rule,
    past: list[PastAction],
) -> _Decided:
    started = timer.perf_counter()
    as_of = AsOf(instant=now)
    result = evaluate(parsed, rule.id, shared.observe(parsed, as_of), past, now)
    values: dict[str, Any] = {
        "workspace_id": rule.workspace_id,
        "rule_id": rule.id,
        "due_at": due_at,
        "dry_run": parsed.guardrails.dry_run,
        "as_of": as_of.label(),
        "definition": rule.definition,
        "in_scope": result.in_scope,
        "matched": len(result.decisions),
        "acted": len(result.acting),
        "counts": {
            **result.counts,
            "not_met": result.not_met,
            "other_status": result.not_applicable,
        },
        "millis": int((timer.perf_counter() - started) * 1000),
    }
    return _Decided(rule, values, result.decisions)


def _write(uow: UnitOfWork, decided: list[_Decided]) -> list[RuleEvaluation]:
    """Write decided evaluations: their rows in one ``INSERT … ON CONFLICT DO NOTHING`` on
    (rule, due time), then the decisions of those inserted in one insert, the action jobs of
    the pending ones, the notices. An evaluation whose key was taken (another worker, a
    replayed job) writes nothing. Returns the evaluations written, in order."""
    if not decided:
        return []
    repo = RulesRepository(uow)
    created = clock.now()
    for d in decided:
        d.values["created_at"] = created
    ids = repo.add_evaluations([d.values for d in decided])
    written = [(d, ids[d.rule.id]) for d in decided if d.rule.id in ids]
    rows = [_decision_row(d.rule, row_id, x, created) for d, row_id in written for x in d.decisions]
    decision_ids = repo.add_decisions(rows)
    for values, decision_id in zip(rows, decision_ids, strict=True):
        values["id"] = decision_id
    pending = [r for r in rows if r["status"] == "pending"]
    if pending:
        enqueue_many(
            uow,
            ACT_JOB,
            [({"decision_id": r["id"]}, f"{ACT_JOB}:{r['id']}") for r in pending],
            workspace_id=pending[0]["workspace_id"],
            max_attempts=3,
        )
    out = []
    for d, row_id in written:
        made = RuleEvaluation(id=row_id, **d.values)  # as written (not kept in the session)
        out.append(made)
        if notices.targets(d.rule):
            noticed = [
                RuleDecision(**r)
                for r in rows
                if r["evaluation_id"] == row_id and r["outcome"] in _NOTICED
            ]
            notices.evaluation(uow, d.rule, made, noticed)
    return out


_NOTICED = frozenset({Outcome.ACT.value, Outcome.DRY_RUN.value})


def _decision_row(rule: Rule, evaluation_id: int, d: Decision, at: datetime) -> dict[str, Any]:
    """A decision's row: logged (no action), pending (its action job will run it), or done
    at once (a notice is the whole action)."""
    status = "logged"
    if d.outcome is Outcome.ACT:
        status = "done" if d.action is ActionKind.NOTIFY else "pending"
    return {
        "workspace_id": rule.workspace_id,
        "rule_id": rule.id,
        "evaluation_id": evaluation_id,
        "object_key": d.key,
        "object_ref": d.ref,
        "object_name": d.name[:512],
        "action": d.action.value,
        "outcome": d.outcome.value,
        "seen": d.values,
        "status": status,
        "detail": "",
        "created_at": at,
        "finished_at": None,
    }


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
    sources = Sources(uow, workspace_id)
    for offset in range(days - 1, -1, -1):
        day = last - timedelta(days=offset)
        as_of = AsOf(day=day)
        at = as_of.end() - timedelta(microseconds=1)
        seen = [
            replace(o, status=status[o.key]) if o.key in status else o
            for o in sources.observe(parsed, as_of)
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
