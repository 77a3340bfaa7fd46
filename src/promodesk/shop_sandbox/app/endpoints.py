"""The Partner API's endpoints: each path template with its method, handler and whether it takes
``shop_cipher``; a path is matched to one, or to the version an API is served at."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from promodesk.shop_sandbox import authorization, products
from promodesk.shop_sandbox.context import Call
from promodesk.shop_sandbox.promotion import activities, activity_products, coupons

Handler = Callable[[Call], dict[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    handler: Handler
    shop: bool = True  # takes shop_cipher

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template) + "$")


ENDPOINTS = (
    Endpoint("GET", "/authorization/202309/shops", authorization.authorized_shops, shop=False),
    Endpoint("POST", "/promotion/202309/activities", activities.create_activity),
    Endpoint("POST", "/promotion/202309/activities/search", activities.search_activities),
    Endpoint("GET", "/promotion/202309/activities/{activity_id}", activities.get_activity),
    Endpoint("PUT", "/promotion/202309/activities/{activity_id}", activities.update_activity),
    Endpoint(
        "POST",
        "/promotion/202309/activities/{activity_id}/deactivate",
        activities.deactivate_activity,
    ),
    Endpoint(
        "POST",
        "/promotion/202607/activities/{activity_id}/republish",
        activities.republish_activity,
    ),
    Endpoint(
        "PUT",
        "/promotion/202309/activities/{activity_id}/products",
        activity_products.update_activity_products,
    ),
    Endpoint(
        "DELETE",
        "/promotion/202309/activities/{activity_id}/products",
        activity_products.remove_activity_products,
    ),
    Endpoint("POST", "/promotion/202406/coupons/search", coupons.search_coupons),
    Endpoint("GET", "/promotion/202406/coupons/{coupon_id}", coupons.get_coupon),
    Endpoint("GET", "/product/202309/products/{product_id}", products.get_product),
    Endpoint("POST", "/product/202502/products/search", products.search_products),
    Endpoint("POST", "/product/202309/products/activate", products.activate_products),
    Endpoint("POST", "/product/202309/products/deactivate", products.deactivate_products),
    Endpoint(
        "POST", "/product/202309/products/{product_id}/inventory/update", products.update_inventory
    ),
    Endpoint("POST", "/product/202309/inventory/search", products.search_inventory),
)
_PATTERNS = [(e, e.pattern) for e in ENDPOINTS]


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    for endpoint, pattern in _PATTERNS:
        found = pattern.match(path)
        if found and endpoint.method == method:
            return endpoint, found.groupdict()
    return None


VERSION = re.compile(r"^/(\w+)/(\d{6})(/.*)$")


def other_version(method: str, path: str) -> str | None:
    """The version an API is served at when ``path`` names it at another one."""
    asked = VERSION.match(path)
    if asked is None:
        return None
    for endpoint, pattern in _PATTERNS:
        served = VERSION.match(endpoint.template)
        if served is None or endpoint.method != method or served.group(1) != asked.group(1):
            continue
        if pattern.match(f"/{asked.group(1)}/{served.group(2)}{asked.group(3)}"):
            return served.group(2)
    return None
