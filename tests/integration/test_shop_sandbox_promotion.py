"""The shop sandbox's promotion and product endpoints over real HTTP: paging, the 300-id limit,
status, time, price and quantity rules, coupons, products and inventory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from promodesk.kit.clock import FrozenClock
from promodesk.shop_sandbox import ShopSandboxConfig
from tests.shop_sandbox_support import ShopSandboxHandle, running_shop_sandbox

CLOCK = FrozenClock(datetime(2026, 9, 15, 12, 0, tzinfo=UTC))
NOW = int(CLOCK.now().timestamp())
ACTIVITIES = "/promotion/202309/activities"
SEARCH = f"{ACTIVITIES}/search"


@pytest.fixture(scope="module")
def sb() -> Iterator[ShopSandboxHandle]:
    config = ShopSandboxConfig(
        shops=2, products=400, activities=16, enrollments=10, coupons=9, rate_limit=False
    )
    config.now = CLOCK.now
    with running_shop_sandbox(config) as sb:
        yield sb


@pytest.fixture(scope="module")
def token(sb: ShopSandboxHandle) -> str:
    return sb.access_token()


def code_of(
    sb: ShopSandboxHandle, token: str, method: str, path: str, **kw: Any
) -> tuple[int, str]:
    body = sb.call(method, path, token, shop=0, **kw).json()
    return body["code"], body["message"]


def search(sb: ShopSandboxHandle, token: str, **filters: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page_token = ""
    while True:
        body = {"page_size": 3, "page_token": page_token, **filters}
        data = sb.data("POST", SEARCH, token, shop=0, body=body)
        out.extend(data["activities"])
        page_token = data["next_page_token"]
        if not page_token:
            assert data["total_count"] == len(out)
            return out


def first(
    sb: ShopSandboxHandle, token: str, status: str, *, immutable: bool = False
) -> dict[str, Any]:
    for activity in search(sb, token, status=status):
        if ("IMMUTABLE" in activity["activity_commands"]) == immutable:
            return activity
    raise AssertionError(f"no {status} activity")


def create(sb: ShopSandboxHandle, token: str, **fields: Any) -> str:
    body = {
        "title": "Test deal",
        "activity_type": "FIXED_PRICE",
        "product_level": "PRODUCT",
        "begin_time": NOW + 3600,
        "end_time": NOW + 7 * 86_400,
        **fields,
    }
    data = sb.data("POST", ACTIVITIES, token, shop=0, body=body)
    assert data["status"] == "NOT_START"
    return str(data["activity_id"])


def products(sb: ShopSandboxHandle, token: str, n: int, start: int = 0) -> list[dict[str, Any]]:
    data = sb.data(
        "POST",
        "/product/202502/products/search",
        token,
        shop=0,
        body={},
        query={"page_size": "100"},
    )
    found = data["products"]
    while len(found) < start + n and data["next_page_token"]:
        query = {"page_size": "100", "page_token": data["next_page_token"]}
        data = sb.data(
            "POST", "/product/202502/products/search", token, shop=0, body={}, query=query
        )
        found.extend(data["products"])
    return found[start : start + n]  # type: ignore[no-any-return]


def test_search_pages_every_activity_once_in_every_status(
    sb: ShopSandboxHandle, token: str
) -> None:
    everything = search(sb, token)
    ids = [a["id"] for a in everything]
    assert len(ids) == len(set(ids)) == 16
    assert ids == sorted(ids, reverse=True)
    statuses = {a["status"] for a in everything}
    assert statuses == {"ONGOING", "NOT_START", "EXPIRED", "DEACTIVATED", "NOT_EFFECTIVE", "DRAFT"}
    assert any("IMMUTABLE" in a["activity_commands"] for a in everything)
    ongoing = search(sb, token, status="ONGOING")
    assert ongoing
    assert all(a["status"] == "ONGOING" for a in ongoing)
    flash = search(sb, token, activity_type="FLASHSALE")
    assert flash
    assert all(a["activity_type"] == "FLASHSALE" for a in flash)
    assert search(sb, token, activity_title="Double 11") == [
        a for a in everything if "Double 11" in a["title"]
    ]
    # The other shop's activities are its own.
    other = sb.data("POST", SEARCH, token, shop=1, body={"page_size": 100})["activities"]
    assert not {a["id"] for a in other} & set(ids)
    # Data is deterministic in the seed.
    with running_shop_sandbox(
        ShopSandboxConfig(
            shops=2, products=400, activities=16, enrollments=10, coupons=9, now=CLOCK.now
        )
    ) as twin:
        twin_ids = [a["id"] for a in search(twin, twin.access_token())]
        assert twin_ids == ids
        assert twin.cipher(0) == sb.cipher(0)


def test_get_activity_shows_products_with_prices(sb: ShopSandboxHandle, token: str) -> None:
    activity = first(sb, token, "ONGOING")
    data = sb.data("GET", f"{ACTIVITIES}/{activity['id']}", token, shop=0)
    assert data["activity_id"] == activity["id"]
    assert len(data["products"]) == 10
    item = data["products"][0]
    assert {"id", "quantity_limit", "quantity_per_user", "skus"} <= set(item)
    missing = code_of(sb, token, "GET", f"{ACTIVITIES}/7300000000099999999")
    assert missing[0] == 17009001
    # Another shop's activity is not found through this shop.
    theirs = sb.data("POST", SEARCH, token, shop=1, body={})["activities"][0]["id"]
    assert code_of(sb, token, "GET", f"{ACTIVITIES}/{theirs}")[0] == 17009001


def test_status_rules(sb: ShopSandboxHandle, token: str) -> None:
    immutable = first(sb, token, "ONGOING", immutable=True)["id"]
    code, message = code_of(sb, token, "POST", f"{ACTIVITIES}/{immutable}/deactivate")
    assert (code, message) == (
        17009002,
        "The activity is IMMUTABLE: it can be neither edited nor deactivated.",
    )
    edit = {"title": "x", "begin_time": NOW, "end_time": NOW + 86_400}
    assert code_of(sb, token, "PUT", f"{ACTIVITIES}/{immutable}", body=edit)[0] == 17009002
    removal = {"product_ids": ["1729000000000000001"]}
    assert (
        code_of(sb, token, "DELETE", f"{ACTIVITIES}/{immutable}/products", body=removal)[0]
        == 17009002
    )

    expired = first(sb, token, "EXPIRED")["id"]
    code, message = code_of(sb, token, "POST", f"{ACTIVITIES}/{expired}/deactivate")
    assert code == 17009002
    assert "this one is EXPIRED" in message
    add = {"activity_id": expired, "products": []}
    assert code_of(sb, token, "PUT", f"{ACTIVITIES}/{expired}/products", body=add)[0] == 17009002

    ongoing = first(sb, token, "ONGOING")["id"]
    done = sb.data("POST", f"{ACTIVITIES}/{ongoing}/deactivate", token, shop=0)
    assert done["status"] == "DEACTIVATED"
    assert sb.data("GET", f"{ACTIVITIES}/{ongoing}", token, shop=0)["status"] == "DEACTIVATED"
    assert code_of(sb, token, "POST", f"{ACTIVITIES}/{ongoing}/deactivate")[0] == 17009002
    # Republish brings it back for a new period, products kept.
    period = {"begin_time": NOW + 600, "end_time": NOW + 86_400}
    assert (
        code_of(
            sb,
            token,
            "POST",
            f"/promotion/202607/activities/{ongoing}/republish",
            body={"begin_time": NOW - 1, "end_time": NOW + 86_400},
        )[0]
        == 17009005
    )
    sb.data("POST", f"/promotion/202607/activities/{ongoing}/republish", token, shop=0, body=period)
    back = sb.data("GET", f"{ACTIVITIES}/{ongoing}", token, shop=0)
    assert (back["status"], back["begin_time"], len(back["products"])) == (
        "NOT_START",
        NOW + 600,
        10,
    )
    again = code_of(
        sb, token, "POST", f"/promotion/202607/activities/{ongoing}/republish", body=period
    )
    assert again[0] == 17009002


def test_time_rules(sb: ShopSandboxHandle, token: str) -> None:
    base = {"title": "t", "activity_type": "FIXED_PRICE", "product_level": "PRODUCT"}
    past = {**base, "begin_time": NOW - 10, "end_time": NOW + 86_400}
    assert code_of(sb, token, "POST", ACTIVITIES, body=past)[0] == 17009005
    short = {**base, "begin_time": NOW + 60, "end_time": NOW + 60 + 599}
    assert "10 minutes" in code_of(sb, token, "POST", ACTIVITIES, body=short)[1]
    year = {**base, "begin_time": NOW + 60, "end_time": NOW + 60 + 365 * 86_400}
    assert "365 days" in code_of(sb, token, "POST", ACTIVITIES, body=year)[1]
    flash = {
        **base,
        "activity_type": "FLASHSALE",
        "begin_time": NOW + 60,
        "end_time": NOW + 60 + 73 * 3600,
    }
    assert "72 hours" in code_of(sb, token, "POST", ACTIVITIES, body=flash)[1]
    bad_level = {
        **base,
        "activity_type": "SHIPPING_DISCOUNT",
        "product_level": "VARIATION",
        "begin_time": NOW + 60,
        "end_time": NOW + 86_400,
    }
    assert code_of(sb, token, "POST", ACTIVITIES, body=bad_level)[0] == 36009004
    assert (
        code_of(sb, token, "POST", ACTIVITIES, body={**base, "activity_type": "COUPON"})[0]
        == 36009004
    )

    upcoming = create(sb, token)
    later_end = {"title": "t", "begin_time": NOW + 3600, "end_time": NOW + 8 * 86_400}
    assert (
        "start later and end earlier"
        in code_of(sb, token, "PUT", f"{ACTIVITIES}/{upcoming}", body=later_end)[1]
    )
    shrink = {"title": "Renamed", "begin_time": NOW + 7200, "end_time": NOW + 6 * 86_400}
    assert (
        sb.data("PUT", f"{ACTIVITIES}/{upcoming}", token, shop=0, body=shrink)["title"] == "Renamed"
    )

    ongoing = first(sb, token, "ONGOING")
    path = f"{ACTIVITIES}/{ongoing['id']}"
    moved = {
        "title": "t",
        "begin_time": ongoing["begin_time"] + 60,
        "end_time": ongoing["end_time"],
    }
    assert "keeps its begin_time" in code_of(sb, token, "PUT", path, body=moved)[1]
    longer = {
        "title": "t",
        "begin_time": ongoing["begin_time"],
        "end_time": ongoing["end_time"] + 60,
    }
    assert "only move earlier" in code_of(sb, token, "PUT", path, body=longer)[1]
    earlier = {
        "title": ongoing["title"],
        "begin_time": ongoing["begin_time"],
        "end_time": NOW + 3600,
    }
    assert sb.data("PUT", path, token, shop=0, body=earlier)["activity_id"] == ongoing["id"]
    # The setting lifts the UNCERTAIN rule.
    sb.update(ongoing_end_earlier_only=False)
    try:
        assert sb.data("PUT", path, token, shop=0, body={**earlier, "end_time": NOW + 7200})
    finally:
        sb.update(ongoing_end_earlier_only=True)


def test_products_update_rules_and_the_300_limit(sb: ShopSandboxHandle, token: str) -> None:
    activity = create(sb, token)
    path = f"{ACTIVITIES}/{activity}/products"
    items = products(sb, token, 301)
    price = min(float(s["price"]["sale_price"]) for s in items[0]["skus"])

    def entry(p: dict[str, Any], **over: Any) -> dict[str, Any]:
        lowest = min(float(s["price"]["sale_price"]) for s in p["skus"])
        return {
            "id": p["id"],
            "quantity_limit": 10,
            "quantity_per_user": 2,
            "activity_price_amount": f"{lowest / 2:.2f}",
            "skus": [],
            **over,
        }

    too_many = {"activity_id": activity, "products": [entry(p) for p in items]}
    code, message = code_of(sb, token, "PUT", path, body=too_many)
    assert code == 36009004
    assert "at most 300" in message
    full = {"activity_id": activity, "products": [entry(p) for p in items[:300]]}
    data = sb.data("PUT", path, token, shop=0, body=full)
    assert data["total_count"] == 300
    listed = sb.data("GET", f"{ACTIVITIES}/{activity}", token, shop=0)["products"]
    assert len(listed) == 300

    one = items[0]
    wrong_id = {"activity_id": "7300000000000000001", "products": [entry(one)]}
    assert "path" in code_of(sb, token, "PUT", path, body=wrong_id)[1]
    at_price = {
        "activity_id": activity,
        "products": [entry(one, activity_price_amount=f"{price:.2f}")],
    }
    assert code_of(sb, token, "PUT", path, body=at_price)[0] == 17009003
    no_price = {"activity_id": activity, "products": [entry(one, activity_price_amount=None)]}
    assert code_of(sb, token, "PUT", path, body=no_price)[0] == 36009004
    discount_here = {"activity_id": activity, "products": [entry(one, discount="10")]}
    assert "omitted" in code_of(sb, token, "PUT", path, body=discount_here)[1]
    fewer = {"activity_id": activity, "products": [entry(one, quantity_limit=5)]}
    assert code_of(sb, token, "PUT", path, body=fewer) == (
        17009004,
        f"quantity_limit of product {one['id']} cannot be decreased (it is 10).",
    )
    zero = {"activity_id": activity, "products": [entry(one, quantity_per_user=0)]}
    assert code_of(sb, token, "PUT", path, body=zero)[0] == 17009004
    more = {"activity_id": activity, "products": [entry(one, quantity_limit=-1)]}
    assert sb.data("PUT", path, token, shop=0, body=more)["total_count"] == 1
    stranger = {"activity_id": activity, "products": [entry(one, id="1729000000000999999")]}
    assert code_of(sb, token, "PUT", path, body=stranger)[0] == 17009001

    # Removal: 300 ids a call at most; ids not in the activity are ignored.
    ids = [p["id"] for p in items]
    over = code_of(sb, token, "DELETE", path, body={"product_ids": ids})
    assert over[0] == 36009004
    assert "at most 300" in over[1]
    assert code_of(sb, token, "DELETE", path, body={})[0] == 36009004
    sb.data("DELETE", path, token, shop=0, body={"product_ids": ids[:150]})
    sb.data("DELETE", path, token, shop=0, body={"product_ids": ids[:200]})  # a retried chunk
    left = sb.data("GET", f"{ACTIVITIES}/{activity}", token, shop=0)["products"]
    assert sorted(p["id"] for p in left) == sorted(ids[200:300])


def test_discount_and_variation_rules(sb: ShopSandboxHandle, token: str) -> None:
    items = products(sb, token, 2, start=10)
    discount = create(sb, token, activity_type="DIRECT_DISCOUNT")
    path = f"{ACTIVITIES}/{discount}/products"
    good = {
        "id": items[0]["id"],
        "quantity_limit": -1,
        "quantity_per_user": -1,
        "discount": "15",
        "skus": [],
    }
    assert sb.data("PUT", path, token, shop=0, body={"activity_id": discount, "products": [good]})
    for bad in ("0", "100", "12.5", "abc"):
        body = {"activity_id": discount, "products": [{**good, "discount": bad}]}
        assert code_of(sb, token, "PUT", path, body=body)[0] == 17009003, bad
    sb.update(discount_min_percent=5, discount_max_percent=90)
    try:
        body = {"activity_id": discount, "products": [{**good, "discount": "95"}]}
        assert "from 5 to 90" in code_of(sb, token, "PUT", path, body=body)[1]
    finally:
        sb.update(discount_min_percent=1, discount_max_percent=99)

    flash = create(
        sb, token, activity_type="FLASHSALE", product_level="VARIATION", end_time=NOW + 48 * 3600
    )
    path = f"{ACTIVITIES}/{flash}/products"
    product = items[1]
    skus = [
        {
            "id": s["id"],
            "quantity_limit": 20,
            "quantity_per_user": 1,
            "activity_price_amount": "1.00",
        }
        for s in product["skus"]
    ]
    entry = {"id": product["id"], "quantity_limit": -1, "quantity_per_user": -1, "skus": skus}
    data = sb.data("PUT", path, token, shop=0, body={"activity_id": flash, "products": [entry]})
    assert data["total_count"] == len(skus)
    capped = {**entry, "quantity_limit": 5}
    assert (
        "must be -1"
        in code_of(sb, token, "PUT", path, body={"activity_id": flash, "products": [capped]})[1]
    )
    bare = {**entry, "skus": []}
    assert (
        code_of(sb, token, "PUT", path, body={"activity_id": flash, "products": [bare]})[0]
        == 36009004
    )
    # Removing its SKUs one by one: the product leaves with its last SKU.
    for sku in skus:
        sb.data("DELETE", path, token, shop=0, body={"sku_ids": [sku["id"]]})
    assert sb.data("GET", f"{ACTIVITIES}/{flash}", token, shop=0)["products"] == []


def test_the_flash_deal_eligibility_gate(sb: ShopSandboxHandle, token: str) -> None:
    flashes = [a for a in search(sb, token, activity_type="FLASHSALE") if a["status"] == "ONGOING"]
    body = {
        "title": "Flash",
        "activity_type": "FLASHSALE",
        "product_level": "VARIATION",
        "begin_time": NOW + 600,
        "end_time": NOW + 3600,
    }
    sb.update(flashsale_eligible=False)
    try:
        assert "flash deal requirements" in code_of(sb, token, "POST", ACTIVITIES, body=body)[1]
        if flashes:  # a running flash deal keeps running, and stays readable
            running = sb.data("GET", f"{ACTIVITIES}/{flashes[0]['id']}", token, shop=0)
            assert running["status"] == "ONGOING"
        other = {**body, "activity_type": "FIXED_PRICE", "product_level": "PRODUCT"}
        assert sb.data("POST", ACTIVITIES, token, shop=0, body=other)
    finally:
        sb.update(flashsale_eligible=True)
    assert sb.data("POST", ACTIVITIES, token, shop=0, body=body)["status"] == "NOT_START"


def test_coupons_page_and_get(sb: ShopSandboxHandle, token: str) -> None:
    path = "/promotion/202406/coupons/search"
    seen: list[str] = []
    page_token = ""
    while True:
        data = sb.data(
            "POST", path, token, shop=0, body={}, query={"page_size": "4", "page_token": page_token}
        )
        seen.extend(c["id"] for c in data["coupons"])
        page_token = data["next_page_token"]
        if not page_token:
            break
    assert len(seen) == len(set(seen)) == 9 == data["total_count"]
    ongoing = sb.data(
        "POST", path, token, shop=0, body={"status": ["ONGOING"]}, query={"page_size": "50"}
    )
    assert ongoing["coupons"]
    assert all(c["status"] == "ONGOING" for c in ongoing["coupons"])
    coupon = sb.data("GET", f"/promotion/202406/coupons/{seen[0]}", token, shop=0)["coupon"]
    assert {"claimed_count", "redeemed_count"} <= set(coupon["usage_stats"])
    assert code_of(sb, token, "GET", "/promotion/202406/coupons/7310000000099999999")[0] == 17009001
    assert code_of(sb, token, "POST", path, body={"status": ["LIVE"]})[0] == 36009004


def test_products_search_activate_and_inventory(sb: ShopSandboxHandle, token: str) -> None:
    path = "/product/202502/products/search"
    every: list[str] = []
    page_token = ""
    while True:
        query = {"page_size": "100", "page_token": page_token}
        data = sb.data("POST", path, token, shop=0, body={"status": "ALL"}, query=query)
        every.extend(p["id"] for p in data["products"])
        page_token = data["next_page_token"]
        if not page_token:
            break
    assert len(every) == len(set(every)) == 400
    product = sb.data("GET", f"/product/202309/products/{every[5]}", token, shop=0)
    assert product["id"] == every[5]
    assert product["skus"][0]["price"]["currency"] == "GBP"

    answer = sb.data(
        "POST",
        "/product/202309/products/deactivate",
        token,
        shop=0,
        body={"product_ids": [every[5], "1729000000000999999"]},
    )
    assert [e["detail"]["product_id"] for e in answer["errors"]] == ["1729000000000999999"]
    assert (
        sb.data("GET", f"/product/202309/products/{every[5]}", token, shop=0)["status"]
        == "SELLER_DEACTIVATED"
    )
    inactive = sb.data(
        "POST",
        path,
        token,
        shop=0,
        body={"status": "SELLER_DEACTIVATED"},
        query={"page_size": "100"},
    )
    assert every[5] in [p["id"] for p in inactive["products"]]
    sb.data(
        "POST", "/product/202309/products/activate", token, shop=0, body={"product_ids": [every[5]]}
    )
    assert (
        sb.data("GET", f"/product/202309/products/{every[5]}", token, shop=0)["status"]
        == "ACTIVATE"
    )

    sku = product["skus"][0]["id"]
    update = {"skus": [{"id": sku, "inventory": [{"quantity": 0}]}]}
    sb.data(
        "POST", f"/product/202309/products/{every[5]}/inventory/update", token, shop=0, body=update
    )
    stock = sb.data(
        "POST", "/product/202309/inventory/search", token, shop=0, body={"sku_ids": [sku]}
    )
    found = stock["inventory"][0]["skus"]
    assert [(s["id"], s["total_available_quantity"]) for s in found] == [(sku, 0)]
    negative = {"skus": [{"id": sku, "inventory": [{"quantity": -1}]}]}
    assert (
        code_of(
            sb,
            token,
            "POST",
            f"/product/202309/products/{every[5]}/inventory/update",
            body=negative,
        )[0]
        == 36009004
    )
    foreign = {"skus": [{"id": "1730000000000000999", "inventory": [{"quantity": 1}]}]}
    assert (
        code_of(
            sb, token, "POST", f"/product/202309/products/{every[5]}/inventory/update", body=foreign
        )[0]
        == 17009001
    )


def test_an_indefinite_shipping_discount(sb: ShopSandboxHandle, token: str) -> None:
    body = {
        "title": "Free shipping",
        "activity_type": "SHIPPING_DISCOUNT",
        "product_level": "SHOP",
        "duration_type": "INDEFINITE",
        "begin_time": 0,
        "end_time": 0,
        "discount": {
            "shipping_discount": {
                "threshold_type": "NO_THRESHOLD",
                "type": "FREE_SHIPPING",
                "area_scope": {"type": "WHOLE"},
            }
        },
    }
    created = sb.data("POST", ACTIVITIES, token, shop=0, body=body)
    assert created["status"] == "ONGOING"
    got = sb.data("GET", f"{ACTIVITIES}/{created['activity_id']}", token, shop=0)
    assert got["discount"]["shipping_discount"]["type"] == "FREE_SHIPPING"
    assert got["duration_type"] == "INDEFINITE"
    fixed = {**body, "activity_type": "FIXED_PRICE", "product_level": "PRODUCT"}
    assert "only for SHIPPING_DISCOUNT" in code_of(sb, token, "POST", ACTIVITIES, body=fixed)[1]
    timed = {**body, "begin_time": NOW + 60}
    assert code_of(sb, token, "POST", ACTIVITIES, body=timed)[0] == 36009004


JUNK: list[Any] = [
    {},
    {"products": "x"},
    {"products": [{"id": 5}]},
    {"products": [{"id": "1", "skus": "x", "quantity_limit": True}]},
    {"activity_id": ["x"], "products": [None]},
    {"product_ids": "1"},
    {"product_ids": [1, 2]},
    {"sku_ids": ["x" * 40]},
    {"skus": [{"id": "1", "inventory": [{"quantity": "5"}]}]},
    {"skus": [{"id": "1", "inventory": "5"}]},
    {"title": 5, "begin_time": "1", "end_time": 1.5, "activity_type": None},
    {"page_size": -1, "page_token": 5},
    {"status": ["ONGOING", 3], "display_type": "x", "title_keyword": ["x"]},
    {"discount": [1], "participation_limit": [{"type": "x"}], "target_user_info": 3},
    {"begin_time": 2**70, "end_time": -(2**70)},
    {"seller_skus": [1], "create_time_ge": "x", "status": "NOPE"},
    {"product_ids": ["\u00b2"], "sku_ids": ["\u0661"]},
    {"page_token": "YWN0aXZpdHk6wrI"},  # "activity:²"
    {
        "activity_id": "1",
        "products": [
            {
                "id": "1729000000000000000",
                "quantity_limit": 1,
                "quantity_per_user": 1,
                "activity_price_amount": "1E+999999999",
                "discount": "\u00b2",
                "skus": [],
            }
        ],
    },
]


def test_no_body_a_client_sends_fails_the_server(sb: ShopSandboxHandle, token: str) -> None:
    activity = first(sb, token, "NOT_START")["id"]
    product = products(sb, token, 1)[0]["id"]
    paths = [
        ("POST", ACTIVITIES),
        ("POST", SEARCH),
        ("PUT", f"{ACTIVITIES}/{activity}"),
        ("PUT", f"{ACTIVITIES}/{activity}/products"),
        ("DELETE", f"{ACTIVITIES}/{activity}/products"),
        ("POST", f"/promotion/202607/activities/{activity}/republish"),
        ("POST", "/promotion/202406/coupons/search"),
        ("POST", "/product/202502/products/search"),
        ("POST", "/product/202309/products/activate"),
        ("POST", f"/product/202309/products/{product}/inventory/update"),
        ("POST", "/product/202309/inventory/search"),
        ("GET", f"{ACTIVITIES}/not-a-number"),
        ("GET", "/product/202309/products/%00"),
    ]
    for method, path in paths:
        for body in JUNK:
            answer = sb.call(method, path, token, shop=0, body=body, query={"page_size": "x"})
            assert answer.status_code < 500, (method, path, body, answer.text)
            assert set(answer.json()) == {"code", "message", "request_id", "data"}
    stamp = sb.call("POST", SEARCH, token, shop=0, body={}, timestamp="--5")  # type: ignore[arg-type]
    assert stamp.json()["code"] == 36009004
    huge = sb.call("POST", SEARCH, token, shop=0, body={"x": "y" * 1_100_000})
    assert huge.json()["message"] == "Invalid parameter: the body is larger than 1 MB."


def test_discount_objects_follow_the_platform_rules(sb: ShopSandboxHandle, token: str) -> None:
    base = {
        "title": "Tiers",
        "activity_type": "BUY_MORE_SAVE_MORE",
        "product_level": "PRODUCT",
        "begin_time": NOW + 600,
        "end_time": NOW + 86_400,
    }

    def tier(n: int, threshold: str, value: str, kind: str = "PERCENTAGE_OFF") -> dict[str, Any]:
        return {
            "tier": n,
            "threshold_type": "MINIMAL_ITEM_QUANTITY",
            "threshold_value": threshold,
            "type": kind,
            "value": value,
        }

    def bmsm(*details: dict[str, Any]) -> dict[str, Any]:
        return {**base, "discount": {"bmsm_discount": {"details": list(details)}}}

    assert code_of(sb, token, "POST", ACTIVITIES, body=base)[0] == 36009004
    good = bmsm(tier(1, "2", "5"), tier(2, "3", "10"))
    assert sb.data("POST", ACTIVITIES, token, shop=0, body=good)["status"] == "NOT_START"
    three = bmsm(tier(1, "2", "5"), tier(2, "3", "10"), tier(3, "4", "15"))
    assert "at most 2" in code_of(sb, token, "POST", ACTIVITIES, body=three)[1]
    flat = bmsm(tier(1, "2", "10"), tier(2, "3", "10"))
    assert code_of(sb, token, "POST", ACTIVITIES, body=flat)[0] == 17009003
    unordered = bmsm(tier(2, "2", "5"), tier(1, "3", "10"))
    assert code_of(sb, token, "POST", ACTIVITIES, body=unordered)[0] == 17009003
    fraction = bmsm(tier(1, "2", "5.5"))
    assert code_of(sb, token, "POST", ACTIVITIES, body=fraction)[0] == 36009004
    assert sb.data("POST", ACTIVITIES, token, shop=0, body=bmsm(tier(1, "2", "5.25", "AMOUNT_OFF")))

    gift = {
        "gift_receiving_type": "AUTO",
        "gift_infos": [
            {
                "tier": 1,
                "threshold_type": "MINIMAL_ITEM_QUANTITY",
                "threshold_value": "1",
                "gift_details": [
                    {"product_id": "1", "sku_id": "1730000000000000000", "total_claim_limit": "50"}
                ],
            }
        ],
    }
    fixed = {**base, "activity_type": "FIXED_PRICE", "discount": {"gift_discount": gift}}
    activity = sb.data("POST", ACTIVITIES, token, shop=0, body=fixed)["activity_id"]
    fewer = {
        "title": "Tiers",
        "begin_time": NOW + 600,
        "end_time": NOW + 86_400,
        "discount": {"gift_discount": {**gift, "gift_infos": [{**gift["gift_infos"][0]}]}},
    }
    fewer["discount"]["gift_discount"]["gift_infos"][0]["gift_details"] = [
        {"product_id": "1", "sku_id": "1730000000000000000", "total_claim_limit": "10"}
    ]
    assert (
        "cannot be decreased"
        in code_of(sb, token, "PUT", f"{ACTIVITIES}/{activity}", body=fewer)[1]
    )

    shipping = {
        **base,
        "activity_type": "SHIPPING_DISCOUNT",
        "discount": {
            "shipping_discount": {
                "threshold_type": "MINIMAL_ORDER_AMOUNT",
                "type": "FREE_SHIPPING",
                "area_scope": {"type": "WHOLE"},
                "inventory_type": "ALL",
            }
        },
    }
    assert "needs product_level SHOP" in code_of(sb, token, "POST", ACTIVITIES, body=shipping)[1]
