"""Rules' job handlers: the tick that finds due rules, evaluations, actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from promodesk.kit.jobs import JobContext, PrefetchContext, handler, prefetch
from promodesk.rules.service import actions, evaluation


@handler(evaluation.TICK_JOB)
def tick(ctx: JobContext) -> None:
    evaluation.tick(ctx.uow)


@handler(evaluation.EVALUATE_JOB)
def evaluate(ctx: JobContext) -> None:
    assert ctx.workspace_id is not None
    evaluation.evaluate_due(
        ctx.uow,
        ctx.workspace_id,
        datetime.fromisoformat(str(ctx.payload["due_at"])),
        [int(x) for x in ctx.payload["rule_ids"]],
    )


@prefetch(evaluation.ACT_JOB)
def act_fetch(ctx: PrefetchContext) -> Any:
    return actions.prefetch(ctx.db, int(ctx.payload["decision_id"]))


@handler(evaluation.ACT_JOB)
def act(ctx: JobContext) -> None:
    actions.run(ctx.uow, int(ctx.payload["decision_id"]), ctx.prefetched)
