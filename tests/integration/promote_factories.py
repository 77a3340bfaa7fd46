"""Factories for promote tests: plain functions with keyword defaults."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

import promodesk.promote.jobs  # noqa: F401  (registers the promote job handlers)
from promodesk.kit import clock
from promodesk.kit.db import Database, UnitOfWork
from promodesk.kit.jobs.worker import Worker
from promodesk.ledger.service import SYSTEM, get_account, move, open_account
from promodesk.models import Job, LedgerEntry, PromoteOrder
from promodesk.promote.service import coupons as coupons_service
from promodesk.promote.service import creators as creators_service
from promodesk.promote.service import orders as orders_service
from promodesk.promote.service.wallet import coupon_funding_account, revenue_account, wallet_account


def make_creator(uow: UnitOfWork, workspace_id: int, **kw: Any) -> int:
    args: dict[str, Any] = {
        "handle": f"c_{uuid.uuid4().hex[:10]}",
        "birth_date": date(1990, 5, 1),
        "account_type": "personal",
        "device_os": "android",
        "app_version": "21.2",
        "region": "GB",
    }
    args.update(kw)
    return creators_service.create_creator(uow, workspace_id, **args).id


def make_video(uow: UnitOfWork, workspace_id: int, creator_id: int, **kw: Any) -> int:
    args: dict[str, Any] = {"kind": "video", "title": "A video", "commercial_music": True}
    args.update(kw)
    return creators_service.create_content(uow, workspace_id, creator_id, **args).id


def make_live(uow: UnitOfWork, workspace_id: int, creator_id: int, **kw: Any) -> int:
    args: dict[str, Any] = {"kind": "live", "title": "A LIVE", "on_air": True}
    args.update(kw)
    return creators_service.create_content(uow, workspace_id, creator_id, **args).id


def fund(uow: UnitOfWork, workspace_id: int, creator_id: int, coins: int) -> None:
    """Credit coins as a confirmed recharge would (from a test issuance account)."""
    issuance = open_account(uow, workspace_id, "test:issuance", kind=SYSTEM, currency="COIN")
    wallet = wallet_account(uow, workspace_id, creator_id)
    move(uow, workspace_id, "test-fund", uuid.uuid4().hex, issuance.id, wallet.id, coins)


def make_coupon(uow: UnitOfWork, workspace_id: int, creator_id: int, value: int, **kw: Any) -> int:
    args: dict[str, Any] = {"value_coins": value, "valid_until": clock.now() + timedelta(days=7)}
    args.update(kw)
    return coupons_service.issue_coupon(uow, workspace_id, creator_id, **args).id


def place(uow: UnitOfWork, workspace_id: int, creator_id: int, content_id: int, **kw: Any) -> int:
    args: dict[str, Any] = {
        "creator_id": creator_id,
        "content_id": content_id,
        "goal": "video_views",
        "budget_coins": 1000,
        "duration_hours": 24,
    }
    args.update(kw)
    return orders_service.place_order(uow, workspace_id, **args).id


def balances(
    db: Database, workspace_id: int, creator_id: int, order_id: int | None = None
) -> dict[str, int]:
    with db.transaction() as uow:
        out = {
            "wallet": wallet_account(uow, workspace_id, creator_id).balance,
            "funding": coupon_funding_account(uow, workspace_id).balance,
            "revenue": revenue_account(uow, workspace_id).balance,
        }
        if order_id is not None:
            order = orders_service.get_order(uow, workspace_id, order_id)
            assert order.escrow_account_id is not None
            out["escrow"] = get_account(uow, workspace_id, order.escrow_account_id).balance
        return out


def drain(db: Database, workspace_id: int, rounds: int = 200) -> None:
    """Run the worker until no due job of this workspace is left (only this workspace's jobs:
    other tests share the database)."""
    worker = Worker(db, backoff_base=0.0, workspace_id=workspace_id)
    for _ in range(rounds):
        with db.transaction() as uow:
            due = uow.session.execute(
                select(func.count())
                .select_from(Job)
                .where(
                    Job.workspace_id == workspace_id,
                    Job.status.in_(["queued", "running"]),
                    Job.run_at <= clock.now(),
                )
            ).scalar_one()
        if not due:
            return
        worker.run_once()
    raise AssertionError("jobs of the workspace did not drain")


def release_entries(db: Database, workspace_id: int, order_id: int) -> int:
    with db.transaction() as uow:
        return int(
            uow.session.execute(
                select(func.count())
                .select_from(LedgerEntry)
                .where(
                    LedgerEntry.workspace_id == workspace_id,
                    LedgerEntry.kind == "release",
                    LedgerEntry.ref == f"promote-order:{order_id}",
                )
            ).scalar_one()
        )


def order_row(db: Database, workspace_id: int, order_id: int) -> PromoteOrder:
    with db.transaction() as uow:
        return orders_service.get_order(uow, workspace_id, order_id)


def event(
    event_id: str, order_id: int, spend: int, views: int = 0, **results: int
) -> tuple[str, int, int, int, int, int, int, int]:
    return (
        event_id,
        order_id,
        spend,
        views,
        results.get("website_visits", 0),
        results.get("follows", 0),
        results.get("product_clicks", 0),
        results.get("live_viewers", 0),
    )
