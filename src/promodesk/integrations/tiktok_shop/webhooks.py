"""Webhooks from the Partner API (spec §1.11): signature check and the event's shape.

The ``Authorization`` header is lowercase hex HMAC-SHA256 keyed with the app secret over
``app_key`` + the raw body as received; it is checked before the body is parsed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from promodesk.integrations.tiktok_shop.signing import webhook_signature_ok

ACTIVITY_STATUS_CHANGE = 39
ACTIVITY_CHANGE = 63
PRODUCT_STATUS_CHANGE = 5
INVENTORY_STATUS_CHANGE = 27
INVENTORY_CHANGED_BY_SHOP = 71
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7

TYPE_NAMES = {
    ACTIVITY_STATUS_CHANGE: "ACTIVITY_STATUS_CHANGE",
    ACTIVITY_CHANGE: "ACTIVITY_CHANGE",
    PRODUCT_STATUS_CHANGE: "PRODUCT_STATUS_CHANGE",
    INVENTORY_STATUS_CHANGE: "INVENTORY_STATUS_CHANGE",
    INVENTORY_CHANGED_BY_SHOP: "INVENTORY_CHANGED_BY_SHOP",
    SELLER_DEAUTHORIZATION: "SELLER_DEAUTHORIZATION",
    UPCOMING_AUTHORIZATION_EXPIRATION: "UPCOMING_AUTHORIZATION_EXPIRATION",
}


class WebhookRejected(Exception):
    """The webhook is not signed by our app, or its body is not an event."""


@dataclass(frozen=True)
class WebhookEvent:
    type: int
    shop_id: str
    timestamp: int
    data: dict[str, Any] = field(default_factory=dict)
    # The dedup key: the platform's ``tts_notification_id`` when it sends one (the same on a
    # redelivery), else the sha256 of the raw body.
    digest: str = ""

    @property
    def name(self) -> str:
        return TYPE_NAMES.get(self.type, f"TYPE_{self.type}")


def verify(raw_body: bytes, signature: str, *, app_key: str, app_secret: str) -> WebhookEvent:
    """The event, if ``signature`` signs ``raw_body``; else ``WebhookRejected``."""
    if not webhook_signature_ok(app_secret, app_key, raw_body, signature or ""):
        raise WebhookRejected("the webhook signature does not match")
    try:
        body = json.loads(raw_body, parse_float=Decimal)
    except ValueError:
        raise WebhookRejected("the webhook body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), int):
        raise WebhookRejected("the webhook body has no integer 'type'")
    data = body.get("data")
    timestamp = body.get("timestamp")
    return WebhookEvent(
        type=body["type"],
        shop_id=str(body.get("shop_id") or ""),
        timestamp=timestamp if isinstance(timestamp, int) else 0,
        data=data if isinstance(data, dict) else {},
        digest=_dedup_key(body, raw_body),
    )


def _dedup_key(body: dict[str, Any], raw_body: bytes) -> str:
    notification = body.get("tts_notification_id")
    if isinstance(notification, str | int) and str(notification).strip():
        return "n:" + str(notification).strip()[:60]
    return hashlib.sha256(raw_body).hexdigest()
