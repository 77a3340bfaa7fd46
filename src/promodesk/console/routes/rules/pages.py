"""The rules list, a rule (its settings, enable/disable, the log of its evaluations), its
simulation on the stored history, and one evaluation's decisions with the values seen."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow, ViewerVisit
from promodesk.rules.service import evaluation, log
from promodesk.rules.service import rules as rules_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)


@router.get("/rules")
def rule_list(visit: ViewerVisit, uow: Uow) -> Response:
    rows = rules_service.list_rules(uow, visit.principal.workspace_id, limit=500)
    return visit.page("rules/list.html", rules=rows)


@router.get("/rules/evaluations/{evaluation_id}")
def evaluation_page(visit: ViewerVisit, uow: Uow, evaluation_id: int) -> Response:
    row, decisions = log.evaluation(uow, visit.principal.workspace_id, evaluation_id)
    rule = rules_service.get_rule(uow, visit.principal.workspace_id, row.rule_id)
    return visit.page("rules/evaluation.html", rule=rule, evaluation=row, decisions=decisions)


@router.get("/rules/{rule_id}")
def rule_page(visit: ViewerVisit, uow: Uow, rule_id: int) -> Response:
    ws = visit.principal.workspace_id
    rule = rules_service.get_rule(uow, ws, rule_id)
    evaluations = log.evaluations(uow, ws, rule_id=rule_id, limit=50)
    run = visit.request.query_params.get("run", "")  # the job of a "Run now" just asked for
    run_job = int(run) if run.isascii() and run.isdigit() and len(run) < 19 else None
    # the page reloads itself while a "Run now" is queued or a decision's action is under way
    waiting = log.waiting(uow, ws, rule_id, run_job_id=run_job)
    return visit.page("rules/rule.html", rule=rule, evaluations=evaluations, waiting=waiting)


@router.get("/rules/{rule_id}/simulate")
def simulate_page(visit: ViewerVisit, uow: Uow, rule_id: int) -> Response:
    ws = visit.principal.workspace_id
    rule = rules_service.get_rule(uow, ws, rule_id)
    q = visit.request.query_params
    days = forms.whole(q, "days", low=1, high=90, default=30)
    until = forms.day(q.get("until"), "until")
    result = evaluation.simulate(
        uow, ws, rule.definition, days=days, until=until or None, rule_id=rule.id
    )
    return visit.page("rules/simulate.html", rule=rule, result=result, days=days)


@router.post("/rules/{rule_id}/enable")
def enable(visit: OperatorVisit, uow: Uow, rule_id: int) -> Response:
    rules_service.set_enabled(
        uow, visit.principal.workspace_id, rule_id, True, actor=visit.principal.actor
    )
    visit.flash("success", visit._("The rule is enabled: workers evaluate it on its schedule."))
    return visit.redirect(f"/rules/{rule_id}")


@router.post("/rules/{rule_id}/run")
def run_now(visit: OperatorVisit, uow: Uow, rule_id: int) -> Response:
    _due, job = evaluation.run_now(
        uow, visit.principal.workspace_id, rule_id, actor=visit.principal.actor
    )
    visit.flash(
        "success",
        visit._(
            "The rule is being evaluated now: the evaluation appears in its operation log "
            "below within moments."
        ),
    )
    return visit.redirect(f"/rules/{rule_id}?run={job.id}")


@router.post("/rules/{rule_id}/disable")
def disable(visit: OperatorVisit, uow: Uow, rule_id: int) -> Response:
    rules_service.set_enabled(
        uow, visit.principal.workspace_id, rule_id, False, actor=visit.principal.actor
    )
    visit.flash("success", visit._("The rule is disabled."))
    return visit.redirect(f"/rules/{rule_id}")
