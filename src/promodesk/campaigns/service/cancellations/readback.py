"""Read every stopped object of a cancellation back from TikTok, for its verification.

Rules:
- Each round reads the done items not undone: the object as TikTok lists it (``*/get/``
  filtered by ids, deleted included), its children (none may still deliver), and the spend
  TikTok reports for the hours after the stop (``report/integrated/get/`` hourly, the hours
  that begin at or after the stop in the ad account's zone).
- The TikTok calls are made in ``prefetch`` with no transaction open; TikTok not answering
  fails the job attempt and the job retries it later.
- An ad account whose authorization is revoked cannot be read back: its grant is kept in
  ``VerifyFetched.revoked`` and its items are not checked (``verification`` ends them).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from promodesk.accounts.domain import to_minor
from promodesk.accounts.service import grants
from promodesk.campaigns.domain.cancellations import LIVE_CHILD, ItemStatus, Seen, VerifyStatus
from promodesk.campaigns.repository.cancellations.reads import CancellationsRepository
from promodesk.campaigns.service.cancellations import unverifiable as cancel_unverifiable
from promodesk.campaigns.settings import campaigns_settings
from promodesk.integrations.tiktok.api.token import TikTokApi
from promodesk.integrations.tiktok.entities import Page
from promodesk.kit import clock
from promodesk.kit.db import Database
from promodesk.models import CampaignCancellationItem

ID_FILTER = {"campaign": "campaign_ids", "adgroup": "adgroup_ids", "ad": "ad_ids"}
DATA_LEVEL = {"campaign": "AUCTION_CAMPAIGN", "adgroup": "AUCTION_ADGROUP", "ad": "AUCTION_AD"}
READ_BATCH = 100  # TikTok's most ids per filter


@dataclass
class Checked:
    """One object read back: what TikTok listed and the spend after the stop."""

    seen: Seen
    spend_after_minor: int


@dataclass
class VerifyFetched:
    checked: dict[int, Checked]  # item id → what was read back
    at: datetime
    revoked: set[int] = field(default_factory=set)  # grants TikTok said are revoked


def items_to_check(
    repo: CancellationsRepository, cancellation_id: int
) -> list[CampaignCancellationItem]:
    """The items a round checks: done, not undone, not yet failed or unverifiable."""
    return [
        i
        for i in repo.items(cancellation_id, [ItemStatus.DONE.value], light=True)
        if i.undone_at is None
        and i.verify_status in (VerifyStatus.PENDING.value, VerifyStatus.VERIFIED.value)
    ]


def prefetch(db: Database, cancellation_id: int) -> VerifyFetched | None:
    """Read the objects back (TikTok errors propagate: the job retries the round)."""
    with db.read() as uow:
        repo = CancellationsRepository(uow)
        c = repo.get_any(cancellation_id)
        if c is None:
            return None
        items = items_to_check(repo, cancellation_id)
        accounts = repo.accounts(c.workspace_id, {i.ad_account_id for i in items})
        access = {a.id: grants.tiktok_access(uow, a) for a in accounts.values()}
        zones = {a.id: a.timezone for a in accounts.values()}
        plan = [
            (i.id, i.ad_account_id, i.level, i.object_id, i.stopped_at, i.currency) for i in items
        ]
    groups: dict[tuple[int, str], list[tuple[int, str, datetime | None, str]]] = defaultdict(list)
    for item_id, account_id, level, object_id, stopped_at, currency in plan:
        groups[(account_id, level)].append((item_id, object_id, stopped_at, currency))
    batches: list[Batch] = []
    for (account_id, level), members in groups.items():
        grant = access.get(account_id)
        if grant is None:
            continue  # no access: the items stay pending and show it
        for start in range(0, len(members), READ_BATCH):
            part = members[start : start + READ_BATCH]
            batches.append(Batch(grant, level, part, zones.get(account_id, "UTC")))
    # Each read of a batch is a task of its own: the reads of different endpoints (the
    # objects, their ad groups, their ads, the report) are in flight together, each endpoint
    # paced by the client's limiter, instead of one after another per batch.
    tasks = [(b, read) for b in batches for read in READS[b.level]]
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    per_endpoint = campaigns_settings().cancel_parallel_calls
    kinds = {read for _, read in tasks}
    workers = max(1, min(per_endpoint * max(1, len(kinds)), len(tasks)))
    revoked: set[int] = set()  # grants TikTok said are revoked: their items are not checked

    def run(task: tuple[Batch, str]) -> tuple[int, str, Any]:
        b, read = task
        answer = cancel_unverifiable.read_or_revoked(
            lambda: _read(b, read), b.grant.grant_id, revoked
        )
        return id(b), read, answer

    with ThreadPoolExecutor(workers) as pool:
        for key, read, answer in pool.map(run, tasks):
            answers[key][read] = answer
    checked: dict[int, Checked] = {}
    for b in batches:
        if b.grant.grant_id not in revoked:
            checked.update(_checked(b, answers[id(b)]))
    return VerifyFetched(checked, clock.now(), revoked)


@dataclass
class Batch:
    """≤ 100 objects of one ad account and level, read back together."""

    grant: grants.TikTokAccess
    level: str
    part: list[tuple[int, str, datetime | None, str]]
    zone: str


# What is read back per level: the objects, the children that could still deliver, the
# spend after the stop.
READS = {
    "campaign": ("listed", "adgroups", "ads", "spend"),
    "adgroup": ("listed", "ads", "spend"),
    "ad": ("listed", "spend"),
}


def _read(b: Batch, read: str) -> Any:
    api = b.grant.api()
    adv = b.grant.advertiser_id
    ids = [m[1] for m in b.part]
    if read == "listed":
        return _listed(api, adv, b.level, ids)
    if read == "spend":
        return _spend_after(api, adv, b.level, b.part, b.zone)
    return _live_children(api, adv, b.level, ids, read)


def _checked(b: Batch, answers: dict[str, Any]) -> dict[int, Checked]:
    listed: dict[str, dict[str, Any]] = answers.get("listed", {})
    spend: dict[str, int] = answers.get("spend", {})
    live: dict[str, list[str]] = defaultdict(list)
    for read in ("adgroups", "ads"):
        for parent, children in (answers.get(read) or {}).items():
            live[parent].extend(children)
    out: dict[int, Checked] = {}
    for item_id, object_id, _stopped, _currency in b.part:
        item = listed.get(object_id)
        seen = Seen(
            found=item is not None,
            operation_status=str((item or {}).get("operation_status") or ""),
            secondary_status=str((item or {}).get("secondary_status") or ""),
            live_children=tuple(live.get(object_id, [])),
        )
        out[item_id] = Checked(seen, spend.get(object_id, 0))
    return out


def _listed(api: TikTokApi, adv: str, level: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    only = {ID_FILTER[level]: ids}
    key = f"{level}_id"
    pages: Iterator[Page[Any]]
    if level == "campaign":
        pages = api.campaign_pages(adv, filtering=only, include_deleted=True)
    elif level == "adgroup":
        pages = api.adgroup_pages(adv, filtering=only, include_deleted=True)
    else:
        pages = api.ad_pages(adv, filtering=only, include_deleted=True)
    return {str(getattr(e, key)): e.raw() for page in pages for e in page.items}


def _live_children(
    api: TikTokApi, adv: str, level: str, ids: list[str], children: str
) -> dict[str, list[str]]:
    """Children (``adgroups`` or ``ads``) still delivering, per parent id."""
    out: dict[str, list[str]] = defaultdict(list)
    parent_key = f"{level}_id"
    only = {ID_FILTER[level]: ids}
    if children == "adgroups":
        for page in api.adgroup_pages(adv, filtering=only, include_deleted=True):
            for g in page.items:
                if (g.secondary_status or "") in LIVE_CHILD:
                    out[str(g.campaign_id)].append(f"ad group {g.adgroup_id}")
    else:
        for ads in api.ad_pages(adv, filtering=only, include_deleted=True):
            for a in ads.items:
                if (a.secondary_status or "") in LIVE_CHILD:
                    out[str(getattr(a, parent_key))].append(f"ad {a.ad_id}")
    return dict(out)


def _spend_after(
    api: TikTokApi,
    adv: str,
    level: str,
    members: list[tuple[int, str, datetime | None, str]],
    tz: str,
) -> dict[str, int]:
    """Spend of the hours that begin at or after each object's stop, in minor units; no call
    while none of those hours has begun."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    stops = {m[1]: m[2].astimezone(zone) for m in members if m[2] is not None}
    if not stops or min(first_hour_after(s) for s in stops.values()) > clock.now():
        return {}  # no hour after a stop has begun yet: nothing to ask TikTok
    currency = members[0][3]
    first = min(stops.values()).date()
    today = clock.now().astimezone(zone).date()
    out: dict[str, int] = defaultdict(int)
    day = first
    while day <= today:
        text = day.isoformat()
        pages = api.report_pages(
            adv,
            data_level=DATA_LEVEL[level],  # type: ignore[arg-type]
            dimensions=[f"{level}_id", "stat_time_hour"],
            metrics=["spend"],
            start_date=text,
            end_date=text,
            include_deleted=True,
            filtering=[
                {
                    "field_name": ID_FILTER[level],
                    "filter_type": "IN",
                    "filter_value": json.dumps(sorted(stops)),
                }
            ],
        )
        for page in pages:
            for row in page.items:
                oid = str(row.dimensions.get(f"{level}_id") or "")
                hour = str(row.dimensions.get("stat_time_hour") or "")
                stop = stops.get(oid)
                if stop is None or len(hour) < 13:
                    continue
                try:
                    begins = datetime.strptime(hour[:13], "%Y-%m-%d %H").replace(tzinfo=zone)
                except ValueError:
                    continue
                if begins >= stop:
                    out[oid] += to_minor(row.metric("spend"), currency)
        day += timedelta(days=1)
    return dict(out)


def first_hour_after(stop: datetime) -> datetime:
    """The first whole hour that begins at or after ``stop`` (the hour of the stop itself mixes
    spend before and after, so it is not counted)."""
    start = stop.replace(minute=0, second=0, microsecond=0)
    return start if start == stop else start + timedelta(hours=1)
