"""Rules over HTTP: CRUD, enable/disable, simulate, the evaluation log, labels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import Page, after, fetch, page
from promodesk.rules.schemas import (
    Deleted,
    EvaluationRead,
    LabelsIn,
    RuleIn,
    RuleRead,
    RuleUpdate,
    RunRead,
    SimulateIn,
    SimulationRead,
)
from promodesk.rules.service import evaluation as evaluations
from promodesk.rules.service import log
from promodesk.rules.service import rules as service
from promodesk.web import ApiRoute, Caller, Cursor, Limit, Uow, Writer

router = APIRouter(route_class=ApiRoute, prefix="/api/v1/rules", tags=["rules"])


@router.get("", response_model=Page[RuleRead])
def list_rules(uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None) -> Any:
    rows = service.list_rules(
        uow, caller.workspace_id, after_id=after(cursor) or 0, limit=fetch(limit)
    )
    return Page[RuleRead](**page([RuleRead.of(r) for r in rows], limit))


@router.post("", response_model=RuleRead, status_code=201)
def create_rule(body: RuleIn, uow: Uow, caller: Writer) -> RuleRead:
    rule = service.create_rule(
        uow,
        caller.workspace_id,
        name=body.name,
        definition_raw=body.definition,
        schedule=body.schedule.model_dump(),
        notify_emails=body.notify_emails,
        notify_webhooks=body.notify_webhooks,
        webhook_secret=body.webhook_secret,
        enabled=body.enabled,
        actor=caller.actor,
    )
    return RuleRead.of(rule)


@router.post(
    "/simulate",
    response_model=SimulationRead,
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may simulate
)
def simulate_definition(body: SimulateIn, uow: Uow, caller: Caller) -> Any:
    """What a definition (not yet a rule) would have done over the stored history."""
    if body.definition is None:
        raise ValidationFailed("give the definition to simulate", field="definition")
    return evaluations.simulate(
        uow, caller.workspace_id, body.definition, days=body.days, until=body.until
    )


@router.put("/labels", status_code=204)
def set_labels(body: LabelsIn, uow: Uow, caller: Writer) -> Response:
    """Put labels on a promotion (``channel:row id``); rules can exclude labelled objects."""
    service.set_labels(uow, caller.workspace_id, body.object_key, body.labels)
    return Response(status_code=204)


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationRead)
def get_evaluation(evaluation_id: int, uow: Uow, caller: Caller) -> EvaluationRead:
    row, decisions = log.evaluation(uow, caller.workspace_id, evaluation_id)
    return EvaluationRead.of(row, decisions)


@router.get("/{rule_id}", response_model=RuleRead)
def get_rule(rule_id: int, uow: Uow, caller: Caller) -> RuleRead:
    return RuleRead.of(service.get_rule(uow, caller.workspace_id, rule_id))


@router.patch("/{rule_id}", response_model=RuleRead)
def update_rule(rule_id: int, body: RuleUpdate, uow: Uow, caller: Writer) -> RuleRead:
    rule = service.update_rule(
        uow,
        caller.workspace_id,
        rule_id,
        actor=caller.actor,
        name=body.name,
        definition_raw=body.definition,
        schedule=body.schedule.model_dump() if body.schedule else None,
        notify_emails=body.notify_emails,
        notify_webhooks=body.notify_webhooks,
        webhook_secret=body.webhook_secret,
    )
    return RuleRead.of(rule)


@router.post("/{rule_id}/enable", response_model=RuleRead)
def enable_rule(rule_id: int, uow: Uow, caller: Writer) -> RuleRead:
    rule = service.set_enabled(uow, caller.workspace_id, rule_id, True, actor=caller.actor)
    return RuleRead.of(rule)


@router.post("/{rule_id}/disable", response_model=RuleRead)
def disable_rule(rule_id: int, uow: Uow, caller: Writer) -> RuleRead:
    rule = service.set_enabled(uow, caller.workspace_id, rule_id, False, actor=caller.actor)
    return RuleRead.of(rule)


@router.post("/{rule_id}/run", response_model=RunRead, status_code=202)
def run_rule(rule_id: int, uow: Uow, caller: Writer) -> RunRead:
    """Evaluate an enabled rule now, not at its next due time: a worker runs the evaluation
    for the current second (once, however often asked in that second) and logs it; the
    schedule is unchanged. 409 for a disabled rule."""
    due, job = evaluations.run_now(uow, caller.workspace_id, rule_id, actor=caller.actor)
    return RunRead(rule_id=rule_id, due_at=due, job_id=job.id)


@router.post(
    "/{rule_id}/simulate",
    response_model=SimulationRead,
    openapi_extra={"x-promodesk-dry-run": True},  # changes nothing: viewers may simulate
)
def simulate_rule(rule_id: int, body: SimulateIn, uow: Uow, caller: Caller) -> Any:
    """What the rule (or ``definition``, a change being considered) would have done."""
    rule = service.get_rule(uow, caller.workspace_id, rule_id)
    return evaluations.simulate(
        uow,
        caller.workspace_id,
        body.definition or rule.definition,
        days=body.days,
        until=body.until,
        rule_id=rule.id,
    )


@router.get("/{rule_id}/evaluations", response_model=Page[EvaluationRead])
def list_evaluations(
    rule_id: int, uow: Uow, caller: Caller, limit: Limit = 50, cursor: Cursor = None
) -> Any:
    """The rule's operation log, newest first (each evaluation's decisions: by its id)."""
    rows = log.evaluations(
        uow, caller.workspace_id, rule_id=rule_id, before_id=after(cursor), limit=fetch(limit)
    )
    return Page[EvaluationRead](**page([EvaluationRead.of(r) for r in rows], limit))


@router.delete("/{rule_id}", response_model=Deleted)
def delete_rule(rule_id: int, uow: Uow, caller: Writer) -> Deleted:
    service.delete_rule(uow, caller.workspace_id, rule_id, actor=caller.actor)
    return Deleted(id=rule_id)
