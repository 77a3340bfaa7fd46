"""``report/integrated/get/``: the synchronous BASIC report (spec §6.9, §9.8).

Metric values are strings, ``"-"`` when they cannot be computed (a ratio over zero). Date ranges:
≤30 days with ``stat_time_day``, 1 day with ``stat_time_hour``, ≤365 days without a time
dimension (40002). Deleted entities are left out unless the level's status filter asks for
``STATUS_ALL``/``STATUS_DELETE``; rows without delivery are omitted. An ad-level report whose
filters leave more than ``report_ads_limit`` ads (20,000) covers only the first of them, and its
answer carries ``X-Tt-Ads-Throttle: 1`` (spec §4, §6.9): the rows of the others are missing
until the query is narrowed (``campaign_ids``, ``adgroup_ids`` or ``ad_ids`` filters).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox.context import Call
from promodesk.sandbox.report_metrics import ATTRIBUTES, COUNTED, metric_row
from promodesk.sandbox.spend.metrics import Counts
from promodesk.sandbox.spend.model import SpendModel
from promodesk.sandbox.wire import lenient_json, page_info, param_error
from promodesk.sandbox.world.status import DELETED

LEVELS = {
    "AUCTION_ADVERTISER": "advertiser",
    "AUCTION_CAMPAIGN": "campaign",
    "AUCTION_ADGROUP": "adgroup",
    "AUCTION_AD": "ad",
}
ADS_THROTTLE_HEADER = "X-Tt-Ads-Throttle"
SPANS = {"stat_time_day": 30, "stat_time_hour": 1, None: 365}
STATUS_VALUES = ("STATUS_ALL", "STATUS_NOT_DELETE", "STATUS_DELETE")


def _date(params: Any, name: str) -> date:
    value = params.string(name, required=True, max_len=10)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise param_error(f"{name}: use YYYY-MM-DD") from None


def _filters(call: Call, level: str, account: int) -> tuple[dict[str, set[int]], str]:
    raw = call.params.json_value("filtering")
    if raw is None or raw == "":
        return {}, "STATUS_NOT_DELETE"
    if not isinstance(raw, list):
        raise param_error("filtering: a JSON array of {field_name, filter_type, filter_value}")
    ids: dict[str, set[int]] = {}
    status = "STATUS_NOT_DELETE"
    for item in raw:
        if not isinstance(item, dict):
            raise param_error("filtering: every filter is an object")
        name, value = item.get("field_name"), item.get("filter_value")
        if isinstance(value, str):
            value = lenient_json(value, f"filtering.{name}")
        if not isinstance(value, list):
            value = [value]
        if item.get("filter_type", "IN") != "IN":
            raise param_error(f"filtering.{name}: the sandbox supports filter_type IN")
        if name in ("campaign_ids", "adgroup_ids", "ad_ids"):
            kind = str(name)[:-4]
            if len(value) > 100:
                raise param_error(f"filtering.{name}: at most 100 ids")
            found = {call.world.index_of(kind, account, str(v)) for v in value}
            ids[kind] = {i for i in found if i is not None}
        elif name in ("campaign_status", "adgroup_status", "ad_status"):
            if level == "advertiser" or name != f"{level}_status":
                raise param_error(f"filtering: field_name {name} is invalid at this data_level")
            if len(value) != 1 or value[0] not in STATUS_VALUES:
                raise param_error(f"filtering.{name}: one of {', '.join(STATUS_VALUES)}")
            status = value[0]
        else:
            raise param_error(f"filtering: unsupported field_name {name}")
    return ids, status


def _entities(
    call: Call, level: str, account: int, ids: dict[str, set[int]], status: str
) -> list[int]:
    world = call.world
    if level == "advertiser":
        return [0]
    out = []
    for index in range(world.size(level, account)):
        group = world.adgroup_of(account, index) if level == "ad" else index
        campaign = world.campaign_of(account, group) if level != "campaign" else index
        if "campaign" in ids and campaign not in ids["campaign"]:
            continue
        if "adgroup" in ids and level != "campaign" and group not in ids["adgroup"]:
            continue
        if "ad" in ids and level == "ad" and index not in ids["ad"]:
            continue
        deleted = world.status(level, account, index) in DELETED
        if status != "STATUS_ALL" and deleted != (status == "STATUS_DELETE"):
            continue
        out.append(index)
    return out


def report_get(call: Call) -> dict[str, Any]:
    params = call.params
    account = call.account()
    report_type = params.string("report_type", required=True)
    if report_type != "BASIC":
        raise param_error(f"report_type: {report_type} is not available in the sandbox (BASIC)")
    if (params.string("service_type") or "AUCTION") != "AUCTION":
        raise param_error("service_type: only AUCTION")
    level_name = params.string("data_level", required=True) or ""
    if level_name not in LEVELS:
        raise param_error(f"data_level: one of {', '.join(LEVELS)}")
    level = LEVELS[level_name]
    dims = params.string_list("dimensions", max_items=4)
    if not dims:
        raise param_error("dimensions: required")
    times = [d for d in dims if d in ("stat_time_day", "stat_time_hour")]
    id_dim = f"{level}_id"
    others = [d for d in dims if d not in times and d != id_dim]
    if others or len(times) > 1 or (level != "advertiser" and id_dim not in dims):
        raise param_error(f"dimensions: use {id_dim} and at most one of stat_time_day/_hour")
    time_dim = times[0] if times else None
    metrics = params.string_list("metrics", max_items=200) or ["spend", "impressions"]
    invalid = [m for m in metrics if m not in COUNTED and level not in ATTRIBUTES.get(m, ())]
    if invalid:
        raise param_error(
            "Please correct the information in invalid metric fields and try again. "
            f"Invalid metric fields: {invalid}"
        )
    if params.boolean("query_lifetime"):
        if time_dim:
            raise param_error("query_lifetime: time dimensions cannot be used with lifetime")
        model = SpendModel(call.world, account)
        first, last = call.world.config.epoch.date(), model.now.astimezone(model.zone).date()
    else:
        first, last = _date(params, "start_date"), _date(params, "end_date")
        if last < first:
            raise param_error("end_date: must not be before start_date")
        span = SPANS[time_dim]
        if (last - first).days + 1 > span:
            unit = {"stat_time_day": "30 days", "stat_time_hour": "1 day"}.get(
                time_dim or "", "365 days"
            )
            raise param_error(f"max time span is {unit} when use {time_dim or 'no time dimension'}")
        model = SpendModel(call.world, account)
    page = params.integer("page", 1, 1, 10**7)
    size = params.integer("page_size", 10, 1, 1000)
    ids, status = _filters(call, level, account)
    chosen = ("report", status, tuple(sorted((k, tuple(sorted(v))) for k, v in ids.items())))
    entities = call.world.matching(
        level, account, chosen, lambda: _entities(call, level, account, ids, status)
    )
    limit = call.world.config.report_ads_limit
    if level == "ad" and len(entities) > limit:
        entities = entities[:limit]
        call.headers[ADS_THROTTLE_HEADER] = "1"
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    query = (
        level,
        first,
        last,
        time_dim,
        status,
        tuple(sorted((k, tuple(sorted(v))) for k, v in ids.items())),
    )
    found = call.world.report_rows(
        account, query, lambda: list(_spend_rows(model, level, entities, days, time_dim))
    )
    start, rows = (page - 1) * size, []
    values_of = metric_row(call.world, account, level, metrics)
    with_id = id_dim in dims
    texts: dict[datetime, str] = {}  # a page's rows share a few time buckets
    for bucket, index, piece in found[start : start + size]:
        counts = piece if isinstance(piece, Counts) else _counts(model, level, index, *piece)
        dims_out: dict[str, Any] = {}
        if with_id:
            dims_out[id_dim] = _entity_id(level, account, index)
        if time_dim:
            text = texts.get(bucket)
            if text is None:
                text = texts[bucket] = bucket.strftime("%Y-%m-%d %H:%M:%S")
            dims_out[time_dim] = text
        rows.append({"dimensions": dims_out, "metrics": values_of(index, counts)})
    return {"list": rows, "page_info": page_info(page, size, len(found))}


def _entity_id(level: str, account: int, index: int) -> str:
    if level == "advertiser":
        return gen.advertiser_id(account)
    return gen.entity_id(level, account, index)


# A report row as kept for its query: its time bucket, the object's index, and either its counts
# or (day, spend) when the counts are left to the page that shows the row.
Piece = tuple[datetime, int, Counts | tuple[date, int]]


def _rows(
    model: SpendModel, level: str, entities: list[int], days: list[date], time_dim: str | None
) -> Iterator[tuple[datetime, int, Counts]]:
    """Every row of the query with its counts (rows without delivery are left out)."""
    for stamp, index, piece in _spend_rows(model, level, entities, days, time_dim):
        counts = piece if isinstance(piece, Counts) else _counts(model, level, index, *piece)
        yield stamp, index, counts


def _spend_rows(
    model: SpendModel, level: str, entities: list[int], days: list[date], time_dim: str | None
) -> Iterator[Piece]:
    """The query's rows in the report's order (time bucket, then object index), those without
    delivery left out. A row's spend is read from the spend of every object of the level in its
    bucket (``SpendModel.level_spend``: ended days are kept by the world, so a report of 1,000
    objects x 30 days looks up 30,000 numbers); its other counts are left to the page that
    shows it, except for the advertiser and lifetime rows, which sum many buckets."""
    today = model.now.astimezone(model.zone).date()
    days = [d for d in days if d <= today]
    if time_dim is None or level == "advertiser":
        yield from _summed_rows(model, level, entities, days, time_dim)
        return
    buckets: list[tuple[datetime, date, int | None]]
    if time_dim == "stat_time_day":
        buckets = [(datetime(d.year, d.month, d.day), d, None) for d in days]
    else:
        buckets = [(datetime(d.year, d.month, d.day, h), d, h) for d in days for h in range(24)]
    for stamp, day, hour in buckets:
        spends = model.level_spend(level, day, hour)
        known = len(spends)
        for index in entities:
            spend = spends[index] if index < known else 0
            if spend > 0:
                yield stamp, index, (day, spend)


def _summed_rows(
    model: SpendModel, level: str, entities: list[int], days: list[date], time_dim: str | None
) -> Iterator[Piece]:
    if time_dim is None:
        buckets: list[tuple[datetime, list[tuple[date, int | None]]]] = [
            (datetime.min, [(d, None) for d in days])
        ]
    elif time_dim == "stat_time_day":
        buckets = [(datetime(d.year, d.month, d.day), [(d, None)]) for d in days]
    else:
        buckets = [(datetime(d.year, d.month, d.day, h), [(d, h)]) for d in days for h in range(24)]
    inner = "campaign" if level == "advertiser" else level
    for stamp, parts in buckets:
        for index in entities:
            counts = Counts()
            for day, hour in parts:
                spends = model.level_spend(inner, day, hour)
                if level == "advertiser":
                    for campaign, spend in enumerate(spends):
                        if spend > 0:
                            counts.add(model.counts(campaign, spend, day))
                elif index < len(spends) and spends[index] > 0:
                    counts.add(_counts(model, level, index, day, spends[index]))
            if counts.spend or counts.impressions:
                yield stamp, index, counts


def _counts(model: SpendModel, level: str, index: int, day: date, spend: int) -> Counts:
    """The counts ``spend`` of object ``index`` bought (at its campaign's rates)."""
    world, account = model.world, model.account
    if level == "campaign":
        return model.counts(index, spend, day)
    group = world.adgroup_of(account, index) if level == "ad" else index
    return model.counts(world.campaign_of(account, group), spend, day)
