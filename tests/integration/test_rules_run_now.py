"""A "Run now": an operator evaluates an enabled rule without waiting for its next due time,
through the scheduler's own path (the same evaluation job, the same (rule, due time) key), so
the rule is evaluated once however often it is asked for in a second, and once when the
schedule reaches the same due time; the schedule is left as it is; every request is audited.
Over HTTP (Idempotency-Key replays), the CLI and the console (operators only), on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.app import load_handlers
from promodesk.cli import app as cli_app
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict
from promodesk.kit.jobs.worker import Worker
from promodesk.models import AuditEvent, Job, Rule, RuleDecision, RuleEvaluation, Workspace
from promodesk.rules.service import evaluation
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration.rules_support import (
    campaigns_with_history,
    make_rule,
    spend_no_results_rule,
)
from tests.integration.test_console_support import console_client, log_in, new_member, post_form
from tests.integration.test_rules_evaluation import DAY, NOW

ASKED = NOW + timedelta(seconds=30, microseconds=123)  # 04:00:30 UTC, between two due times
DRY = spend_no_results_rule(guardrails={"dry_run": True})  # decides, acts on nothing


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    load_handlers()
    at = clock.FrozenClock(ASKED)
    previous = clock.set_clock(at)
    yield at
    clock.set_clock(previous)


def _evaluations(db: Database, rule_id: int) -> list[RuleEvaluation]:
    with db.transaction() as uow:
        rows = list(
            uow.session.scalars(
                select(RuleEvaluation)
                .where(RuleEvaluation.rule_id == rule_id)
                .order_by(RuleEvaluation.id)
            )
        )
        uow.session.expunge_all()
        return rows


def _audited(db: Database, rule_id: int) -> list[AuditEvent]:
    with db.transaction() as uow:
        rows = list(
            uow.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "rule.run", AuditEvent.object_id == str(rule_id)
                )
            )
        )
        uow.session.expunge_all()
        return rows


def _setup(db: Database, ws: int, **kw: object) -> int:
    campaigns_with_history(db, ws, DAY, [(1000, 600, 0), (1000, 600, 1)], days=3)
    return make_rule(
        db, ws, DRY, schedule={"kind": "every", "every_minutes": 1}, enabled=True, **kw
    )


def test_run_now_is_the_schedules_evaluation_once(
    db: Database, workspace: Workspace, frozen: clock.FrozenClock
) -> None:
    rule_id = _setup(db, workspace.id)
    with db.transaction() as uow:
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        scheduled = rule.next_due_at
    assert scheduled is not None
    assert clock.ensure_utc(scheduled) == NOW + timedelta(minutes=1)

    with db.transaction() as uow:
        due, job = evaluation.run_now(uow, workspace.id, rule_id, actor="user:ops")
        first_job = job.id
    assert due == NOW + timedelta(seconds=30)  # the current second
    with db.transaction() as uow:  # asked again in the same second: the same job
        again, job = evaluation.run_now(uow, workspace.id, rule_id, actor="user:ops")
        assert (again, job.id) == (due, first_job)
        assert job.name == evaluation.EVALUATE_JOB
        assert job.payload == {"due_at": due.isoformat(), "rule_ids": [rule_id]}
    Worker(db, workspace_id=workspace.id).run_until_idle()

    (made,) = _evaluations(db, rule_id)
    assert clock.ensure_utc(made.due_at) == due
    assert (made.in_scope, made.matched, made.dry_run) == (2, 1, True)
    with db.transaction() as uow:
        (decision,) = uow.session.scalars(
            select(RuleDecision).where(RuleDecision.evaluation_id == made.id)
        ).all()
        assert (decision.outcome, decision.action) == ("dry_run", "pause")
        assert decision.seen["spend_no_results"] == "30.00"
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        assert clock.ensure_utc(rule.next_due_at) == NOW + timedelta(minutes=1)  # unchanged
    events = _audited(db, rule_id)
    assert [(e.actor, e.after["due_at"]) for e in events] == [("user:ops", due.isoformat())] * 2

    # Run now at the very second the schedule is due: the tick's job is the same job, and the
    # due time is evaluated once.
    frozen.advance(timedelta(seconds=30))
    with db.transaction() as uow:
        on_time, job = evaluation.run_now(uow, workspace.id, rule_id, actor="user:ops")
        asked_job = job.id
    with db.transaction() as uow:
        assert evaluation.tick(uow, workspace_id=workspace.id) == 1
        jobs = uow.session.scalar(
            select(func.count()).where(
                Job.name == evaluation.EVALUATE_JOB, Job.workspace_id == workspace.id
            )
        )
        assert jobs == 2  # the first run's job and this due time's one
    Worker(db, workspace_id=workspace.id).run_until_idle()
    with db.transaction() as uow:  # a replayed or second job of that due time does nothing
        assert evaluation.evaluate_due(uow, workspace.id, on_time, [rule_id]) == []
    assert [clock.ensure_utc(e.due_at) for e in _evaluations(db, rule_id)] == [due, on_time]
    assert asked_job != first_job


def test_a_disabled_rule_is_not_run(db: Database, workspace: Workspace, frozen: object) -> None:
    rule_id = make_rule(db, workspace.id, DRY)
    with db.transaction() as uow, pytest.raises(Conflict) as refused:
        evaluation.run_now(uow, workspace.id, rule_id)
    assert "enable the rule" in refused.value.detail
    with db.transaction() as uow:
        jobs = select(func.count()).where(
            Job.name == evaluation.EVALUATE_JOB, Job.workspace_id == workspace.id
        )
        assert uow.session.scalar(jobs) == 0
    assert _audited(db, rule_id) == []


def test_run_now_over_http(db: Database, tmp_path: Path, frozen: object) -> None:
    ws = new_workspace(db)
    rule_id = _setup(db, ws.id)
    idle = make_rule(db, ws.id, DRY, name="Disabled")
    other = new_workspace(db)
    foreign = make_rule(db, other.id, DRY, enabled=True)
    admin = bearer(new_key(db, ws, "admin"))
    viewer = bearer(new_key(db, ws, "viewer"))
    url = f"/api/v1/rules/{rule_id}/run"
    with TestClient(make_app(db, tmp_path)) as client:
        assert client.post(url, headers={**viewer, "Idempotency-Key": "v1"}).status_code == 403
        r = client.post(url, headers={**admin, "Idempotency-Key": "run-1"})
        assert r.status_code == 202, r.text
        body = r.json()
        assert body["rule_id"] == rule_id
        assert body["due_at"] == "2026-11-20T04:00:30Z"
        replay = client.post(url, headers={**admin, "Idempotency-Key": "run-1"})
        assert (replay.status_code, replay.json()) == (202, body)
        assert len(_audited(db, rule_id)) == 1  # the replay did not run again

        r = client.post(f"/api/v1/rules/{idle}/run", headers={**admin, "Idempotency-Key": "i"})
        assert r.status_code == 409
        assert r.json()["error"] == "Conflict"
        assert "enable the rule" in r.json()["detail"]
        r = client.post(f"/api/v1/rules/{foreign}/run", headers={**admin, "Idempotency-Key": "f"})
        assert r.status_code == 404
        r = client.post("/api/v1/rules/abc/run", headers={**admin, "Idempotency-Key": "x"})
        assert r.status_code == 404  # no such rule, as the other rules' routes answer

        Worker(db, workspace_id=ws.id).run_until_idle()
        r = client.get(f"/api/v1/rules/{rule_id}/evaluations", headers=viewer)
        (listed,) = r.json()["items"]
        assert listed["due_at"] == body["due_at"]
        assert client.get(f"/api/v1/jobs/{body['job_id']}", headers=admin).json()["status"] == (
            "done"
        )


@pytest.fixture
def cli(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frozen: object
) -> Iterator[CliRunner]:
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    yield CliRunner()
    clikit.reset()


def test_rules_run_command(db: Database, cli: CliRunner) -> None:
    ws = new_workspace(db)
    rule_id = _setup(db, ws.id)
    idle = make_rule(db, ws.id, DRY, name="Disabled")
    w = ["--workspace", ws.slug]
    r = cli.invoke(cli_app, ["rules", "run", str(rule_id), *w, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["due_at"] == "2026-11-20T04:00:30Z"
    r = cli.invoke(cli_app, ["rules", "run", str(rule_id), *w])
    assert r.exit_code == 0, r.output
    assert "is queued" in r.stdout
    assert [e.actor for e in _audited(db, rule_id)] == ["cli", "cli"]
    bad = cli.invoke(cli_app, ["rules", "run", str(idle), *w])
    assert bad.exit_code == 1
    assert "enable the rule" in bad.output
    Worker(db, workspace_id=ws.id).run_until_idle()
    r = cli.invoke(cli_app, ["rules", "log", str(rule_id), *w, "--json"])
    assert len(json.loads(r.stdout)) == 1  # asked twice in one second: evaluated once


def test_run_now_in_the_console(db: Database, tmp_path: Path, frozen: object) -> None:
    member = new_member(db, "operator")
    ws = member.workspace.id
    rule_id = _setup(db, ws)
    idle = make_rule(db, ws, DRY, name="Disabled")
    viewer = new_member(db, "viewer", workspace=member.workspace)
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        page = client.get(f"/rules/{rule_id}").text
        assert f'action="/rules/{rule_id}/run"' in page
        assert "Run now" in page
        assert f'action="/rules/{idle}/run"' not in client.get(f"/rules/{idle}").text

        where = post_form(client, f"/rules/{rule_id}/run", {}, csrf)
        assert where.startswith(f"/rules/{rule_id}?run=")
        waiting = client.get(where).text
        assert "is being evaluated now" in waiting  # the flash
        assert 'http-equiv="refresh"' in waiting  # the page follows the queued evaluation
        Worker(db, workspace_id=ws).run_until_idle()
        done = client.get(where).text
        assert 'http-equiv="refresh"' not in done
        (made,) = _evaluations(db, rule_id)
        assert f'href="/rules/evaluations/{made.id}"' in done
        assert client.get(f"/rules/{rule_id}?run=not-a-job").status_code == 200

        refused = client.post(
            f"/rules/{idle}/run", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert refused.status_code == 409
        assert "enable the rule to run it now" in refused.text.lower()

        post_form(client, "/locale", {"locale": "zh_Hans", "next": "/"}, csrf)
        zh = client.get(f"/rules/{rule_id}").text
        assert "立即执行" in zh
        assert "规则已立即执行" in client.get("/audit?object_type=rule").text
        refused = client.post(
            f"/rules/{idle}/run", data={"csrf_token": csrf}, follow_redirects=False
        )
        assert "先启用规则才能立即执行" in refused.text

    with console_client(db, tmp_path) as client:
        csrf = log_in(client, viewer)
        page = client.get(f"/rules/{rule_id}").text
        assert "/run" not in page
        assert "/edit" not in page
        answer = client.post(f"/rules/{rule_id}/run", data={"csrf_token": csrf})
        assert "Not allowed" in answer.text  # sent back with the refusal, nothing queued
    assert len(_audited(db, rule_id)) == 1
