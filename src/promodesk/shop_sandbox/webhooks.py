"""Webhooks of the shop sandbox, posted to ``webhook_url`` and signed as the platform signs them
(spec §1.11): the ``Authorization`` header is the hex HMAC-SHA256, keyed with the app secret, of
the app key followed by the raw body. A delivery that fails (no answer, or not 2xx) is retried
with doubling backoff, ``webhook_attempts`` times at most; the queue is bounded, and the oldest
event is dropped (and counted) when it is full.

Types sent: 39 ACTIVITY_STATUS_CHANGE, 63 ACTIVITY_CHANGE, 5 PRODUCT_STATUS_CHANGE,
27 INVENTORY_STATUS_CHANGE, 71 INVENTORY_CHANGED_BY_SHOP, 6 SELLER_DEAUTHORIZATION and
7 UPCOMING_AUTHORIZATION_EXPIRATION.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from promodesk.shop_sandbox.config import ShopSandboxConfig
from promodesk.shop_sandbox.signing import webhook_signature

log = logging.getLogger("promodesk.shop_sandbox.webhooks")

ACTIVITY_STATUS_CHANGE = 39
ACTIVITY_CHANGE = 63
PRODUCT_STATUS_CHANGE = 5
INVENTORY_STATUS_CHANGE = 27
INVENTORY_CHANGED_BY_SHOP = 71
SELLER_DEAUTHORIZATION = 6
UPCOMING_AUTHORIZATION_EXPIRATION = 7
QUEUE_SIZE = 10_000
LOG_SIZE = 1_000
TIMEOUT = 10.0
MAX_BACKOFF = 60.0


@dataclass
class Delivery:
    """One event's delivery: its body and how it went (kept for tests and the admin page)."""

    type: int
    shop_id: str
    body: bytes
    attempts: int = 0
    delivered: bool = False
    last_error: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "shop_id": self.shop_id,
            "body": json.loads(self.body),
            "attempts": self.attempts,
            "delivered": self.delivered,
            "last_error": self.last_error,
        }


@dataclass
class Webhooks:
    config: ShopSandboxConfig
    log: deque[Delivery] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    dropped: int = 0
    _queue: queue.Queue[Delivery | None] = field(
        default_factory=lambda: queue.Queue(maxsize=QUEUE_SIZE)
    )
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)

    def emit(self, kind: int, shop_id: str, data: dict[str, Any]) -> None:
        """Queue an event (never blocks the caller); nothing is sent without ``webhook_url``."""
        if not self.config.webhook_url:
            return
        body = {
            "type": kind,
            "tts_notification_id": secrets.token_hex(10),
            "shop_id": shop_id,
            "timestamp": int(self.config.now().timestamp()),
            "data": data,
        }
        delivery = Delivery(kind, shop_id, json.dumps(body, separators=(",", ":")).encode())
        with self._lock:
            self.log.append(delivery)
            while True:
                try:
                    self._queue.put_nowait(delivery)
                    break
                except queue.Full:
                    try:
                        self._queue.get_nowait()
                        self.dropped += 1
                    except queue.Empty:
                        pass
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="shop-sandbox-webhooks", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=TIMEOUT) as client:
            while not self._stop.is_set():
                try:
                    delivery = self._queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if delivery is None:
                    return
                self._deliver(client, delivery)

    def _deliver(self, client: httpx.Client, delivery: Delivery) -> None:
        wait = self.config.webhook_backoff_seconds
        while not self._stop.is_set():
            url = self.config.webhook_url
            if not url:
                delivery.last_error = "no webhook_url"
                return
            delivery.attempts += 1
            signature = webhook_signature(
                self.config.app_key, self.config.app_secret, delivery.body
            )
            headers = {"Authorization": signature, "Content-Type": "application/json"}
            try:
                answer = client.post(url, content=delivery.body, headers=headers)
                if 200 <= answer.status_code < 300:
                    delivery.delivered = True
                    delivery.last_error = ""
                    return
                delivery.last_error = f"HTTP {answer.status_code}"
            except httpx.HTTPError as exc:
                delivery.last_error = f"{type(exc).__name__}: {exc}"
            if delivery.attempts >= self.config.webhook_attempts:
                log.warning("webhook type %s not delivered: %s", delivery.type, delivery.last_error)
                return
            # The stop event doubles as an interruptible sleep.
            self._stop.wait(wait)
            wait = min(wait * 2, MAX_BACKOFF)

    def deliveries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.public() for d in self.log]

    def stats(self) -> dict[str, int]:
        with self._lock:
            done = sum(1 for d in self.log if d.delivered)
            return {
                "webhooks_sent": done,
                "webhooks_logged": len(self.log),
                "webhooks_dropped": self.dropped,
            }

    def close(self, timeout: float = 5.0) -> None:
        """Stop the delivery thread (pending events are abandoned)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            deadline = time.monotonic() + timeout
            thread.join(max(0.0, deadline - time.monotonic()))
