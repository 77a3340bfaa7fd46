"""SQL of rules, their evaluations and decisions (the operation log)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from promodesk.kit.db import UnitOfWork
from promodesk.kit.repository import dialect_insert
from promodesk.models import Rule, RuleDecision, RuleEvaluation, RuleLabel

#: decision statuses that count as an action taken (or about to be) for cooldowns and revives
ACTED = ("pending", "done")


class RulesRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.s: Session = uow.session

    # rules ----------------------------------------------------------------------------------
    def add(self, rule: Rule) -> Rule:
        self.s.add(rule)
        self.s.flush()
        return rule

    def get(self, workspace_id: int, rule_id: int, *, lock: bool = False) -> Rule | None:
        q = select(Rule).where(Rule.id == rule_id, Rule.workspace_id == workspace_id)
        if lock:
            q = q.with_for_update()
        return self.s.execute(q).scalar_one_or_none()

    def many(self, workspace_id: int, rule_ids: Iterable[int]) -> list[Rule]:
        """The workspace's rules among ``rule_ids``, in the order of ``rule_ids``."""
        ids = list(rule_ids)
        q = select(Rule).where(Rule.workspace_id == workspace_id, Rule.id.in_(ids))
        found = {r.id: r for r in self.s.scalars(q)}
        return [found[i] for i in ids if i in found]

    def page(self, workspace_id: int, after_id: int, limit: int) -> list[Rule]:
        q = (
            select(Rule)
            .where(Rule.workspace_id == workspace_id, Rule.id > after_id)
            .order_by(Rule.id)
            .limit(limit)
        )
        return list(self.s.scalars(q))

    def delete(self, rule: Rule) -> None:
        self.s.delete(rule)
        self.s.flush()

    def due(self, now: datetime, limit: int, workspace_id: int | None = None) -> list[Rule]:
        """Enabled rules whose due time has come; on PostgreSQL locked, skipping rows another
        tick holds (it is handling them)."""
        q = (
            select(Rule)
            .where(Rule.enabled.is_(True), Rule.next_due_at <= now)
            .order_by(Rule.next_due_at, Rule.id)
            .limit(limit)
        )
        if workspace_id is not None:
            q = q.where(Rule.workspace_id == workspace_id)
        if self.uow.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return list(self.s.scalars(q))

    def advance_many(self, moves: Iterable[tuple[int, datetime, datetime]]) -> set[int]:
        """Move each ``(rule id, due, next)`` rule's due time on to ``next`` if it is still
        ``due`` (compare-and-set: a rule another tick moved meanwhile is left out); the ids
        moved. One statement per distinct (due, next) pair: the rules of one schedule due
        together move together."""
        groups: dict[tuple[datetime, datetime], list[int]] = {}
        for rule_id, due, nxt in moves:
            groups.setdefault((due, nxt), []).append(rule_id)
        moved: set[int] = set()
        for (due, nxt), ids in groups.items():
            q = (
                update(Rule)
                .where(Rule.id.in_(ids), Rule.next_due_at == due)
                .values(next_due_at=nxt)
                .returning(Rule.id)
                .execution_options(synchronize_session=False)
            )
            moved.update(int(i) for i in self.s.scalars(q))
        return moved

    def next_due(self) -> datetime | None:
        q = select(Rule.next_due_at).where(Rule.enabled.is_(True)).order_by(Rule.next_due_at)
        return self.s.execute(q.limit(1)).scalar_one_or_none()

    # evaluations ----------------------------------------------------------------------------
    def add_evaluations(self, rows: list[dict[str, Any]]) -> dict[int, int]:
        """Insert evaluation rows (column values) in one statement; rule id → id of each row
        inserted. A row whose (rule, due time) was evaluated already is skipped (``ON
        CONFLICT DO NOTHING``: the first one stands)."""
        if not rows:
            return {}
        table: Table = RuleEvaluation.__table__  # type: ignore[assignment]
        q = (
            dialect_insert(self.uow, table)
            .on_conflict_do_nothing(index_elements=["rule_id", "due_at"])
            .returning(table.c.rule_id, table.c.id)
        )
        # many parameter sets, not .values(rows): the driver still gets multi-row INSERTs
        # (SQLAlchemy's insertmanyvalues), but one row's statement is compiled and cached
        # instead of every evaluation's columns built as an expression each time
        return {int(r[0]): int(r[1]) for r in self.s.execute(q, rows)}

    def evaluation(self, workspace_id: int, evaluation_id: int) -> RuleEvaluation | None:
        q = select(RuleEvaluation).where(
            RuleEvaluation.id == evaluation_id, RuleEvaluation.workspace_id == workspace_id
        )
        return self.s.execute(q).scalar_one_or_none()

    def evaluations(
        self, workspace_id: int, rule_id: int | None, before_id: int | None, limit: int
    ) -> list[RuleEvaluation]:
        q = select(RuleEvaluation).where(RuleEvaluation.workspace_id == workspace_id)
        if rule_id is not None:
            q = q.where(RuleEvaluation.rule_id == rule_id)
        if before_id is not None:
            q = q.where(RuleEvaluation.id < before_id)
        return list(self.s.scalars(q.order_by(RuleEvaluation.id.desc()).limit(limit)))

    # decisions ------------------------------------------------------------------------------
    def add_decisions(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert decision rows (column values) in one statement; their ids, in order."""
        if not rows:
            return []
        table: Table = RuleDecision.__table__  # type: ignore[assignment]
        q = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [r[0] for r in self.s.execute(q, rows)]

    def decisions(self, evaluation_id: int) -> list[RuleDecision]:
        q = select(RuleDecision).where(RuleDecision.evaluation_id == evaluation_id)
        return list(self.s.scalars(q.order_by(RuleDecision.id)))

    def pending_decisions(self, workspace_id: int, rule_id: int) -> int:
        """How many of the rule's actions are still under way."""
        q = select(func.count()).where(
            RuleDecision.workspace_id == workspace_id,
            RuleDecision.rule_id == rule_id,
            RuleDecision.status == "pending",
        )
        return int(self.s.scalar(q) or 0)

    def decision(self, decision_id: int, *, lock: bool = False) -> RuleDecision | None:
        q = select(RuleDecision).where(RuleDecision.id == decision_id)
        if lock:
            q = q.with_for_update()
        return self.s.execute(q.execution_options(populate_existing=True)).scalar_one_or_none()

    def finish_decision(self, decision_id: int, status: str, detail: str, at: datetime) -> bool:
        """pending → ``status`` (compare-and-set): False when it was finished already."""
        result: Any = self.s.execute(
            update(RuleDecision)
            .where(RuleDecision.id == decision_id, RuleDecision.status == "pending")
            .values(status=status, detail=detail[:4000], finished_at=at)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount) == 1

    def history(
        self, rule_ids: Iterable[int], since: datetime, revive_of: int | None
    ) -> list[tuple[int, str, str, datetime, str]]:
        """Actions the rules took (or are taking, or in dry run would have taken: a dry run's
        cooldown holds as the simulation's does) since ``since``, and every action of the
        ``revive_of`` rule: (rule id, object key, action, at, status)."""
        ids = list(rule_ids)
        acted = RuleDecision.status.in_(ACTED)
        when: list[Any] = [
            RuleDecision.rule_id.in_(ids)
            & (RuleDecision.created_at >= since)
            & (acted | (RuleDecision.outcome == "dry_run")),
        ]
        if revive_of is not None:
            when.append(
                ((RuleDecision.rule_id == revive_of) | (RuleDecision.action == "revive")) & acted
            )
        q = select(
            RuleDecision.rule_id,
            RuleDecision.object_key,
            RuleDecision.action,
            RuleDecision.created_at,
            RuleDecision.status,
        ).where(or_(*when))
        return [tuple(r) for r in self.s.execute(q)]  # type: ignore[misc]

    # labels ---------------------------------------------------------------------------------
    def set_labels(self, workspace_id: int, object_key: str, labels: list[str]) -> None:
        self.s.execute(
            RuleLabel.__table__.delete().where(  # type: ignore[attr-defined]
                RuleLabel.workspace_id == workspace_id, RuleLabel.object_key == object_key
            )
        )
        self.s.add_all(
            RuleLabel(workspace_id=workspace_id, object_key=object_key, label=label)
            for label in labels
        )
        self.s.flush()
