"""An evaluation job's rules evaluated together: each rule once per due time (a replayed job
writes nothing), each with its own history, labels and disabled rules respected; objects of
ad accounts in different zones summed over their own local days in one read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import Job, RuleDecision, RuleEvaluation, TikTokAdAccount, Workspace
from promodesk.rules.service import evaluation
from promodesk.rules.service import rules as rules_service
from tests.integration.accounts_factories import make_ad_account, make_campaign
from tests.integration.rules_support import (
    campaigns_with_history,
    daily_rows,
    make_rule,
    spend_no_results_rule,
)

# 12:00 in Singapore on 2026-11-20; 20:00 on 2026-11-19 in Los Angeles
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)


def _log(db: Database, ws: int) -> list[tuple[int, str, str, str]]:
    with db.read() as uow:
        rows = uow.session.execute(
            select(
                RuleDecision.rule_id,
                RuleDecision.object_key,
                RuleDecision.outcome,
                RuleDecision.status,
            )
            .where(RuleDecision.workspace_id == ws)
            .order_by(RuleDecision.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _count(db: Database, ws: int, what: type) -> int:
    with db.read() as uow:
        found = uow.session.scalar(
            select(func.count()).select_from(what).where(what.workspace_id == ws)  # type: ignore[attr-defined]
        )
    return int(found or 0)


@pytest.fixture
def at_now() -> Iterator[clock.FrozenClock]:
    frozen = clock.FrozenClock(NOW)
    previous = clock.set_clock(frozen)
    try:
        yield frozen
    finally:
        clock.set_clock(previous)


def test_a_job_evaluates_each_rule_once_with_its_own_history_and_labels(
    db: Database, workspace: Workspace, at_now: clock.FrozenClock
) -> None:
    ws = workspace.id
    _, cs = campaigns_with_history(
        db, ws, DAY, [(1000, 600, 0), (1000, 600, 1), (500, 600, 0), (1000, 200, 0)]
    )
    keys = [f"tiktok_campaign:{c.id}" for c in cs]
    cooling = make_rule(db, ws, spend_no_results_rule(), name="Cooling", enabled=True)
    careful = make_rule(
        db,
        ws,
        spend_no_results_rule(guardrails={"exclude_labels": ["vip"], "cooldown_minutes": 0}),
        name="Careful",
        enabled=True,
    )
    off = make_rule(db, ws, spend_no_results_rule(), name="Off")
    with db.transaction() as uow:
        rules_service.set_labels(uow, ws, keys[0], ["VIP"])

    with db.transaction() as uow:
        made = evaluation.evaluate_due(uow, ws, NOW, [cooling, careful, off], now=NOW)
    assert len(made) == 2  # the disabled rule is skipped
    first = [
        (cooling, keys[0], "act", "pending"),
        (cooling, keys[3], "insufficient_data", "logged"),
        (careful, keys[0], "excluded", "logged"),
        (careful, keys[3], "insufficient_data", "logged"),
    ]
    assert _log(db, ws) == first
    assert _count(db, ws, Job) == 1  # the one pending action's job

    # the same due time again (a replayed job): nothing more is written
    with db.transaction() as uow:
        assert evaluation.evaluate_due(uow, ws, NOW, [careful, cooling], now=NOW) == []
    assert _log(db, ws) == first
    assert (_count(db, ws, RuleEvaluation), _count(db, ws, Job)) == (2, 1)

    # 30 minutes later: the pause is in its rule's 60-minute cooldown; the other rule has none
    later = NOW + timedelta(minutes=30)
    at_now.set(later)
    with db.transaction() as uow:
        assert len(evaluation.evaluate_due(uow, ws, later, [cooling, careful], now=later)) == 2
    assert _log(db, ws)[4:] == [
        (cooling, keys[0], "cooldown", "logged"),
        (cooling, keys[3], "insufficient_data", "logged"),
        (careful, keys[0], "excluded", "logged"),
        (careful, keys[3], "insufficient_data", "logged"),
    ]
    with db.read() as uow:
        ev = uow.session.scalars(select(RuleEvaluation).where(RuleEvaluation.id == made[0])).one()
        got = (ev.rule_id, ev.due_at, ev.in_scope, ev.matched, ev.acted, ev.counts)
    counts = {"act": 1, "insufficient_data": 1, "not_met": 2, "other_status": 0}
    assert got == (cooling, NOW, 4, 2, 1, counts)


def test_objects_in_two_zones_are_summed_over_their_own_local_days(
    db: Database, workspace: Workspace
) -> None:
    ws = workspace.id
    spend = {"Asia/Singapore": (1000, 3000), "America/Los_Angeles": (500, 7000)}
    keys = {}
    with db.transaction() as uow:
        for zone, (day_before, day_of) in spend.items():
            account = make_ad_account(uow, ws)
            row = uow.session.get(TikTokAdAccount, account)
            assert row is not None
            row.timezone = zone
            cid = make_campaign(uow, ws, account, name=zone)
            from promodesk.models import TikTokCampaign

            c = uow.session.get(TikTokCampaign, cid)
            assert c is not None
            c.operation_status = "ENABLE"
            daily_rows(
                uow,
                ws,
                account,
                c.campaign_id,
                {DAY - timedelta(days=1): (day_before, 100, 0), DAY: (day_of, 100, 0)},
                zone=zone,
            )
            keys[zone] = f"tiktok_campaign:{cid}"
    raw = {
        "scope": {"channel": "tiktok_campaign"},
        "conditions": {"op": "and", "items": [{"metric": "spend", "cmp": ">", "value": "0"}]},
        "action": {"kind": "notify"},
        "lookback_days": 1,
    }
    rule = make_rule(db, ws, raw, name="Any spend today", enabled=True)
    with db.transaction() as uow:
        (made,) = evaluation.evaluate_due(uow, ws, NOW, [rule], now=NOW)
    with db.read() as uow:
        seen = {
            d.object_key: d.seen["spend"]
            for d in uow.session.scalars(
                select(RuleDecision).where(RuleDecision.evaluation_id == made)
            )
        }
    # Singapore's today is the 20th; Los Angeles' is still the 19th
    assert seen == {keys["Asia/Singapore"]: "30.00", keys["America/Los_Angeles"]: "5.00"}
