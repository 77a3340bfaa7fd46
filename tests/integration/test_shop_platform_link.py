"""A shop's link to its platform shop: tokens encrypted at rest, picking the shop by cipher,
re-linking, a refused token marking the link for re-authorization with everything kept, the
refresh stored once, and the refresh sweep (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.kit.errors import ValidationFailed
from promodesk.kit.vault import vault
from promodesk.models import Job, ShopPlatformLink, Workspace
from promodesk.shop.errors import InvalidPlatformState, PlatformChoiceNeeded
from promodesk.shop.platform import port
from promodesk.shop.service.platform_links import authorization, linking, reads, refresh, tokens
from tests.integration import shop_factories as f


def _tokens(tag: str = "1", *, expires_in: timedelta = timedelta(days=7)) -> port.Tokens:
    now = clock.now().replace(microsecond=0)
    return port.Tokens(
        access_token=f"ACCESS-{tag}",
        access_expires_at=now + expires_in,
        refresh_token=f"REFRESH-{tag}",
        refresh_expires_at=now + timedelta(days=30),
        seller_name="Moon Bakery",
        region="US",
        scopes=("seller.promotion.write",),
    )


SHOPS = [
    port.PlatformShop(shop_id="7001", cipher="ROW_aaa", name="Moon Bakery US", region="US"),
    port.PlatformShop(shop_id="7002", cipher="ROW_bbb", name="Moon Bakery GB", region="GB"),
]


def _authorized(ws: Workspace, shop_id: int, **kw: object) -> authorization.Authorized:
    return authorization.Authorized(
        workspace_id=ws.id,
        shop_id=shop_id,
        provider="tiktok_shop",
        tokens=kw.get("tokens", _tokens()),  # type: ignore[arg-type]
        shops=kw.get("shops", SHOPS),  # type: ignore[arg-type]
    )


def _shop(db: Database, ws: Workspace) -> int:
    with db.transaction() as uow:
        return int(f.shop(uow, ws.id).id)


def test_linking_keeps_tokens_encrypted_and_picks_the_shop_by_cipher(
    db: Database, workspace: Workspace
) -> None:
    shop_id = _shop(db, workspace)
    with db.transaction() as uow, pytest.raises(PlatformChoiceNeeded) as caught:
        linking.link(uow, _authorized(workspace, shop_id))
    assert {s["shop_id"] for s in caught.value.extra["shops"]} == {"7001", "7002"}
    with db.transaction() as uow, pytest.raises(ValidationFailed):
        linking.link(uow, _authorized(workspace, shop_id), shop_cipher="ROW_zzz")
    with db.transaction() as uow:
        row = linking.link(uow, _authorized(workspace, shop_id), shop_cipher="ROW_bbb", actor="ann")
        link_id = row.id
    with db.transaction() as uow:
        row = uow.session.get(ShopPlatformLink, link_id)
        assert row is not None
        assert row.platform_shop_id == "7002"
        assert row.status == "active"
        assert "ACCESS-1" not in row.access_token_enc
        assert "REFRESH-1" not in row.refresh_token_enc
        assert vault().decrypt(row.access_token_enc) == "ACCESS-1"
        view = reads.link_view(row)
        assert not any("ACCESS" in str(v) or "REFRESH" in str(v) for v in view.values())


def test_one_authorized_shop_needs_no_choice_and_another_shop_cannot_take_it(
    db: Database, workspace: Workspace
) -> None:
    first, second = _shop(db, workspace), _shop(db, workspace)
    with db.transaction() as uow:
        linking.link(uow, _authorized(workspace, first, shops=SHOPS[:1]))
    with db.transaction() as uow, pytest.raises(ValidationFailed, match="already linked"):
        linking.link(uow, _authorized(workspace, second, shops=SHOPS[:1]))
    with db.transaction() as uow, pytest.raises(ValidationFailed, match="another platform shop"):
        linking.link(uow, _authorized(workspace, first, shops=SHOPS[1:]))


def test_a_refused_token_marks_the_link_and_a_new_authorization_brings_it_back(
    db: Database, workspace: Workspace
) -> None:
    shop_id = _shop(db, workspace)
    with db.transaction() as uow:
        link_id = linking.link(uow, _authorized(workspace, shop_id, shops=SHOPS[:1])).id
    with db.transaction() as uow:
        assert tokens.mark_needs_reauth(uow, workspace.id, link_id, "token revoked")
        assert not tokens.mark_needs_reauth(uow, workspace.id, link_id, "again")
    with db.transaction() as uow:
        row = reads.get_link(uow, workspace.id, shop_id)
        assert row is not None
        assert row.status == "needs_reauth"
        assert row.status_reason == "token revoked"
    with db.transaction() as uow:
        linking.link(uow, _authorized(workspace, shop_id, shops=SHOPS[:1], tokens=_tokens("2")))
    with db.transaction() as uow:
        row = reads.get_link(uow, workspace.id, shop_id)
        assert row is not None
        assert row.id == link_id
        assert row.status == "active"
        assert vault().decrypt(row.access_token_enc) == "ACCESS-2"


def test_a_refresh_is_stored_once_and_a_refused_refresh_asks_for_authorization(
    db: Database, workspace: Workspace
) -> None:
    shop_id = _shop(db, workspace)
    with db.transaction() as uow:
        row = linking.link(uow, _authorized(workspace, shop_id, shops=SHOPS[:1]))
        access = tokens.access_of(row)
    first = tokens.Refreshed(row.id, workspace.id, access.refresh_token_enc, tokens=_tokens("2"))
    late = tokens.Refreshed(row.id, workspace.id, access.refresh_token_enc, tokens=_tokens("3"))
    with db.transaction() as uow:
        assert tokens.store_refresh(uow, first) == "refreshed"
    with db.transaction() as uow:
        assert tokens.store_refresh(uow, late) == "already"
        stored = reads.get_link(uow, workspace.id, shop_id)
        assert stored is not None
        assert vault().decrypt(stored.access_token_enc) == "ACCESS-2"
        fresh = tokens.access_of(stored)
    refused = tokens.Refreshed(
        row.id,
        workspace.id,
        fresh.refresh_token_enc,
        error=port.AuthorizationLost("refresh token invalid", code="36004004", request_id="r9"),
    )
    with db.transaction() as uow:
        assert tokens.store_refresh(uow, refused) == "needs_reauth"
    with db.transaction() as uow:
        stored = reads.get_link(uow, workspace.id, shop_id)
        assert stored is not None
        assert stored.status == "needs_reauth"
        assert vault().decrypt(stored.access_token_enc) == "ACCESS-2"  # kept


def test_the_sweep_enqueues_one_refresh_per_link_due(db: Database, workspace: Workspace) -> None:
    due_shop, later_shop = _shop(db, workspace), _shop(db, workspace)
    with db.transaction() as uow:
        due = linking.link(
            uow,
            _authorized(
                workspace, due_shop, shops=SHOPS[:1], tokens=_tokens(expires_in=timedelta(hours=2))
            ),
        )
        linking.link(uow, _authorized(workspace, later_shop, shops=SHOPS[1:]))
    with db.transaction() as uow:
        refresh.enqueue_due_refreshes(uow)
        refresh.enqueue_due_refreshes(uow)
    with db.transaction() as uow:
        jobs = [
            j
            for j in uow.session.query(Job).filter(Job.name == refresh.REFRESH_JOB).all()
            if j.payload.get("workspace_id") == workspace.id
        ]
        assert [j.payload["link_id"] for j in jobs] == [due.id]


def test_the_pending_authorization_round_trips_and_refuses_tampering(
    db: Database, workspace: Workspace
) -> None:
    shop_id = _shop(db, workspace)
    token = authorization.pending_token(_authorized(workspace, shop_id))
    assert "ACCESS-1" not in token
    back = authorization.from_pending(workspace.id, token)
    assert back.tokens.access_token == "ACCESS-1"
    assert [s.cipher for s in back.shops] == ["ROW_aaa", "ROW_bbb"]
    with pytest.raises(InvalidPlatformState):
        authorization.from_pending(workspace.id + 1, token)
    with pytest.raises(InvalidPlatformState):
        authorization.from_pending(workspace.id, token[:-3] + "abc")
    with pytest.raises(InvalidPlatformState):
        authorization.check_state(workspace.id, "forged.state.value")


def test_a_running_sync_answers_until_its_job_stops(db: Database, workspace: Workspace) -> None:
    from promodesk.kit.jobs import service as jobs
    from promodesk.models import Operation
    from promodesk.shop.service.platform_sync import steps

    shop_id = _shop(db, workspace)
    with db.transaction() as uow:
        linking.link(uow, _authorized(workspace, shop_id, shops=SHOPS[:1]))
    with db.transaction() as uow:
        first = steps.start_sync(uow, workspace.id, shop_id, actor="t")
    with db.transaction() as uow:
        assert steps.start_sync(uow, workspace.id, shop_id, actor="t") == first
    with db.transaction() as uow:
        jobs.cancel(uow, first[0], workspace.id)
    with db.transaction() as uow:
        second = steps.start_sync(uow, workspace.id, shop_id, actor="t")
        assert second != first
        old = uow.session.get(Operation, first[1])
        assert old is not None
        assert old.state == "failed"
