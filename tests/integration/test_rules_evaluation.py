"""Live evaluation writes its log once per due time; simulation decides what live evaluation
decides on the same data; the log keeps the values seen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job, OutboxEmail, RuleDecision, RuleEvaluation, Workspace
from promodesk.rules.service import evaluation
from promodesk.rules.service import rules as rules_service
from tests.integration.rules_support import (
    campaigns_with_history,
    make_rule,
    spend_no_results_rule,
)

# 12:00 in Singapore on 2026-11-20: the lookback ends on that local day
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)


def _data(db: Database, ws: int) -> list[str]:
    _, cs = campaigns_with_history(
        db,
        ws,
        DAY,
        [
            (1000, 600, 0),  # 10.00 a day, no results: 30 over 3 days → pause
            (1000, 600, 1),  # has results
            (500, 600, 0),  # 15 over 3 days: below the threshold
            (1000, 200, 0),  # 600 impressions in 3 days: too little data
        ],
    )
    return [f"tiktok_campaign:{c.id}" for c in cs]


def test_live_evaluation_logs_decisions_with_values_and_runs_once(
    db: Database, workspace: Workspace
) -> None:
    keys = _data(db, workspace.id)
    rule_id = make_rule(
        db, workspace.id, spend_no_results_rule(), notify_emails=["ops@example.com"]
    )
    with db.transaction() as uow:
        rule = rules_service.get_rule(uow, workspace.id, rule_id)
        first = evaluation.run_rule(uow, rule, NOW, NOW)
        assert first is not None
        again = evaluation.run_rule(uow, rule, NOW, NOW)  # the same due time: nothing
        assert again is None
        ev_id = first.id
    with db.transaction() as uow:
        ev = uow.session.get(RuleEvaluation, ev_id)
        assert ev is not None
        assert (ev.in_scope, ev.matched, ev.acted) == (4, 2, 1)
        assert ev.counts == {"act": 1, "insufficient_data": 1, "not_met": 2, "other_status": 0}
        rows = uow.session.scalars(
            select(RuleDecision)
            .where(RuleDecision.evaluation_id == ev_id)
            .order_by(RuleDecision.id)
        ).all()
        got = {(r.object_key, r.outcome, r.status) for r in rows}
        assert got == {(keys[0], "act", "pending"), (keys[3], "insufficient_data", "logged")}
        acted = next(r for r in rows if r.outcome == "act")
        assert acted.seen == {
            "spend_no_results": "30.00",
            "spend": "30.00",
            "impressions": "1800",
            "currency": "USD",
        }
        jobs = uow.session.scalar(
            select(func.count()).where(Job.dedupe_key == f"{evaluation.ACT_JOB}:{acted.id}")
        )
        assert jobs == 1
        mails = uow.session.scalars(
            select(OutboxEmail.ref).where(OutboxEmail.workspace_id == workspace.id)
        ).all()
        assert mails == [f"rule-evaluation-{ev_id}"]


def test_simulation_equals_live_evaluation_on_the_same_data(
    db: Database, workspace: Workspace
) -> None:
    _data(db, workspace.id)
    raw = spend_no_results_rule(guardrails={"max_actions": 5, "cooldown_minutes": 0})
    rule_id = make_rule(db, workspace.id, raw)
    with db.transaction() as uow:
        simulated = evaluation.simulate(uow, workspace.id, raw, days=1, until=DAY, rule_id=rule_id)
        rule = rules_service.get_rule(uow, workspace.id, rule_id)
        ev = evaluation.run_rule(uow, rule, NOW, NOW)
        assert ev is not None
        live = uow.session.scalars(
            select(RuleDecision).where(RuleDecision.evaluation_id == ev.id)
        ).all()
    (day,) = simulated["days"]
    assert day["day"] == DAY.isoformat()
    assert day["in_scope"] == ev.in_scope
    assert sorted(
        (d["object_key"], d["outcome"], d["action"], d["values"]) for d in day["decisions"]
    ) == sorted((r.object_key, r.outcome, r.action, r.seen) for r in live)


def test_simulation_over_days_applies_its_own_actions_and_cooldown(
    db: Database, workspace: Workspace
) -> None:
    _data(db, workspace.id)
    with db.transaction() as uow:
        out = evaluation.simulate(uow, workspace.id, spend_no_results_rule(), days=7, until=DAY)
    # days 1-2 have too little history (3-day lookback, >20 spent); day 3 pauses campaign 0,
    # which stays paused in the simulation afterwards
    acted = [(d["day"], d["acted"]) for d in out["days"]]
    assert acted == [
        ((DAY - timedelta(days=6 - k)).isoformat(), 1 if k == 2 else 0) for k in range(7)
    ]
    assert out["actions"] == 1
    assert out["objects_acted_on"] == 1


def test_schedules_daily_and_in_the_shops_low_traffic_window(
    db: Database, workspace: Workspace
) -> None:
    from tests.integration import shop_factories

    previous = clock.set_clock(clock.FrozenClock(NOW))  # 12:00 in Shanghai
    try:
        with db.transaction() as uow:
            shop = shop_factories.shop(uow, workspace.id, timezone="Asia/Shanghai")
            activity = shop_factories.activity(
                uow, workspace.id, low_traffic_start_minute=2 * 60, low_traffic_end_minute=6 * 60
            )
            quiet = rules_service.create_rule(
                uow,
                workspace.id,
                name="Quiet hours",
                definition_raw=spend_no_results_rule(),
                schedule={"kind": "low_traffic", "shop_id": shop.id, "activity_id": activity.id},
                enabled=True,
            )
            daily = rules_service.create_rule(
                uow,
                workspace.id,
                name="Mornings",
                definition_raw=spend_no_results_rule(),
                schedule={"kind": "daily", "at_minute": 9 * 60, "timezone": "Asia/Shanghai"},
                enabled=True,
            )
            # the activity's window starts at 02:00 in Shanghai: 18:00 UTC the day before
            assert quiet.next_due_at == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
            assert daily.next_due_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    finally:
        clock.set_clock(previous)


def test_a_dry_run_keeps_its_cooldown_as_its_simulation_does(
    db: Database, workspace: Workspace
) -> None:
    _data(db, workspace.id)
    raw = spend_no_results_rule(guardrails={"dry_run": True, "cooldown_minutes": 60})
    rule_id = make_rule(db, workspace.id, raw)
    outcomes = []
    with db.transaction() as uow:
        rule = rules_service.get_rule(uow, workspace.id, rule_id)
        for minutes in (0, 30, 61):
            at = NOW + timedelta(minutes=minutes)
            previous = clock.set_clock(clock.FrozenClock(at))
            try:
                ev = evaluation.run_rule(uow, rule, at, at)
            finally:
                clock.set_clock(previous)
            assert ev is not None
            outcomes.append(ev.counts.get("dry_run", 0))
    assert outcomes == [1, 0, 1]  # the second one is in the object's cooldown


def test_demo_rules_are_seeded_once(db: Database, workspace: Workspace) -> None:
    from promodesk.rules.demo import DEMO_RULES, seed_rules

    with db.transaction() as uow:
        seed_rules(uow, workspace.id)
        seed_rules(uow, workspace.id)
        rows = rules_service.list_rules(uow, workspace.id)
    assert [r.name for r in rows] == [name for name, _ in DEMO_RULES]
    assert not any(r.enabled for r in rows)


def test_a_tick_takes_every_due_rule_in_pages(
    db: Database, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from promodesk.models import Job, Rule

    monkeypatch.setattr(evaluation, "PAGE", 2)
    ids = [make_rule(db, workspace.id, spend_no_results_rule(), enabled=True) for _ in range(5)]
    with db.transaction() as uow:
        for rule_id in ids:
            row = uow.session.get(Rule, rule_id)
            assert row is not None
            row.next_due_at = NOW
        assert evaluation.tick(uow, now=NOW, workspace_id=workspace.id) == 5
        assert evaluation.tick(uow, now=NOW, workspace_id=workspace.id) == 0
        payloads = uow.session.scalars(
            select(Job.payload).where(
                Job.workspace_id == workspace.id, Job.name == evaluation.EVALUATE_JOB
            )
        ).all()
    assert sorted(i for p in payloads for i in p["rule_ids"]) == ids


def test_a_tick_moves_each_schedule_on_and_leaves_a_rule_another_tick_moved(
    db: Database, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The due times move on by one compare-and-set per (due, next due) pair: each rule gets
    its own schedule's next due time, and a rule whose due time another tick moved between
    the read and the update is neither moved again nor enqueued."""
    from promodesk.models import Job, Rule
    from promodesk.rules.repository.rules import RulesRepository

    hourly = [make_rule(db, workspace.id, spend_no_results_rule(), enabled=True) for _ in range(3)]
    every_5 = make_rule(
        db,
        workspace.id,
        spend_no_results_rule(),
        enabled=True,
        schedule={"kind": "every", "every_minutes": 5},
    )
    taken, later = hourly[1], NOW + timedelta(minutes=7)
    read = RulesRepository.due

    def due_then_taken(self: RulesRepository, *args: object, **kwargs: object) -> list[Rule]:
        page = read(self, *args, **kwargs)  # type: ignore[arg-type]
        # another tick moves one of them after this one read them
        self.s.execute(
            Rule.__table__.update()  # type: ignore[attr-defined]
            .where(Rule.id == taken)
            .values(next_due_at=later)
        )
        return page

    monkeypatch.setattr(RulesRepository, "due", due_then_taken)
    with db.transaction() as uow:
        for rule_id in [*hourly, every_5]:
            row = uow.session.get(Rule, rule_id)
            assert row is not None
            row.next_due_at = NOW
        uow.session.flush()
        assert evaluation.tick(uow, now=NOW, workspace_id=workspace.id) == 3
        payloads = uow.session.scalars(
            select(Job.payload).where(
                Job.workspace_id == workspace.id, Job.name == evaluation.EVALUATE_JOB
            )
        ).all()
        uow.session.expire_all()
        due = {i: uow.session.get(Rule, i).next_due_at for i in [*hourly, every_5]}  # type: ignore[union-attr]
    assert sorted(i for p in payloads for i in p["rule_ids"]) == sorted(
        [hourly[0], hourly[2], every_5]
    )
    assert {i: clock.ensure_utc(d) for i, d in due.items() if d is not None} == {
        hourly[0]: NOW + timedelta(hours=1),
        hourly[1]: later,
        hourly[2]: NOW + timedelta(hours=1),
        every_5: NOW + timedelta(minutes=5),
    }
