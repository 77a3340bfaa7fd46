"""The operation log: a rule's evaluations, newest first, and each one's decisions."""

from __future__ import annotations

from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import NotFound
from promodesk.kit.jobs.domain import JobStatus
from promodesk.kit.jobs.service import get as get_job
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


def waiting(uow: UnitOfWork, workspace_id: int, rule_id: int, *, run_job_id: int | None) -> bool:
    """Whether the rule's log is about to change: the evaluation job of a "Run now" has not run
    yet, or an action the rule decided is still under way."""
    if run_job_id is not None:
        try:
            job = get_job(uow, run_job_id, workspace_id)
        except NotFound:
            job = None
        if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return True
    return RulesRepository(uow).pending_decisions(workspace_id, rule_id) > 0
