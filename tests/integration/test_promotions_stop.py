"""Stop everywhere, the confirm: a TikTok campaign paused in the Marketing API sandbox over real
HTTP and read back, a Promote order stopped with its refund, a shop cancel batch refused by the
activity's guardrails; the shop step fails alone, is shown and retried; nothing is stopped
twice; a changed situation answers 409 with the new preview."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.app import load_handlers
from promodesk.cli import app
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import Conflict
from promodesk.kit.jobs.worker import Worker
from promodesk.models import (
    AuditEvent,
    PromotionStop,
    Rule,
    RuleDecision,
    ShopActivity,
    ShopProduct,
    Workspace,
)
from promodesk.promote.service.orders import get_order
from promodesk.promotions.service import products as links
from promodesk.promotions.service import restart, stop_watch, stops
from promodesk.promotions.service import retry as retries
from promodesk.promotions.service.stop import preview_stop
from promodesk.promotions.settings import promotions_settings
from promodesk.rules.service import evaluation
from promodesk.shop.service import catalog
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration import promote_factories as pf
from tests.integration import shop_factories as sf
from tests.integration.campaign_changes_support import (
    fresh_sandbox,
    imported,
    pick,
    row,
    sandbox_status,
)
from tests.integration.cancel_support import cancel_env  # noqa: F401
from tests.integration.promotions_support import seed
from tests.integration.rules_support import make_rule
from tests.integration.test_console_support import console_client, log_in, new_member, post_form
from tests.integration.tiktok_sync_support import wired
from tests.sandbox_support import SandboxHandle


@pytest.fixture
def watch_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PROMODESK_PROMOTIONS_STOP_WATCH_SECONDS", "0")
    promotions_settings.cache_clear()
    yield
    monkeypatch.undo()
    promotions_settings.cache_clear()


@pytest.fixture
def sb() -> Iterator[SandboxHandle]:
    with fresh_sandbox() as handle:
        yield handle


def _drain(db: Database, workspace_id: int) -> None:
    Worker(db, backoff_base=0.0, workspace_id=workspace_id).run_until_idle()


@pytest.mark.usefixtures("cancel_env", "watch_now")
def test_stop_everywhere_one_channel_failing_then_retried(db: Database, sb: SandboxHandle) -> None:
    load_handlers()
    with wired(sb):
        s = imported(db, sb)
        ws = s.workspace_id
        cid = pick(sb)
        campaign = row(db, s.account_id, cid)
        _drain(db, ws)
        with db.transaction() as uow:
            shop = sf.shop(uow, ws)
            act = sf.activity(uow, ws, name="Mid-autumn")
            es = sf.enrolled(uow, ws, act.id, shop.id, 3, offers=0)
            product = es[0].product_id
            creator = pf.make_creator(uow, ws)
            pf.fund(uow, ws, creator, 1000)
            content = pf.make_video(uow, ws, creator, has_ecommerce_anchor=True)
            order = pf.place(uow, ws, creator, content, budget_coins=700)
            links.link_product(uow, ws, product, f"campaign:{campaign.id}", actor="a")
            links.link_product(uow, ws, product, f"promote_content:{content}", actor="a")
            act_id = act.id
        with db.read() as uow:
            plan = preview_stop(uow, ws, products=[product], reason="sold_out")
        assert {c.channel.value for c in plan.channels} == {"tiktok_ads", "promote", "shop"}

        # A stale fingerprint: 409 with the new preview; nothing is started.
        with db.transaction() as uow:
            with pytest.raises(stops.PreviewChanged) as err:
                stops.confirm_stop(
                    uow, ws, products=[product], reason="sold_out", fingerprint="0" * 16,
                    actor="user:1", role="owner",
                )  # fmt: skip
            assert err.value.extra["preview"]["fingerprint"] == plan.fingerprint

        with db.transaction() as uow:
            stop = stops.confirm_stop(
                uow,
                ws,
                products=[product],
                reason="sold_out",
                fingerprint=plan.fingerprint,
                actor="user:1",
                role="owner",
            )
            stop_id = stop.id
        _drain(db, ws)
        with db.read() as uow:
            v = stop_watch.view(uow, stop_watch.get_stop(uow, ws, stop_id))
        by = {st["channel"]: st for st in v["steps"]}
        assert by["tiktok_ads"]["status"] == "done"
        assert by["tiktok_ads"]["verified"] is True
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_DISABLE"
        assert by["promote"]["status"] == "done"
        assert by["promote"]["verified"] is True
        # The activity needs 5 products per shop: the shop's own guardrail refuses.
        assert by["shop"]["status"] == "failed"
        assert "GUARDRAIL" in by["shop"]["error"].upper() or by["shop"]["error"]
        assert v["operation"]["state"] == "partial"
        with db.read() as uow:
            assert get_order(uow, ws, order).status == "stopped"
            events = uow.session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.workspace_id == ws, AuditEvent.object_type == "promotion_stop"
                )
            ).all()
        # one for the whole, one per step
        assert sorted(events) == ["promotions.stop"] + ["promotions.stop.step"] * 3

        # The situation allows it now: retry only the failed step.
        with db.transaction() as uow:
            a = uow.session.get(ShopActivity, act_id)
            assert a is not None
            a.min_products_per_shop = 0
            a.max_cancel_percent = 100
            a.verification_delay_minutes = 0  # the shop step is over once verified
        with db.transaction() as uow:
            retries.retry(uow, ws, stop_id, actor="user:1", role="owner")
        _drain(db, ws)
        with db.read() as uow:
            v = stop_watch.view(uow, stop_watch.get_stop(uow, ws, stop_id))
        by = {st["channel"]: st for st in v["steps"]}
        assert by["shop"]["status"] == "done", by["shop"]
        assert by["tiktok_ads"]["attempts"] == 1
        assert by["promote"]["attempts"] == 1
        assert v["failed"] == 0
        assert v["operation"]["state"] == "succeeded"
        # the one retrospective entry, rewritten once the retried step is over
        assert v["retrospective"]["failed_steps"] == []
        assert v["retrospective"]["channels"]["shop"]["stopped"] == 1  # the product's own
        with db.transaction() as uow, pytest.raises(Conflict):
            retries.retry(uow, ws, stop_id, actor="user:1", role="owner")

        # Restart everywhere: the paused campaign is on again, the shop enrollments are
        # back from their snapshots; the Promote stop is final and stays.
        after = restart.restart(db, ws, stop_id, actor="user:1")
        by = {st["channel"]: st for st in after["steps"]}
        assert by["tiktok_ads"]["restarted"] is True
        assert by["shop"]["restarted"] is True, by["shop"]
        assert by["promote"]["reversible"] is False
        assert by["promote"]["restarted"] is False
        assert sandbox_status(sb, cid) == "CAMPAIGN_STATUS_ENABLE"
        with db.read() as uow:
            assert catalog.get_enrollment(uow, ws, es[0].id).state == "approved"
            assert get_order(uow, ws, order).status == "stopped"
        with pytest.raises(Conflict):
            restart.restart(db, ws, stop_id, actor="user:1")


def test_api_replays_and_cli(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = new_workspace(db)
    s = seed(db, ws.id)
    key = bearer(new_key(db, ws, "operator"))
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    body = {"refs": [f"promote_order:{s.order}"], "reason": "sold_out"}
    with TestClient(make_app(db, tmp_path)) as client:
        shown = client.post("/api/v1/promotions/stop/preview", json=body, headers=key).json()
        stale = client.post(
            "/api/v1/promotions/stop", json={**body, "fingerprint": "f" * 16}, headers=key
        )
        assert stale.status_code == 409
        assert stale.json()["preview"]["fingerprint"] == shown["fingerprint"]
        confirm = {**body, "fingerprint": shown["fingerprint"]}
        once = {**key, "Idempotency-Key": "stop-1"}
        first = client.post("/api/v1/promotions/stop", json=confirm, headers=once)
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/promotions/stop", json=confirm, headers=once)
        assert again.json() == first.json()  # the replay stops nothing twice
        steps = first.json()["steps"]
        assert [(st["channel"], st["status"]) for st in steps] == [("promote", "done")]
        assert steps[0]["reversible"] is False
        stop_id = first.json()["id"]
        got = client.get(f"/api/v1/promotions/stops/{stop_id}", headers=key)
        assert got.json()["steps"] == steps
        nothing = client.post(f"/api/v1/promotions/stops/{stop_id}/retry", headers=key)
        assert nothing.status_code == 409
        final = client.post(f"/api/v1/promotions/stops/{stop_id}/restart", headers=key)
        assert final.status_code == 409  # a Promote stop cannot be undone
        assert got.json()["retrospective"]["planned_money"] == [
            {"what": "refund_to_wallet", "minor": 1000, "currency": "COIN"}
        ]
        noted = client.put(
            f"/api/v1/promotions/stops/{stop_id}/notes",
            json={"lessons": "Watch the stock", "action_items": [{"text": "Restock alerts"}]},
            headers=key,
        )
        assert noted.status_code == 200, noted.text
        assert noted.json()["retrospective"]["lessons"] == "Watch the stock"
    with db.read() as uow:
        assert len(uow.session.scalars(select(PromotionStop).where(
            PromotionStop.workspace_id == ws.id)).all()) == 1  # fmt: skip
        assert get_order(uow, ws.id, s.order).status == "stopped"
    ref = f"campaign:{s.campaigns['Spring sale']}"
    result = CliRunner().invoke(
        app,
        [
            *("promotions", "stop", "-w", ws.slug, "--json", "--yes"),
            *("--reason", "plan_change", "--ref", ref),
        ],
    )
    assert result.exit_code == 0, result.output
    made = json.loads(result.stdout)
    assert [(st["channel"], st["refs"]) for st in made["steps"]] == [("tiktok_ads", [ref])]
    shown_cli = CliRunner().invoke(
        app, ["promotions", "stops", "show", str(made["id"]), "-w", ws.slug, "--json"]
    )
    assert shown_cli.exit_code == 0, shown_cli.output
    assert json.loads(shown_cli.stdout)["id"] == made["id"]
    clikit.reset()


@pytest.mark.usefixtures("watch_now")
def test_a_rule_stops_a_sold_out_product_everywhere(db: Database, workspace: Workspace) -> None:
    load_handlers()
    ws = workspace.id
    # verified at once: the shop step is over once its verification is
    _, _, enrollments = sf.setup(db, ws, n=10, verification_delay_minutes=0)
    with db.transaction() as uow:
        e = catalog.get_enrollment(uow, ws, enrollments[0])
        product = uow.session.get(ShopProduct, e.product_id)
        assert product is not None
        product.stock = 0
        product_id = product.id
        creator = pf.make_creator(uow, ws)
        pf.fund(uow, ws, creator, 1000)
        content = pf.make_video(uow, ws, creator, has_ecommerce_anchor=True)
        order = pf.place(uow, ws, creator, content, budget_coins=500)
        links.link_product(uow, ws, product_id, f"promote_content:{content}", actor="a")
    rule_id = make_rule(
        db,
        ws,
        {
            "scope": {"channel": "shop_enrollment", "product_ids": [product_id]},
            "conditions": {"op": "and", "items": [{"metric": "stock", "cmp": "<=", "value": "0"}]},
            "action": {"kind": "stop_everywhere"},
        },
        enabled=True,
    )
    with db.transaction() as uow:
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        rule.next_due_at = clock.now() - timedelta(seconds=1)
    with db.transaction() as uow:
        assert evaluation.tick(uow, workspace_id=ws) == 1
    _drain(db, ws)
    with db.read() as uow:
        decisions = uow.session.scalars(
            select(RuleDecision).where(RuleDecision.rule_id == rule_id)
        ).all()
        assert [(d.object_ref, d.status) for d in decisions] == [(enrollments[0], "done")]
        stop = uow.session.scalars(
            select(PromotionStop).where(PromotionStop.workspace_id == ws)
        ).one()
        v = stop_watch.view(uow, stop)
        assert stop.created_by == f"rule:{rule_id}"
        assert get_order(uow, ws, order).status == "stopped"
        assert catalog.get_enrollment(uow, ws, enrollments[0]).state != "approved"
        assert catalog.get_enrollment(uow, ws, enrollments[1]).state == "approved"
    assert sorted((st["channel"], st["status"]) for st in v["steps"]) == [
        ("promote", "done"),
        ("shop", "done"),
    ]
    assert v["operation"]["state"] == "succeeded"


@pytest.mark.usefixtures("watch_now")
def test_a_new_user_makes_the_rule_in_the_console(db: Database, tmp_path: Path) -> None:
    """The Done-when: a rule "stock hits zero → stop everywhere", made and enabled in the
    console, every minute; once due, it stops the product's Promote order and enrollment."""
    load_handlers()
    member = new_member(db, "operator")
    ws = member.workspace.id
    _, _, enrollments = sf.setup(db, ws, n=10, verification_delay_minutes=0)
    with db.transaction() as uow:
        product_id = catalog.get_enrollment(uow, ws, enrollments[0]).product_id
        creator = pf.make_creator(uow, ws)
        pf.fund(uow, ws, creator, 1000)
        content = pf.make_video(uow, ws, creator, has_ecommerce_anchor=True)
        order = pf.place(uow, ws, creator, content, budget_coins=500)
        links.link_product(uow, ws, product_id, f"promote_content:{content}", actor="a")
    form = {
        "name": "Sold out: stop everywhere",
        "channel": "shop_enrollment",
        "product_ids": str(product_id),
        "op": "and",
        "metric_0": "stock",
        "cmp_0": "<=",
        "value_0": "0",
        "lookback_days": "1",
        "min_impressions": "0",
        "min_spend": "0",
        "min_days": "0",
        "action": "stop_everywhere",
        "max_actions": "10",
        "cooldown_minutes": "60",
        "schedule_kind": "every",
        "every_minutes": "1",
        "at": "09:00",
        "timezone": "UTC",
    }
    with console_client(db, tmp_path) as client:
        csrf = log_in(client, member)
        where = post_form(client, "/rules/new", form, csrf)
        rule_id = int(where.rsplit("/", 1)[1])
        post_form(client, f"/rules/{rule_id}/enable", {}, csrf)
    with db.transaction() as uow:
        product = uow.session.get(ShopProduct, product_id)
        assert product is not None
        product.stock = 0  # sold out
        rule = uow.session.get(Rule, rule_id)
        assert rule is not None
        assert rule.next_due_at <= clock.now() + timedelta(minutes=1)
        rule.next_due_at = clock.now() - timedelta(seconds=1)  # the minute has passed
    with db.transaction() as uow:
        assert evaluation.tick(uow, workspace_id=ws) == 1
    _drain(db, ws)
    with db.read() as uow:
        assert get_order(uow, ws, order).status == "stopped"
        assert catalog.get_enrollment(uow, ws, enrollments[0]).state != "approved"
        made = uow.session.scalars(
            select(PromotionStop).where(PromotionStop.workspace_id == ws)
        ).one()
        assert made.created_by == f"rule:{rule_id}"
