"""The shop sandbox's settings and cursor tokens."""

from __future__ import annotations

import pytest

from promodesk.shop_sandbox import ShopSandboxConfig
from promodesk.shop_sandbox.paging import page
from promodesk.shop_sandbox.wire import ApiError
from promodesk.shop_sandbox.world import World


def test_runtime_settings_change_as_a_whole_or_not_at_all() -> None:
    config = ShopSandboxConfig(shops=0)
    config.update({"webhook_url": "http://127.0.0.1:9/hook", "qps": 3, "remove_noop": True})
    assert (config.webhook_url, config.qps, config.remove_noop) == (
        "http://127.0.0.1:9/hook",
        3,
        True,
    )
    with pytest.raises(ValueError, match="webhook_url"):
        config.update({"qps": 7, "webhook_url": "ftp://x"})
    assert config.qps == 3
    with pytest.raises(ValueError, match="unknown or fixed"):
        config.update({"shops": 5})
    with pytest.raises(TypeError):
        config.update({"remove_noop": "yes"})
    with pytest.raises(ValueError, match="discount"):
        config.update({"discount_min_percent": 50, "discount_max_percent": 10})
    assert "app_secret" not in config.public()


@pytest.mark.parametrize(
    "knobs",
    [
        {"shops": 1001},
        {"products": 5, "enrollments": 6},
        {"shops": 1000, "products": 1001},
        {"skus_per_product": 0},
        {"access_token_ttl_seconds": 100, "refresh_token_ttl_seconds": 10},
        {"app_key": ""},
    ],
)
def test_impossible_sizes_are_refused(knobs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ShopSandboxConfig(**knobs)  # type: ignore[arg-type]


def test_pages_resume_after_the_last_id_served() -> None:
    ids = [str(i) for i in range(100, 110)]
    first, token = page("x", ids, None, 4)
    assert first == ids[:4]
    # A row removed before the next page: nothing repeats, nothing is skipped.
    second, token = page("x", [i for i in ids if i != "102"], token, 4)
    assert second == ids[4:8]
    third, token = page("x", ids, token, 4)
    assert (third, token) == (ids[8:], "")
    down, token = page("x", ids[::-1], None, 3, descending=True)
    assert down == ids[::-1][:3]
    assert page("x", ids[::-1], token, 3, descending=True)[0] == ids[::-1][3:6]
    with pytest.raises(ApiError):
        page("y", ids, token, 3)
    with pytest.raises(ApiError):
        page("x", ids, "%%%", 3)


def test_generated_activities_take_one_status_when_asked() -> None:
    mixed = World(ShopSandboxConfig(shops=1, products=10, activities=8, enrollments=3))
    now = mixed.now()
    statuses = {a.status(now) for a in mixed.activities.values()}
    assert statuses == {"ONGOING", "NOT_START", "EXPIRED", "DEACTIVATED", "NOT_EFFECTIVE", "DRAFT"}
    config = ShopSandboxConfig(
        shops=2, products=10, activities=5, enrollments=3, activity_status="ONGOING"
    )
    ongoing = World(config)
    assert {a.status(now) for a in ongoing.activities.values()} == {"ONGOING"}
    assert not any(a.immutable for a in ongoing.activities.values())
    assert all(len(a.products) == 3 for a in ongoing.activities.values())
    with pytest.raises(ValueError, match="activity_status"):
        ShopSandboxConfig(activity_status="LIVE")
