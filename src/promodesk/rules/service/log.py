"""The operation log: a rule's evaluations, newest first, and each one's decisions."""

from __future__ import annotations

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.models import RuleDecision, RuleEvaluation
from promodesk.rules.repository.rules import RulesRepository
from promodesk.rules.service.rules import get_rule


def evaluations(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    rule_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[RuleEvaluation]:
    if rule_id is not None:
        get_rule(uow, workspace_id, rule_id)
    return RulesRepository(uow).evaluations(workspace_id, rule_id, before_id, limit)


def evaluation(
    uow: UnitOfWork, workspace_id: int, evaluation_id: int
) -> tuple[RuleEvaluation, list[RuleDecision]]:
    repo = RulesRepository(uow)
    row = repo.evaluation(workspace_id, evaluation_id)
    if row is None:
        raise NotFound(f"evaluation {evaluation_id} not found")
    return row, repo.decisions(row.id)
