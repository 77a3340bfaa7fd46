"""``campaign/get/``, ``adgroup/get/``, ``ad/get/`` and ``dmp/custom_audience/list/``.

Lists are sorted by id descending and paged with ``page``/``page_size`` (1–1000; audiences
1–100). Deleted entities are left out unless a ``STATUS_ALL``/``*_STATUS_ALL``/delete status
filter asks for them (spec §6.2, §9.6).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from promodesk.sandbox import generate as gen
from promodesk.sandbox import records
from promodesk.sandbox.context import Call
from promodesk.sandbox.wire import page_info, param_error
from promodesk.sandbox.world.objects import PREFIX, World
from promodesk.sandbox.world.status import DELETED

PRIMARY = frozenset(
    {
        "STATUS_ALL",
        "STATUS_NOT_DELETE",
        "STATUS_DELETE",
        "STATUS_NOT_DELIVERY",
        "STATUS_DISABLE",
        "STATUS_DELIVERY_OK",
        "STATUS_TIME_DONE",
        "STATUS_RF_CLOSED",
    }
)
ID_FILTERS = {
    "campaign": {"campaign_ids": "campaign"},
    "adgroup": {"adgroup_ids": "adgroup", "campaign_ids": "campaign"},
    "ad": {"ad_ids": "ad", "adgroup_ids": "adgroup", "campaign_ids": "campaign"},
}
ENUM = re.compile(r"^[A-Z0-9_]{1,80}$")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def primary_of(status: str) -> str:
    if status in DELETED:
        return "STATUS_DELETE"
    if status.endswith("_STATUS_DISABLE"):
        return "STATUS_DISABLE"
    if status.endswith(("_DELIVERY_OK", "CAMPAIGN_STATUS_ENABLE")):
        return "STATUS_DELIVERY_OK"
    if status.endswith(("_TIME_DONE", "AD_STATUS_DONE")):
        return "STATUS_TIME_DONE"
    return "STATUS_NOT_DELIVERY"


def status_matcher(kind: str, filtering: dict[str, Any]) -> Callable[[str], bool]:
    """``secondary_status`` is exact or a ``*_STATUS_ALL``/``*_STATUS_NOT_DELETE`` pseudo value;
    without any status filter deleted entities are hidden (``STATUS_NOT_DELETE``)."""
    secondary = filtering.get("secondary_status")
    primary = filtering.get("primary_status")
    for name, value in (("secondary_status", secondary), ("primary_status", primary)):
        if value is not None and (not isinstance(value, str) or not ENUM.match(value)):
            raise param_error(f"filtering.{name}: invalid value")
    if primary is not None and primary not in PRIMARY:
        raise param_error(f"filtering.primary_status: invalid value {primary}")
    # Campaign statuses also include a few ``ADVERTISER_*`` values.
    own_prefix = (PREFIX[kind] + "_", "ADVERTISER_")[: 2 if kind == "campaign" else 1]
    if secondary is not None and not secondary.startswith(own_prefix):
        raise param_error(f"filtering.secondary_status: invalid value {secondary}")
    if primary is None:
        primary = "STATUS_ALL" if secondary is not None else "STATUS_NOT_DELETE"

    def matches(status: str) -> bool:
        if primary == "STATUS_NOT_DELETE" and status in DELETED:
            return False
        if primary not in ("STATUS_ALL", "STATUS_NOT_DELETE"):
            found = primary_of(status)
            if primary == "STATUS_NOT_DELIVERY":
                if found in ("STATUS_DELETE", "STATUS_DELIVERY_OK"):
                    return False
            elif found != primary:
                return False
        if secondary is None or secondary == f"{PREFIX[kind]}_STATUS_ALL":
            return True
        if secondary == f"{PREFIX[kind]}_STATUS_NOT_DELETE":
            return status not in DELETED
        return bool(status == secondary)

    return matches


def _time_filter(filtering: dict[str, Any], name: str) -> datetime | None:
    value = filtering.get(name)
    if value is None or value == "":
        return None
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise param_error(f"filtering.{name}: use YYYY-MM-DD HH:MM:SS") from None


def _id_set(
    filtering: dict[str, Any], name: str, kind: str, world: World, account: int
) -> set[int]:
    values = filtering.get(name)
    if not isinstance(values, list | tuple):
        raise param_error(f"filtering.{name}: must be a list of ids")
    if len(values) > 100:
        raise param_error(f"filtering.{name}: at most 100 ids")
    found: set[int] = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
            raise param_error(f"filtering.{name}: ids must be numeric strings")
        index = world.index_of(kind, account, str(value))
        if index is not None:
            found.add(index)
    return found


def candidates(call: Call, kind: str, account: int, filtering: dict[str, Any]) -> Iterable[int]:
    """Indices of ``kind`` that pass ``filtering``, in id-descending order."""
    world = call.world
    matches = status_matcher(kind, filtering)
    wanted: dict[str, set[int]] = {}
    for name, target in ID_FILTERS[kind].items():
        if filtering.get(name) is not None:
            wanted[target] = _id_set(filtering, name, target, world, account)
    name_filter = filtering.get(f"{kind}_name")
    if name_filter is not None and not isinstance(name_filter, str):
        raise param_error(f"filtering.{kind}_name: must be a string")
    needle = (name_filter or "").lower()
    objective = filtering.get("objective_type")
    buying = filtering.get("buying_types")
    origins = filtering.get("campaign_system_origins")
    goal = filtering.get("optimization_goal")
    since = _time_filter(filtering, "creation_filter_start_time")
    until = _time_filter(filtering, "creation_filter_end_time")
    modified_after = _time_filter(filtering, "modified_after")
    # Everything generated here is an auction campaign on TikTok Ads Manager.
    if isinstance(buying, list) and "AUCTION" not in buying:
        return
    if isinstance(origins, list) and "TT_ADS_PLATFORM" not in origins:
        return
    if kind in wanted:
        order: Iterable[int] = sorted(wanted[kind], reverse=True)
    else:
        order = range(world.size(kind, account) - 1, -1, -1)
    vector = world.statuses(kind, account)
    # Status alone is the common case (every sync): a scan of the cached status vector.
    if not (wanted or objective or goal or needle or since or until or modified_after):
        status_filter = (filtering.get("primary_status"), filtering.get("secondary_status"))
        yield from world.matching(
            kind, account, status_filter, lambda: [i for i in order if matches(vector[i])]
        )
        return
    for index in order:
        campaign = adgroup = index
        if kind == "ad":
            adgroup = world.adgroup_of(account, index)
        if kind != "campaign":
            campaign = world.campaign_of(account, adgroup)
        if "campaign" in wanted and campaign not in wanted["campaign"]:
            continue
        if kind == "ad" and "adgroup" in wanted and adgroup not in wanted["adgroup"]:
            continue
        if objective is not None and world.objective(account, campaign) != objective:
            continue
        if goal is not None and gen.GOALS[world.objective(account, campaign)][0] != goal:
            continue
        if needle and needle not in _name(world, kind, account, index).lower():
            continue
        if since or until or modified_after:
            created, modified = world.times(kind, account, index)
            if (since and created < since) or (until and created > until):
                continue
            if modified_after and modified < modified_after:
                continue
        if matches(vector[index]):
            yield index


def _name(world: World, kind: str, account: int, index: int) -> str:
    if kind == "campaign":
        return world.campaign_name(account, index)
    if kind == "adgroup":
        return world.adgroup_name(account, index)
    return world.ad_name(account, index)


def _project(record: dict[str, Any], fields: list[str], drop_nulls: bool) -> dict[str, Any]:
    if not fields and not drop_nulls:
        return record
    if fields:
        record = {k: record[k] for k in fields if k in record}
    if drop_nulls:
        record = {k: v for k, v in record.items() if v is not None}
    return record


def list_entities(call: Call, kind: str) -> dict[str, Any]:
    account = call.account()
    params = call.params
    fields = params.string_list("fields", max_items=200)
    known = records.BUILDERS[kind](call.world, 0, 0).keys()
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise param_error(f"fields: invalid fields {unknown}")
    drop_nulls = "NULL_FIELD" in params.string_list("exclude_field_types_in_response")
    filtering = params.json_object("filtering")
    page = params.integer("page", 1, 1, 10**7)
    size = params.integer("page_size", 10, 1, 1000)
    start = (page - 1) * size
    chosen: list[int] = []
    total = 0
    for index in candidates(call, kind, account, filtering):
        if start <= total < start + size:
            chosen.append(index)
        total += 1
    build = records.BUILDERS[kind]
    memo = records.Memo(call.world, account)
    rows = [_project(build(call.world, account, i, memo), fields, drop_nulls) for i in chosen]
    return {"list": rows, "page_info": page_info(page, size, total)}


def campaign_get(call: Call) -> dict[str, Any]:
    return list_entities(call, "campaign")


def adgroup_get(call: Call) -> dict[str, Any]:
    return list_entities(call, "adgroup")


def ad_get(call: Call) -> dict[str, Any]:
    return list_entities(call, "ad")


def audience_list(call: Call) -> dict[str, Any]:
    account = call.account()
    params = call.params
    wanted = params.id_list("custom_audience_ids", max_items=100)
    page = params.integer("page", 1, 1, 10**7)
    size = params.integer("page_size", 10, 1, 100)
    world = call.world
    if wanted:
        found = {world.index_of("audience", account, v) for v in wanted}
        order = sorted((i for i in found if i is not None), reverse=True)
    else:
        order = list(range(world.size("audience", account) - 1, -1, -1))
    chosen = order[(page - 1) * size : page * size]
    rows = [records.audience(world, account, i) for i in chosen]
    return {"list": rows, "page_info": page_info(page, size, len(order))}
