"""Rules act through each feature's own service: a Promote order that spends without results is
stopped (its unspent coins go back by the settlement it enqueues); sold-out shop enrollments are
withdrawn by their stage path, and the shop's 30 % guardrail refuses what would break it (a rule
never forces it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from promodesk.app import load_handlers
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import PromoteOrderHourly, Rule, RuleDecision, ShopProduct, Workspace
from promodesk.promote.service import orders as orders_service
from promodesk.rules.service import evaluation
from promodesk.shop.service import catalog
from tests.integration import promote_factories as promote
from tests.integration import shop_factories as shop
from tests.integration.rules_support import make_rule


def _run(db: Database, rule_id: int) -> list[RuleDecision]:
    with db.transaction() as uow:
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        rule.next_due_at = clock.now() - timedelta(seconds=1)
        ws = rule.workspace_id
    with db.transaction() as uow:
        assert evaluation.tick(uow, workspace_id=ws) == 1
    Worker(db, workspace_id=ws).run_until_idle()
    with db.transaction() as uow:
        found = uow.session.scalars(
            select(RuleDecision).where(RuleDecision.rule_id == rule_id).order_by(RuleDecision.id)
        ).all()
        for d in found:
            uow.session.expunge(d)
        return list(found)


def test_a_promote_order_spending_without_results_is_stopped(
    db: Database, workspace: Workspace
) -> None:
    load_handlers()
    ws = workspace.id
    with db.transaction() as uow:
        creator = promote.make_creator(uow, ws)
        promote.fund(uow, ws, creator, 5000)
        idle = promote.place(uow, ws, creator, promote.make_video(uow, ws, creator))
        viewed = promote.place(uow, ws, creator, promote.make_video(uow, ws, creator))
        hour = clock.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        for order, views in ((idle, 0), (viewed, 40)):
            uow.session.add(
                PromoteOrderHourly(
                    order_id=order, hour=hour, workspace_id=ws, spend_coins=300, views=views
                )
            )
    rule_id = make_rule(
        db,
        ws,
        {
            "scope": {"channel": "promote_order", "owner_ids": [creator]},
            "conditions": {
                "op": "and",
                "items": [{"metric": "spend_no_results", "cmp": ">=", "value": "200"}],
            },
            "action": {"kind": "stop_order"},
            "lookback_days": 1,
        },
        enabled=True,
    )
    (decision,) = _run(db, rule_id)
    assert decision.object_ref == idle
    assert decision.seen == {"spend_no_results": "300", "currency": "COIN"}
    assert decision.status == "done", decision.detail
    with db.transaction() as uow:
        assert orders_service.get_order(uow, ws, idle).status == "stopped"
        assert orders_service.get_order(uow, ws, viewed).status == "in_review"


def test_sold_out_enrollments_are_withdrawn_within_the_shop_guardrails(
    db: Database, workspace: Workspace
) -> None:
    load_handlers()
    ws = workspace.id
    _, _, enrollments = shop.setup(db, ws, n=10)
    sold_out = enrollments[:4]
    with db.transaction() as uow:
        for e_id in sold_out:
            e = catalog.get_enrollment(uow, ws, e_id)
            product = uow.session.get(ShopProduct, e.product_id)
            assert product is not None
            product.stock = 0
    rule_id = make_rule(
        db,
        ws,
        {
            "scope": {"channel": "shop_enrollment"},
            "conditions": {"op": "and", "items": [{"metric": "stock", "cmp": "<=", "value": "0"}]},
            "action": {"kind": "withdraw"},
        },
        enabled=True,
    )
    decisions = _run(db, rule_id)
    assert [d.object_ref for d in decisions] == sold_out
    statuses = [d.status for d in decisions]
    # at most 30 % of the activity's 10 products may leave it: the fourth is refused
    assert statuses == ["done", "done", "done", "refused"], [d.detail for d in decisions]
    with db.transaction() as uow:
        states = [catalog.get_enrollment(uow, ws, e).state for e in sold_out]
    assert states[3] == "approved"
    assert all(s != "approved" for s in states[:3])
