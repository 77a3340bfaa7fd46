"""PostgreSQL: two workers ticking and evaluating the same due rule at the same moment, with a
replayed evaluation job besides, evaluate it once and act once (stock to zero on the shop
enrollment whose product sold out, and one notice of each kind)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from promodesk.app import load_handlers
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs import enqueue
from promodesk.kit.jobs.worker import Worker
from promodesk.models import OutboxEmail, Rule, RuleDecision, RuleEvaluation, ShopProduct
from promodesk.rules.service import evaluation
from promodesk.shop.service import catalog
from tests.conftest import make_workspace
from tests.integration import shop_factories as f
from tests.integration.rules_support import make_rule

pytestmark = pytest.mark.postgres

SOLD_OUT = {
    "scope": {"channel": "shop_enrollment"},
    "conditions": {"op": "and", "items": [{"metric": "stock", "cmp": "<=", "value": "0"}]},
    "action": {"kind": "stock_zero"},
    "guardrails": {"cooldown_minutes": 60},
}


def test_two_workers_never_evaluate_or_act_twice(pg_db: Database) -> None:
    load_handlers()
    for _trial in range(3):
        ws = make_workspace(pg_db).id
        _, _, enrollments = f.setup(pg_db, ws, n=10)
        with pg_db.transaction() as uow:
            sold_out = catalog.get_enrollment(uow, ws, enrollments[3])
            product = uow.session.get(ShopProduct, sold_out.product_id)
            assert product is not None
            product.stock = 0
        rule_id = make_rule(
            pg_db,
            ws,
            SOLD_OUT,
            name="Sold out",
            notify_emails=["shop@example.com"],
            schedule={"kind": "every", "every_minutes": 1},
            enabled=True,
        )
        due = clock.now().replace(microsecond=0) - timedelta(seconds=5)
        with pg_db.transaction() as uow:
            rule = uow.session.get(Rule, rule_id)
            assert rule is not None
            rule.next_due_at = due
            # a replayed evaluation job of the same due time, under another dedupe key
            enqueue(
                uow,
                evaluation.EVALUATE_JOB,
                {"due_at": due.isoformat(), "rule_ids": [rule_id]},
                dedupe_key=f"replay:{rule_id}",
                workspace_id=ws,
            )
        barrier = threading.Barrier(2)

        def work(name: str, ws: int = ws, barrier: threading.Barrier = barrier) -> None:
            worker = Worker(pg_db, worker_id=name, workspace_id=ws, poll_seconds=0.05)
            barrier.wait()
            with pg_db.transaction() as uow:
                evaluation.tick(uow, workspace_id=ws)
            worker.run_until_idle()

        threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with pg_db.transaction() as uow:
            evaluations = uow.session.scalars(
                select(RuleEvaluation).where(RuleEvaluation.rule_id == rule_id)
            ).all()
            assert [e.due_at for e in evaluations] == [due]
            decisions = uow.session.scalars(
                select(RuleDecision).where(RuleDecision.rule_id == rule_id)
            ).all()
            assert [(d.object_ref, d.outcome, d.status) for d in decisions] == [
                (enrollments[3], "act", "done")
            ], [d.detail for d in decisions]
            assert catalog.get_enrollment(uow, ws, enrollments[3]).state == "stock_zeroed"
            mails = uow.session.scalar(select(func.count()).where(OutboxEmail.workspace_id == ws))
            assert mails == 2  # the evaluation's notice and the action's result
            rule = uow.session.get(Rule, rule_id)
            assert rule is not None
            assert rule.next_due_at is not None
            assert rule.next_due_at > due
