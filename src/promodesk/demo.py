"""The demo workspace that ``make run`` seeds when the database is empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from promodesk.accounts.demo import seed_accounts
from promodesk.campaigns.demo import seed_cancellations
from promodesk.integrations.tiktok.entities import Advertiser
from promodesk.kit.db import UnitOfWork
from promodesk.notify.demo import seed_notify
from promodesk.promote.demo import seed_promote
from promodesk.promotions.demo import seed_promotions
from promodesk.rules.demo import seed_rules
from promodesk.sandbox import Sandbox, SandboxConfig
from promodesk.sandbox import generate as gen
from promodesk.shop.demo import seed_platform_link, seed_shop
from promodesk.shop.platform import port
from promodesk.shop_sandbox import ShopSandbox, ShopSandboxConfig
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.repository import TenancyRepository

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@promodesk.local"
DEMO_PASSWORD = "promodesk-demo"  # noqa: S105 (the published demo login)


@dataclass
class DemoInfo:
    created: bool
    email: str
    password: str


def seed(uow: UnitOfWork) -> DemoInfo:
    """Create the demo workspace with an owner login unless it exists, and its demo data."""
    workspace = TenancyRepository(uow).workspace_by_slug(DEMO_SLUG)
    created = workspace is None
    if workspace is None:
        workspace = tenancy.create_workspace(uow, DEMO_SLUG, "Demo agency", actor="demo")
        tenancy.create_user(
            uow, DEMO_EMAIL, DEMO_PASSWORD, name="Demo owner", workspace=workspace, role="owner",
            actor="demo",
        )  # fmt: skip
    seed_promote(uow, workspace.id)  # idempotent: also fills a demo workspace made before promote
    seed_notify(uow, workspace.id)  # idempotent: the outbox's demo messages
    seed_shop(uow, workspace.id)  # idempotent
    seed_accounts(uow, workspace.id, sandbox_grant)  # idempotent
    seed_cancellations(uow, workspace.id, sandbox_campaigns)  # idempotent
    seed_platform_link(uow, workspace.id, shop_sandbox_grant)  # idempotent
    seed_promotions(uow, workspace.id)  # idempotent: a product promoted in every channel
    seed_rules(uow, workspace.id)  # idempotent
    return DemoInfo(created, DEMO_EMAIL, DEMO_PASSWORD)


def sandbox_grant(accounts: int) -> tuple[str, dict[str, Advertiser]]:
    """A token of the sandbox's test app for its first ``accounts`` ad accounts, with their
    details: the sandbox is deterministic, so the one mounted at ``/sandbox`` knows them."""
    sandbox = Sandbox(SandboxConfig())
    app_id, secret = sandbox.config.app_id, sandbox.config.secret
    code = sandbox.auth.issue_code(app_id, frozenset(range(accounts)))
    token = sandbox.auth.exchange(app_id, secret, code).token
    known = {
        gen.advertiser_id(i): Advertiser.model_validate(sandbox.world.account(i))
        for i in range(accounts)
    }
    return token, known


def shop_sandbox_grant() -> tuple[port.Tokens, port.PlatformShop]:
    """Tokens of the shop sandbox's test app for its first shop, and that shop: the sandbox
    is deterministic and its tokens are signed, so the one mounted at ``/shop-sandbox``
    accepts them."""
    sandbox = ShopSandbox(ShopSandboxConfig())
    try:
        code = sandbox.auth.issue_code(frozenset({0}))
        access, refresh, grant = sandbox.auth.exchange(code)
        shop = sandbox.world.shops[0]
        expires = datetime.fromtimestamp(grant.expires, tz=UTC)
        tokens = port.Tokens(
            access_token=access,
            access_expires_at=expires,
            refresh_token=refresh,
            refresh_expires_at=expires
            + timedelta(
                seconds=sandbox.config.refresh_token_ttl_seconds
                - sandbox.config.access_token_ttl_seconds
            ),
            seller_name="Sandbox seller",
            region=shop.region,
        )
        return tokens, port.PlatformShop(shop.id, shop.cipher, shop.name, shop.region)
    finally:
        sandbox.close()


def sandbox_campaigns(advertiser_id: str, count: int) -> list[dict[str, Any]]:
    """The first ``count`` paused campaigns with a budget of a sandbox ad account, as the
    sandbox mounted at ``/sandbox`` generates them (it is deterministic): paused on TikTok, so
    their report rows agree with a past pause (nothing spent after it)."""
    sandbox = Sandbox(SandboxConfig())
    account = gen.decode_advertiser(advertiser_id)
    if account is None:
        return []
    world = sandbox.world
    out: list[dict[str, Any]] = []
    for index in range(world.size("campaign", account)):
        if len(out) >= count:
            break
        base = world.base("campaign", account, index)
        if base.enabled or base.deleted:
            continue
        mode, budget = world.campaign_budget(account, index)
        if mode == "BUDGET_MODE_INFINITE":
            continue
        out.append(
            {
                "campaign_id": gen.entity_id("campaign", account, index),
                "name": world.campaign_name(account, index),
                "budget_mode": mode,
                "budget": str(budget),
            }
        )
    return out
