"""The shop sandbox's webhooks reach a real local HTTP receiver, signed as the platform signs
them; failed deliveries are retried with backoff, boundedly. Also the per-shop rate limit and
the injected faults (server errors, slow answers, a removal acknowledged but not applied)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tiktok_shop_api import Webhooks
from tiktok_shop_api.generated.models import (
    ActivityChangeWebhook,
    ActivityStatusChangeWebhook,
    InventoryChangedByShopWebhook,
    InventoryStatusChangeWebhook,
    ProductStatusChangeWebhook,
    SellerDeauthorizationWebhook,
    UpcomingAuthorizationExpirationWebhook,
)

from promodesk.kit.clock import FrozenClock
from promodesk.shop_sandbox import ShopSandboxConfig
from promodesk.shop_sandbox.signing import webhook_signature
from tests.api_support import HANG_GUARD, live_server
from tests.shop_sandbox_support import ShopSandboxHandle, running_shop_sandbox

ACTIVITIES = "/promotion/202309/activities"


@dataclass
class Receiver:
    """A webhook endpoint: keeps every request; fails the first ``fail_first`` with 500."""

    fail_first: int = 0
    received: list[tuple[str, bytes]] = field(default_factory=list)
    answered: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        with self.changed:
            self.answered += 1
            failing = self.answered <= self.fail_first
            if not failing:
                self.received.append((request.headers.get("authorization", ""), body))
            self.changed.notify_all()
        return Response(status_code=500 if failing else 200)

    def wait_for(self, count: int) -> list[tuple[str, bytes]]:
        # A guard against a hang, not a speed limit.
        with self.changed:
            self.changed.wait_for(lambda: len(self.received) >= count, timeout=HANG_GUARD)
            return list(self.received)

    def wait_answered(self, count: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.answered >= count, timeout=HANG_GUARD)


@contextmanager
def receiving(fail_first: int = 0) -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver(fail_first)
    app = Starlette(routes=[Route("/hook", receiver.endpoint, methods=["POST"])])
    with live_server(app) as base:
        yield receiver, f"{base}/hook"


@pytest.fixture
def hooked() -> Iterator[tuple[ShopSandboxHandle, Receiver]]:
    with receiving() as (receiver, url):
        config = ShopSandboxConfig(shops=2, products=20, activities=4, enrollments=4)
        config.rate_limit = False
        config.webhook_url = url
        with running_shop_sandbox(config) as sb:
            yield sb, receiver


def parsed(sb: ShopSandboxHandle, signature: str, body: bytes) -> Any:
    assert signature == webhook_signature(sb.app_key, sb.app_secret, body)
    return Webhooks.verify_and_parse(
        app_key=sb.app_key, app_secret=sb.app_secret, raw_body=body, signature=signature
    )


def test_each_webhook_type_arrives_signed(hooked: tuple[ShopSandboxHandle, Receiver]) -> None:
    sb, receiver = hooked
    token = sb.access_token()
    now = sb.sandbox.world.now()
    body = {
        "title": "Hooked",
        "activity_type": "FIXED_PRICE",
        "product_level": "PRODUCT",
        "begin_time": now + 3600,
        "end_time": now + 86_400,
    }
    activity = sb.data("POST", ACTIVITIES, token, shop=0, body=body)["activity_id"]
    product = sb.sandbox.world.products[sb.sandbox.world.shop_products[0][0]]
    entry = {
        "id": product.id,
        "quantity_limit": -1,
        "quantity_per_user": -1,
        "activity_price_amount": "0.50",
        "skus": [],
    }
    path = f"{ACTIVITIES}/{activity}/products"
    sb.data("PUT", path, token, shop=0, body={"activity_id": activity, "products": [entry]})
    sb.data("DELETE", path, token, shop=0, body={"product_ids": [product.id]})
    sb.data("POST", f"{ACTIVITIES}/{activity}/deactivate", token, shop=0)
    delist = {"product_ids": [product.id]}
    sb.data("POST", "/product/202309/products/deactivate", token, shop=0, body=delist)
    sku = product.skus[0]
    stock = {"skus": [{"id": sku.id, "inventory": [{"quantity": 0}]}]}
    if sku.stock == 0:  # make the change a change
        stock["skus"][0]["inventory"][0]["quantity"] = 5
    sb.data(
        "POST", f"/product/202309/products/{product.id}/inventory/update", token, shop=0, body=stock
    )
    shop = sb.sandbox.world.shops[0].id
    httpx.post(
        f"{sb.base_url}/sandbox-admin/authorization-expiring", json={"shop_id": shop, "days": 3}
    )
    httpx.post(f"{sb.base_url}/sandbox-admin/revoke", json={"shop_id": shop})

    events = [parsed(sb, sig, raw) for sig, raw in receiver.wait_for(9)]
    kinds = [type(e) for e in events]
    assert (
        kinds
        == [
            ActivityStatusChangeWebhook,
            ActivityChangeWebhook,
            ActivityChangeWebhook,
            ActivityStatusChangeWebhook,
            ProductStatusChangeWebhook,
            InventoryChangedByShopWebhook,
            InventoryStatusChangeWebhook,
            UpcomingAuthorizationExpirationWebhook,
            SellerDeauthorizationWebhook,
        ][: len(kinds)]
    )
    assert len(events) == 9
    created, added, removed, deactivated = (e.to_dict() for e in events[:4])
    assert created["type"] == 39
    assert created["shop_id"] == shop
    assert (created["data"]["activity_id"], created["data"]["status"]) == (activity, "NOT_START")
    assert added["data"]["product_update_list"]["product_ids"] == [product.id]
    assert removed["data"]["product_remove_list"]["product_ids"] == [product.id]
    assert deactivated["data"]["status"] == "DEACTIVATED"
    assert events[4].to_dict()["data"]["status"] == "SELLER_DEACTIVATED"
    inventory = events[5].to_dict()["data"]
    assert inventory["sku_id"] == int(sku.id)
    assert events[8].to_dict()["type"] == 6


def test_a_failed_delivery_is_retried_until_it_lands() -> None:
    with receiving(fail_first=2) as (receiver, url):
        config = ShopSandboxConfig(shops=1, products=5, activities=0, enrollments=0)
        config.webhook_url, config.webhook_backoff_seconds = url, 0.05
        with running_shop_sandbox(config) as sb:
            sb.sandbox.authorization_expiring(sb.sandbox.world.shops[0].id, 2)
            signature, body = receiver.wait_for(1)[0]
            assert isinstance(parsed(sb, signature, body), UpcomingAuthorizationExpirationWebhook)
            assert receiver.answered == 3
            log = httpx.get(f"{sb.base_url}/sandbox-admin/webhooks").json()["deliveries"]
            assert [(d["attempts"], d["delivered"]) for d in log] == [(3, True)]


def test_retries_are_bounded() -> None:
    with receiving(fail_first=1000) as (receiver, url):
        config = ShopSandboxConfig(shops=1, products=5, activities=0, enrollments=0)
        config.webhook_url, config.webhook_backoff_seconds = url, 0.01
        config.webhook_attempts = 3
        with running_shop_sandbox(config) as sb:
            sb.sandbox.authorization_expiring(sb.sandbox.world.shops[0].id, 2)
            receiver.wait_answered(3)
            sb.sandbox.webhooks.close()  # no further attempt may follow
            assert receiver.answered == 3
            (delivery,) = sb.sandbox.webhooks.deliveries()
            assert (delivery["attempts"], delivery["delivered"]) == (3, False)
            assert delivery["last_error"] == "HTTP 500"


def test_the_rate_limit_is_per_shop_and_answered_like_the_platform() -> None:
    with running_shop_sandbox(shops=2, products=5, activities=2, enrollments=1, qps=1) as sb:
        token = sb.access_token()
        search = "/promotion/202309/activities/search"
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda _: sb.call("POST", search, token, shop=0, body={}), range(8))
            )
        refused = [a for a in answers if a.status_code == 429]
        assert refused
        for answer in refused:
            assert answer.json()["code"] == 36009002
            assert answer.headers["retry-after"] == "1"
        # The other shop has its own budget.
        assert sb.call("POST", search, token, shop=1, body={}).json()["code"] == 0
        assert sb.stats()["throttled_total"] == len(refused)


def test_injected_faults() -> None:
    with running_shop_sandbox(
        shops=1, products=10, activities=1, enrollments=5, rate_limit=False
    ) as sb:
        token = sb.access_token()
        search = "/promotion/202309/activities/search"
        sb.update(fail_next=2)
        first, second, third = (sb.call("POST", search, token, shop=0, body={}) for _ in range(3))
        assert [first.status_code, second.status_code, third.status_code] == [500, 500, 200]
        assert first.json()["code"] == 36009003
        sb.update(slow_rate=1.0, slow_seconds=0.05)
        assert sb.call("POST", search, token, shop=0, body={}).json()["code"] == 0
        sb.update(slow_rate=0.0)
        assert sb.stats()["slowed_total"] == 1

        activity = sb.data("POST", search, token, shop=0, body={})["activities"][0]
        path = f"/promotion/202309/activities/{activity['id']}"
        before = sb.data("GET", path, token, shop=0)["products"]
        assert before
        sb.update(remove_noop=True)
        gone = {"product_ids": [before[0]["id"]]}
        # DRAFT/NOT_START/ONGOING activities accept removals; the first generated is ONGOING.
        assert sb.call("DELETE", f"{path}/products", token, shop=0, body=gone).json()["code"] == 0
        assert sb.data("GET", path, token, shop=0)["products"] == before  # not applied
        assert sb.stats()["remove_noops_total"] == 1
        sb.update(remove_noop=False)
        sb.data("DELETE", f"{path}/products", token, shop=0, body=gone)
        assert len(sb.data("GET", path, token, shop=0)["products"]) == len(before) - 1
        refused = httpx.post(f"{sb.base_url}/sandbox-admin/settings", json={"shops": 3})
        assert refused.status_code == 422


def test_the_clock_starting_and_ending_an_activity_is_announced() -> None:
    clock = FrozenClock(datetime(2026, 9, 15, 12, 0, tzinfo=UTC))
    with receiving() as (receiver, url):
        config = ShopSandboxConfig(shops=1, products=5, activities=0, enrollments=0, now=clock.now)
        config.webhook_url, config.status_watch_seconds, config.rate_limit = url, 0.02, False
        with running_shop_sandbox(config) as sb:
            token = sb.access_token()
            now = sb.sandbox.world.now()
            body = {
                "title": "Timed",
                "activity_type": "DIRECT_DISCOUNT",
                "product_level": "PRODUCT",
                "begin_time": now + 3600,
                "end_time": now + 7200,
            }
            sb.data("POST", ACTIVITIES, token, shop=0, body=body)
            receiver.wait_for(1)
            clock.advance(3600)
            receiver.wait_for(2)
            clock.advance(3600)
            statuses = [
                parsed(sb, *hit).to_dict()["data"]["status"] for hit in receiver.wait_for(3)
            ]
            assert statuses == ["NOT_START", "ONGOING", "EXPIRED"]
