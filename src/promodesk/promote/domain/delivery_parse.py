"""The delivery batch body, parsed straight from bytes into event tuples.

Same rules as ``schemas.orders.DeliveryBatchIn`` (which documents the body in OpenAPI): an
object with only ``events``, at most 10,000 of them; each event has only ``event_id`` (1-100
characters, no NUL), ``order_id`` (1..2^63-1), ``spend_coins`` (0..10^9) and optional
``results`` with only the five counters (0..10^12, default 0). Numbers must be JSON integers.
Any breach is a 422 ``ValidationFailed`` naming the field (``events.<i>.<name>``).

Why not the pydantic model: a batch holds thousands of events, and building and validating a
model object per event cost most of the endpoint's time; plain type and range checks on the
decoded JSON are several times faster and need no intermediate objects.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from promodesk.kit.errors import ValidationFailed
from promodesk.kit.pagination import MAX_ID
from promodesk.promote.domain.goals import RESULT_FIELDS

MAX_EVENTS = 10_000
MAX_SPEND = 10**9
MAX_COUNT = 10**12
MAX_EVENT_ID = 100
_EVENT_KEYS = frozenset({"event_id", "order_id", "spend_coins", "results"})
_RESULT_KEYS = frozenset(RESULT_FIELDS)
_NO_RESULTS = (0,) * len(RESULT_FIELDS)

# (event_id, order_id, spend, views, website_visits, follows, product_clicks, live_viewers)
Event = tuple[str, int, int, int, int, int, int, int]


def _fail(detail: str, field: str | None) -> NoReturn:
    raise ValidationFailed(f"{field}: {detail}" if field else detail, field=field)


def _int(value: Any, low: int, high: int, field: str) -> None:
    if type(value) is not int:
        _fail("a JSON integer is required", field)
    if value < low:
        _fail(f"must be at least {low:,}", field)
    if value > high:
        # an id's bound is the storage limit (2^63 - 1), not a rule: never shown
        _fail("is too large" if high == MAX_ID else f"must be at most {high:,}", field)


def _explain(i: int, ev: Any) -> NoReturn:
    """The precise error of an event that failed the fast checks."""
    at = f"events.{i}"
    if type(ev) is not dict:
        _fail("an object is required", at)
    extra = sorted(ev.keys() - _EVENT_KEYS)
    if extra:
        _fail("extra inputs are not permitted", f"{at}.{extra[0]}")
    for name in ("event_id", "order_id", "spend_coins"):
        if name not in ev:
            _fail("field required", f"{at}.{name}")
    eid = ev["event_id"]
    if type(eid) is not str:
        _fail("a string is required", f"{at}.event_id")
    if not 0 < len(eid) <= MAX_EVENT_ID:
        _fail(f"must have 1 to {MAX_EVENT_ID} characters", f"{at}.event_id")
    if "\x00" in eid:
        _fail("must not contain NUL characters", f"{at}.event_id")
    _int(ev["order_id"], 1, MAX_ID, f"{at}.order_id")
    _int(ev["spend_coins"], 0, MAX_SPEND, f"{at}.spend_coins")
    results = ev.get("results")
    if type(results) is not dict:
        _fail("an object is required", f"{at}.results")
    extra = sorted(results.keys() - _RESULT_KEYS)
    if extra:
        _fail("extra inputs are not permitted", f"{at}.results.{extra[0]}")
    for name in RESULT_FIELDS:
        _int(results.get(name, 0), 0, MAX_COUNT, f"{at}.results.{name}")
    _fail("invalid event", at)  # not reached: the fast checks and these agree


def parse_batch(body: bytes) -> list[Event]:
    """Decode and check a delivery batch body; raises ``ValidationFailed`` (422)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        _fail("the body is not valid JSON", None)
    if type(data) is not dict:
        _fail("a JSON object with 'events' is required", None)
    extra = sorted(data.keys() - {"events"})
    if extra:
        _fail("extra inputs are not permitted", str(extra[0]))
    events = data.get("events")
    if type(events) is not list:
        _fail("a list is required", "events")
    if len(events) > MAX_EVENTS:
        _fail(f"at most {MAX_EVENTS:,} events per batch", "events")
    out: list[Event] = []
    append = out.append
    for i, ev in enumerate(events):
        # Fast path: exact types and ranges in one expression; _explain finds what failed.
        if type(ev) is not dict or not ev.keys() <= _EVENT_KEYS:
            _explain(i, ev)
        eid = ev.get("event_id")
        oid = ev.get("order_id")
        spend = ev.get("spend_coins")
        if not (
            type(eid) is str
            and 0 < len(eid) <= MAX_EVENT_ID
            and "\x00" not in eid
            and type(oid) is int
            and 0 < oid <= MAX_ID
            and type(spend) is int
            and 0 <= spend <= MAX_SPEND
        ):
            _explain(i, ev)
        results = ev.get("results", _NO_RESULTS)
        if results is _NO_RESULTS:
            append((eid, oid, spend, 0, 0, 0, 0, 0))
            continue
        if type(results) is not dict or not results.keys() <= _RESULT_KEYS:
            _explain(i, ev)
        get = results.get
        views, visits, follows, clicks, live = (
            get("views", 0),
            get("website_visits", 0),
            get("follows", 0),
            get("product_clicks", 0),
            get("live_viewers", 0),
        )
        for count in (views, visits, follows, clicks, live):
            if type(count) is not int or not 0 <= count <= MAX_COUNT:
                _explain(i, ev)
        append((eid, oid, spend, views, visits, follows, clicks, live))
    return out
