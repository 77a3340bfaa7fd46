"""A rule pauses a TikTok campaign in the Marketing API sandbox over real HTTP, records the
result in its log and notifies (mail and a chat webhook); a revive rule re-enables it when
late conversions arrive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from promodesk.app import load_handlers
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.jobs.worker import Worker
from promodesk.models import (
    OutboxEmail,
    OutboxWebhook,
    Rule,
    RuleDecision,
    TikTokAdAccount,
    TikTokReportRow,
)
from promodesk.rules.service import evaluation
from promodesk.rules.service.observe import AsOf
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.rules_support import daily_rows, make_rule, spend_no_results_rule
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle

SLACK = "https://hooks.slack.com/services/T000/B000/XXXX"


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def _due(db: Database, rule_id: int) -> None:
    """Make the rule due now, and let a worker of its workspace tick, evaluate and act."""
    with db.transaction() as uow:
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        rule.next_due_at = clock.now() - timedelta(seconds=1)
        ws = rule.workspace_id
    with db.transaction() as uow:
        assert evaluation.tick(uow, workspace_id=ws) == 1
    Worker(db, workspace_id=ws).run_until_idle()


def test_a_rule_pauses_a_campaign_in_the_sandbox_and_notifies(
    db: Database, sb: SandboxHandle
) -> None:
    load_handlers()
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb)
        campaign = row(db, s.account_id, cid)
        Worker(db, workspace_id=s.workspace_id).run_until_idle()  # the import's own jobs
        with db.transaction() as uow:
            uow.session.execute(
                delete(TikTokReportRow).where(
                    TikTokReportRow.ad_account_id == s.account_id, TikTokReportRow.object_id == cid
                )
            )
            account = uow.session.get(TikTokAdAccount, s.account_id)
            assert account is not None
            zone = account.timezone
            today = AsOf(instant=clock.now()).day_in(zone)
            # 3 days of 12.00 spend and 800 impressions, no conversion
            daily_rows(
                uow,
                s.workspace_id,
                s.account_id,
                cid,
                {today - timedelta(days=k): (1200, 800, 0) for k in range(3)},
                zone=zone,
            )
        raw = spend_no_results_rule(scope={"channel": "tiktok_campaign", "object_ids": [cid]})
        rule_id = make_rule(
            db,
            s.workspace_id,
            raw,
            notify_emails=["ads@example.com"],
            notify_webhooks=[SLACK],
            enabled=True,
        )
        _due(db, rule_id)
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"
        assert row(db, s.account_id, cid).operation_status == "DISABLE"
        with db.transaction() as uow:
            (decision,) = uow.session.scalars(
                select(RuleDecision).where(RuleDecision.rule_id == rule_id)
            ).all()
            assert decision.object_ref == campaign.id
            assert decision.status == "done", decision.detail
            assert decision.seen["spend_no_results"] == "36.00"
            refs = set(
                uow.session.scalars(
                    select(OutboxEmail.ref).where(OutboxEmail.workspace_id == s.workspace_id)
                )
            )
            assert f"rule-decision-{decision.id}" in refs
            hooks = uow.session.scalars(
                select(OutboxWebhook).where(OutboxWebhook.workspace_id == s.workspace_id)
            ).all()
            assert {h.event for h in hooks} == {"rule.evaluation", "rule.action"}
            assert all("text" in h.payload for h in hooks)  # Slack's own message format

        # Late attribution: the conversions of those days arrive (the worker's report sync
        # may have read the sandbox's own figures meanwhile: the test sets them again).
        with db.transaction() as uow:
            for r in uow.session.scalars(
                select(TikTokReportRow).where(
                    TikTokReportRow.ad_account_id == s.account_id,
                    TikTokReportRow.object_id == cid,
                    TikTokReportRow.grain == "day",
                )
            ):
                r.spend_minor, r.impressions, r.conversions = 1200, 800, 2
        revive = make_rule(
            db,
            s.workspace_id,
            {
                "scope": {"channel": "tiktok_campaign", "object_ids": [cid]},
                "conditions": {
                    "op": "and",
                    "items": [{"metric": "cost_per_result", "cmp": "<=", "value": "10"}],
                },
                "action": {"kind": "revive"},
                "lookback_days": 3,
                "revive_of": rule_id,
            },
            name="Revive",
            enabled=True,
        )
        _due(db, revive)
        with db.transaction() as uow:
            revived = uow.session.scalars(
                select(RuleDecision).where(RuleDecision.rule_id == revive)
            ).all()
            assert [(d.outcome, d.status) for d in revived] == [("act", "done")]
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"


def test_a_rule_lowers_a_campaign_budget_in_the_sandbox(db: Database, sb: SandboxHandle) -> None:
    load_handlers()
    with wired(sb):
        s = imported(db, sb)
        cid = pick(sb, modes=("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL"))
        before = row(db, s.account_id, cid).budget_minor
        assert before > 0
        Worker(db, workspace_id=s.workspace_id).run_until_idle()
        with db.transaction() as uow:
            uow.session.execute(
                delete(TikTokReportRow).where(
                    TikTokReportRow.ad_account_id == s.account_id, TikTokReportRow.object_id == cid
                )
            )
            account = uow.session.get(TikTokAdAccount, s.account_id)
            assert account is not None
            today = AsOf(instant=clock.now()).day_in(account.timezone)
            daily_rows(
                uow,
                s.workspace_id,
                s.account_id,
                cid,
                {today: (5000, 10_000, 1)},
                zone=account.timezone,
            )
        rule_id = make_rule(
            db,
            s.workspace_id,
            {
                "scope": {"channel": "tiktok_campaign", "object_ids": [cid]},
                "conditions": {
                    "op": "and",
                    "items": [{"metric": "cost_per_result", "cmp": ">", "value": "20"}],
                },
                "action": {"kind": "budget", "percent": "-20"},
                "lookback_days": 1,
            },
            enabled=True,
        )
        _due(db, rule_id)
        with db.transaction() as uow:
            (decision,) = uow.session.scalars(
                select(RuleDecision).where(RuleDecision.rule_id == rule_id)
            ).all()
            assert decision.status == "done", decision.detail
        assert row(db, s.account_id, cid).budget_minor == before * 80 // 100
