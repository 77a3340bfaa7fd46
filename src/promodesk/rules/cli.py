"""``promodesk rules …``: create, list, show, change, enable, disable and delete rules; simulate
one on the stored history; read the evaluation log; evaluate one rule now (``run``) or the due
rules now (``run-due``).

A definition is JSON (``rules.schemas``), given inline or as ``@file.json``. Changes are
audited with the actor ``cli``. Refusals print one line and exit 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from promodesk import clikit
from promodesk.clikit import ACTOR, JsonOpt, WorkspaceOpt, console, database, friendly, show
from promodesk.kit.errors import ValidationFailed
from promodesk.rules.schemas import EvaluationRead, RuleRead, RunRead, SimulationRead
from promodesk.rules.service import evaluation, log
from promodesk.rules.service import rules as service

app = typer.Typer(help="Automated rules: conditions on metrics that pause, stop or notify.")

DefinitionArg = typer.Option(..., "--definition", "-d", help="JSON, or @file.json")


def _json(text: str) -> dict[str, Any]:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ValidationFailed(f"the definition is not JSON: {exc}", field="definition") from None
    if not isinstance(data, dict):
        raise ValidationFailed("the definition is a JSON object", field="definition")
    return data


def _schedule(every: int | None, daily_at: str | None, tz: str, shop: int | None) -> Any:
    if shop is not None:
        return {"kind": "low_traffic", "shop_id": shop}
    if daily_at:
        hh, _, mm = daily_at.partition(":")
        if not (hh.isdigit() and mm.isdigit()):
            raise ValidationFailed("--daily-at is HH:MM", field="at_minute")
        return {"kind": "daily", "at_minute": int(hh) * 60 + int(mm), "timezone": tz}
    if every is not None:
        return {"kind": "every", "every_minutes": every}
    return None


def _rule_text(data: dict[str, Any]) -> None:
    clikit.pairs(f"Rule {data['id']}")(data)
    console.print(json.dumps(data["definition"], ensure_ascii=False, indent=2))


@app.command("create")
@friendly
def create(
    name: str = typer.Option(..., "--name"),
    definition: str = DefinitionArg,
    every: int | None = typer.Option(None, "--every", help="evaluate every N minutes"),
    daily_at: str | None = typer.Option(None, "--daily-at", help="evaluate daily at HH:MM"),
    tz: str = typer.Option("UTC", "--timezone", help="the zone of --daily-at"),
    low_traffic_shop: int | None = typer.Option(None, "--low-traffic-shop", help="shop id"),
    email: list[str] = typer.Option([], "--email", help="notify this address (repeat)"),
    webhook: list[str] = typer.Option([], "--webhook", help="notify this URL (repeat)"),
    enable: bool = typer.Option(False, "--enable"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Create a rule (disabled unless --enable)."""
    with database().transaction() as uow:
        rule = service.create_rule(
            uow,
            clikit.workspace_id(uow, workspace),
            name=name,
            definition_raw=_json(definition),
            schedule=_schedule(every, daily_at, tz, low_traffic_shop),
            notify_emails=email,
            notify_webhooks=webhook,
            enabled=enable,
            actor=ACTOR,
        )
        data = clikit.dump(RuleRead.of(rule))
    show(data, json_out, _rule_text)


@app.command("list")
@friendly
def list_rules(workspace: str = WorkspaceOpt, json_out: bool = JsonOpt) -> None:
    """The workspace's rules: channel, action, state and next evaluation."""
    with database().read() as uow:
        rows = [
            clikit.dump(RuleRead.of(r))
            for r in service.list_rules(uow, clikit.workspace_id(uow, workspace), limit=1000)
        ]
    for r in rows:
        r["channel"] = r["definition"]["scope"]["channel"]
        r["action"] = r["definition"]["action"]["kind"]
    show(
        rows,
        json_out,
        clikit.table(rows, ["id", "name", "enabled", "channel", "action", "next_due_at"]),
    )


@app.command("show")
@friendly
def show_rule(
    rule: int = typer.Argument(..., min=1), workspace: str = WorkspaceOpt, json_out: bool = JsonOpt
) -> None:
    """One rule with its definition."""
    with database().read() as uow:
        data = clikit.dump(
            RuleRead.of(service.get_rule(uow, clikit.workspace_id(uow, workspace), rule))
        )
    show(data, json_out, _rule_text)


