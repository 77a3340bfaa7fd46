"""Stop everywhere, the preview across three channels: per channel its path and money, what is
refused and why, a reason required; nothing changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from promodesk import clikit
from promodesk.cli import app
from promodesk.kit.db import Database
from promodesk.kit.errors import NotFound, ValidationFailed
from promodesk.models import Workspace
from promodesk.promotions.domain.index import Money
from promodesk.promotions.service import products as links
from promodesk.promotions.service.index import get_promotion
from promodesk.promotions.service.stop import preview_stop
from tests.api_support import bearer, make_app, new_key, new_workspace
from tests.integration import promote_factories as pf
from tests.integration.promotions_support import Seeded, seed


@pytest.fixture
def seeded(db: Database, workspace: Workspace) -> Seeded:
    return seed(db, workspace.id)


def test_a_product_everywhere(db: Database, seeded: Seeded) -> None:
    s = seeded
    product = s.products[0]
    with db.transaction() as uow:
        links.link_ads_automatically(uow, s.workspace_id)  # the Spring ad names it
        links.link_product(
            uow, s.workspace_id, product, f"campaign:{s.campaigns['Spring sale']}", actor="a"
        )
        links.link_product(
            uow, s.workspace_id, product, f"campaign:{s.campaigns['Old']}", actor="a"
        )
        content = pf.make_video(
            uow, s.workspace_id, s.creator, title="Unboxing", has_ecommerce_anchor=True
        )
        order = pf.place(uow, s.workspace_id, s.creator, content, budget_coins=700)
        links.link_product(uow, s.workspace_id, product, f"promote_content:{content}", actor="a")
    with db.read() as uow:
        before = get_promotion(uow, s.workspace_id, f"promote_order:{order}")
        plan = preview_stop(uow, s.workspace_id, products=[product], reason="sold_out")
        after = get_promotion(uow, s.workspace_id, f"promote_order:{order}")
    assert before == after  # nothing changed
    # the campaigns, the ad, the order and the product's enrollment (not its whole activity)
    assert (plan.reason, plan.ads_action, plan.selected) == ("sold_out", "pause", 5)
    by_channel = {c.channel.value: c for c in plan.channels}
    assert set(by_channel) == {"tiktok_ads", "promote", "shop"}

    ads = by_channel["tiktok_ads"]
    assert {i.ref for i in ads.items} == {
        f"campaign:{s.campaigns['Spring sale']}",
        f"ad:{s.ads['Spring ad']}",
    }
    spring = next(i for i in ads.items if i.kind == "campaign")
    # A daily budget of 50.00 with 0 spent today: all of it is freed.
    assert spring.path == "pause"
    assert spring.money == [("freed_budget", Money(5000, "USD"))]

    promote = by_channel["promote"]
    assert [(i.ref, i.path) for i in promote.items] == [(f"promote_order:{order}", "stop_order")]
    assert promote.money == [("refund_to_wallet", Money(700, "COIN"))]

    shop = by_channel["shop"]
    # The product's own enrollment: the other products stay in the activity.
    assert [i.name for i in shop.items] == ["product 0"]
    enrollment = next(i for i in shop.items if i.kind == "shop_enrollment")
    # Not started yet: withdrawing the enrollment; the activity needs 5 products per shop and
    # this shop has only 3, so the guardrail refuses it (the plan's own code).
    assert enrollment.path is None
    assert enrollment.refusal == "GUARDRAIL_MIN_PRODUCTS"
    assert shop.verdicts
    assert shop.verdicts[0]["verdict"]["ok"] is False
    assert "alternatives" in shop.verdicts[0]

    refused = {i.ref: i.refusal for i in plan.refused}
    assert refused[f"campaign:{s.campaigns['Old']}"] == "ALREADY_STOPPED"
    assert all(i.refusal for i in plan.refused)
    assert dict(plan.totals) == {
        "freed_budget": Money(5000, "USD"),
        "refund_to_wallet": Money(700, "COIN"),
    }


def test_selected_promotions_and_delete(db: Database, seeded: Seeded) -> None:
    s = seeded
    with db.read() as uow:
        plan = preview_stop(
            uow,
            s.workspace_id,
            refs=[f"campaign:{s.campaigns['Paused one']}", f"promote_order:{s.order}"],
            reason="other",
            reason_text="claim withdrawn",
            ads_action="delete",
        )
        paused = preview_stop(
            uow,
            s.workspace_id,
            refs=[f"campaign:{s.campaigns['Paused one']}"],
            reason="plan_change",
        )
    ads = next(c for c in plan.channels if c.channel == "tiktok_ads")
    assert [i.path for i in ads.items] == ["delete"]
    assert plan.reason_text == "claim withdrawn"
    assert [i.refusal for i in paused.refused] == ["ALREADY_PAUSED"]
    assert paused.channels == []


def test_refusals_of_the_request(db: Database, seeded: Seeded) -> None:
    s = seeded
    ref = [f"campaign:{s.campaigns['Other']}"]
    with db.read() as uow:
        for kw, field in (
            ({"reason": None}, "reason"),
            ({"reason": "bored"}, "reason"),
            ({"reason": "other"}, "reason_text"),
            ({"reason": "sold_out", "ads_action": "archive"}, "ads_action"),
        ):
            with pytest.raises(ValidationFailed) as err:
                preview_stop(uow, s.workspace_id, refs=ref, **kw)  # type: ignore[arg-type]
            assert err.value.field == field
        with pytest.raises(ValidationFailed):
            preview_stop(uow, s.workspace_id, reason="sold_out")
        with pytest.raises(NotFound):
            preview_stop(uow, s.workspace_id, refs=["campaign:999999"], reason="sold_out")


def test_api_and_cli_previews_agree(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = new_workspace(db)
    s = seed(db, ws.id)
    key = bearer(new_key(db, ws, "viewer"))
    monkeypatch.setenv("PROMODESK_DATABASE_URL", db.url)
    monkeypatch.setenv("PROMODESK_DATA_DIR", str(tmp_path))
    clikit.reset()
    refs = [f"campaign:{s.campaigns['Spring sale']}", f"promote_order:{s.order}"]
    with TestClient(make_app(db, tmp_path)) as client:
        api = client.post(
            "/api/v1/promotions/stop/preview",
            json={"refs": refs, "products": [s.products[1]], "reason": "wrong_claim"},
            headers=key,
        )
        assert api.status_code == 200, api.text
        missing = client.post("/api/v1/promotions/stop/preview", json={"refs": refs}, headers=key)
        assert missing.status_code == 422
        no_reason = client.post(
            "/api/v1/promotions/stop/preview", json={"refs": refs, "reason": ""}, headers=key
        )
        assert (no_reason.status_code, no_reason.json()["field"]) == (422, "reason")
    result = CliRunner().invoke(
        app,
        [
            *("promotions", "stop-preview", "-w", ws.slug, "--json", "--reason", "wrong_claim"),
            *("--ref", refs[0], "--ref", refs[1], "--product", str(s.products[1])),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == api.json()
    body = api.json()
    assert {c["channel"] for c in body["channels"]} == {"tiktok_ads", "promote", "shop"}
    assert {"what": "refund_to_wallet", "minor": 1000, "currency": "COIN"} in body["totals"]
    clikit.reset()