@app.command("update")
@friendly
def update(
    rule: int = typer.Argument(..., min=1),
    name: str | None = typer.Option(None, "--name"),
    definition: str | None = typer.Option(None, "--definition", "-d"),
    every: int | None = typer.Option(None, "--every"),
    daily_at: str | None = typer.Option(None, "--daily-at"),
    tz: str = typer.Option("UTC", "--timezone"),
    low_traffic_shop: int | None = typer.Option(None, "--low-traffic-shop"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Change a rule's name, definition or schedule."""
    with database().transaction() as uow:
        row = service.update_rule(
            uow,
            clikit.workspace_id(uow, workspace),
            rule,
            actor=ACTOR,
            name=name,
            definition_raw=_json(definition) if definition else None,
            schedule=_schedule(every, daily_at, tz, low_traffic_shop),
        )
        data = clikit.dump(RuleRead.of(row))
    show(data, json_out, _rule_text)


def _toggle(rule: int, workspace: str, enabled: bool, json_out: bool) -> None:
    with database().transaction() as uow:
        row = service.set_enabled(
            uow, clikit.workspace_id(uow, workspace), rule, enabled, actor=ACTOR
        )
        data = clikit.dump(RuleRead.of(row))
    show(data, json_out, clikit.pairs(f"Rule {rule}"))


@app.command("enable")
@friendly
def enable(
    rule: int = typer.Argument(..., min=1), workspace: str = WorkspaceOpt, json_out: bool = JsonOpt
) -> None:
    """Enable a rule: workers evaluate it from its next due time."""
    _toggle(rule, workspace, True, json_out)


@app.command("disable")
@friendly
def disable(
    rule: int = typer.Argument(..., min=1), workspace: str = WorkspaceOpt, json_out: bool = JsonOpt
) -> None:
    """Disable a rule: no evaluation is due any more."""
    _toggle(rule, workspace, False, json_out)


@app.command("delete")
@friendly
def delete(rule: int = typer.Argument(..., min=1), workspace: str = WorkspaceOpt) -> None:
    """Delete a disabled rule (its log goes with it)."""
    with database().transaction() as uow:
        service.delete_rule(uow, clikit.workspace_id(uow, workspace), rule, actor=ACTOR)
    console.print(f"Rule {rule} deleted.")


@app.command("simulate")
@friendly
def simulate(
    rule: int | None = typer.Argument(None, min=1, help="a stored rule (else --definition)"),
    definition: str | None = typer.Option(None, "--definition", "-d"),
    days: int = typer.Option(30, "--days", min=1, max=90),
    until: str | None = typer.Option(None, "--until", help="last day, YYYY-MM-DD"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """What the rule would have done on each of the last --days days of stored history."""
    try:
        last = date.fromisoformat(until) if until else None
    except ValueError:
        raise ValidationFailed("--until is YYYY-MM-DD", field="until") from None
    with database().read() as uow:
        ws = clikit.workspace_id(uow, workspace)
        stored = service.get_rule(uow, ws, rule) if rule is not None else None
        raw = _json(definition) if definition else (stored.definition if stored else None)
        if raw is None:
            raise ValidationFailed("give a rule or --definition", field="definition")
        out = evaluation.simulate(uow, ws, raw, days=days, until=last, rule_id=rule or 0)
    data = SimulationRead(**out).model_dump(mode="json", by_alias=True)
    show(data, json_out, _simulation_text)


def _simulation_text(data: dict[str, Any]) -> None:
    console.print(
        f"{data['from']} – {data['until']}: {data['actions']} action(s) on "
        f"{data['objects_acted_on']} object(s); {data['totals']}"
    )
    t = Table("day", "in scope", "acted", "objects")
    for d in data["days"]:
        acted = [x["object_name"] for x in d["decisions"] if x["outcome"] in ("act", "dry_run")]
        t.add_row(d["day"], str(d["in_scope"]), str(d["acted"]), ", ".join(acted)[:80])
    console.print(t)


@app.command("log")
@friendly
def log_command(
    rule: int = typer.Argument(..., min=1),
    limit: int = typer.Option(20, "--limit"),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """The rule's evaluations, newest first."""
    with database().read() as uow:
        rows = [
            clikit.dump(EvaluationRead.of(e))
            for e in log.evaluations(
                uow, clikit.workspace_id(uow, workspace), rule_id=rule, limit=limit
            )
        ]
    show(
        rows,
        json_out,
        clikit.table(rows, ["id", "due_at", "dry_run", "in_scope", "matched", "acted", "millis"]),
    )


@app.command("evaluation")
@friendly
def evaluation_command(
    evaluation_id: int = typer.Argument(..., min=1),
    workspace: str = WorkspaceOpt,
    json_out: bool = JsonOpt,
) -> None:
    """One evaluation's decisions: objects, values seen, action, result."""
    with database().read() as uow:
        row, decisions = log.evaluation(uow, clikit.workspace_id(uow, workspace), evaluation_id)
        data = clikit.dump(EvaluationRead.of(row, decisions))
    rows = [{**d, "values": json.dumps(d["values"])} for d in data["decisions"]]
    show(
        data,
        json_out,
        clikit.table(rows, ["object_name", "outcome", "action", "status", "values", "detail"]),
    )


@app.command("run")
@friendly
def run(
    rule: int = typer.Argument(..., min=1), workspace: str = WorkspaceOpt, json_out: bool = JsonOpt
) -> None:
    """Evaluate an enabled rule now, not at its next due time (a worker runs it; see ``log``)."""
    with database().transaction() as uow:
        due, job = evaluation.run_now(uow, clikit.workspace_id(uow, workspace), rule, actor=ACTOR)
        data = clikit.dump(RunRead(rule_id=rule, due_at=due, job_id=job.id))
    show(
        data,
        json_out,
        lambda d: console.print(
            f"Rule {rule}: its evaluation for {d['due_at']} is queued (job {d['job_id']}); "
            f"`promodesk rules log {rule}` shows it once a worker ran it."
        ),
    )


@app.command("run-due")
@friendly
def run_due(workspace: str = WorkspaceOpt) -> None:
    """Enqueue the evaluations that are due now (a worker runs them)."""
    with database().transaction() as uow:
        due = evaluation.tick(uow, workspace_id=clikit.workspace_id(uow, workspace))
    console.print(f"{due} rule(s) due; their evaluations are queued for the workers.")
