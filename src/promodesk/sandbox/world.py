"""The sandbox's state: generated records plus the changes clients made, and status rules.

Status rules (spec §6.3, §9.7): ``operation_status`` is the entity's own switch; the effective
``secondary_status`` also reflects the parents, so disabling or deleting a campaign shows on its
ad groups (``ADGROUP_STATUS_CAMPAIGN_DISABLE``/``…_CAMPAIGN_DELETE``) and ads. Deleted entities
cannot change any more.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from promodesk.sandbox import generate as gen
from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.wire import fmt_time, minutes_text

T = TypeVar("T")
KINDS = ("campaign", "adgroup", "ad")
STATUS_CACHE = 48  # (kind, account) status vectors kept
REPORT_CACHE = 16  # report queries kept (a 30-day window of 1,000 campaigns is ~30,000 rows)
SETTLED_CACHE = 32  # ad accounts whose ended days are kept (~1 MB per 1,000 objects x 90 days)
# The settings spend depends on (the others, such as limits and faults, leave it alone).
SPEND_KNOBS = ("seed", "epoch", "spend_scale", "stop_delay_seconds", "deleted_percent")
PREFIX = {"campaign": "CAMPAIGN", "adgroup": "ADGROUP", "ad": "AD"}
SIZE_FIELDS = {"campaign": "campaigns", "adgroup": "adgroups", "ad": "ads", "audience": "audiences"}
DELETED = frozenset(
    {
        "CAMPAIGN_STATUS_DELETE",
        "ADGROUP_STATUS_DELETE",
        "ADGROUP_STATUS_CAMPAIGN_DELETE",
        "AD_STATUS_DELETE",
        "AD_STATUS_ADGROUP_DELETE",
        "AD_STATUS_CAMPAIGN_DELETE",
    }
)


@dataclass
class CreatedAccount:
    """An ad account made through ``bc/advertiser/create/`` (it starts empty)."""

    app_id: str
    name: str
    currency: str
    timezone: str
    created: datetime


@dataclass
class Made:
    """A campaign, ad group or ad made through ``*/create/``: its parent's index (-1 for a
    campaign), its create time and the record fields it was created with."""

    parent: int
    created: datetime
    values: dict[str, Any]


@dataclass
class State:
    """Own switch and deletion of one entity, parents aside."""

    enabled: bool
    deleted: bool


@dataclass
class World:
    config: SandboxConfig
    lock: threading.RLock = field(default_factory=threading.RLock)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Entity id -> [(when, ENABLE|DISABLE|DELETE)] in sandbox-clock order: the status history.
    events: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    # Campaign id -> [(when, budget)] set through ``campaign/update/``: the budget history.
    budgets: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    created: dict[int, CreatedAccount] = field(default_factory=dict)
    versions: dict[int, int] = field(default_factory=dict)  # bumped on every change
    # Cash moved by ``bc/transfer/``: ad account -> net amount received from the BC.
    moved: dict[int, Decimal] = field(default_factory=dict)
    # ``bc/transfer/`` request_id -> (the request's fingerprint, its answer).
    transfers: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    # (kind, account) -> objects made through ``*/create/``; their indices follow the generated.
    made: dict[tuple[str, int], list[Made]] = field(default_factory=dict)
    # (account, campaign/create/ request_id) -> the campaign index it made.
    creations: dict[tuple[int, str], int] = field(default_factory=dict)
    _statuses: OrderedDict[tuple[str, int, int, int], list[str]] = field(
        default_factory=OrderedDict
    )
    _matching: OrderedDict[tuple[Any, ...], list[int]] = field(default_factory=OrderedDict)
    _reports: OrderedDict[tuple[Any, ...], list[Any]] = field(default_factory=OrderedDict)
    _settled: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)

    # accounts ---------------------------------------------------------------------------------

    def account_indices(self) -> list[int]:
        return list(range(self.config.accounts)) + sorted(self.created)

    def account_exists(self, account: int) -> bool:
        return 0 <= account < self.config.accounts or account in self.created

    def generated(self, kind: str, account: int) -> int:
        """How many ``kind`` objects of ``account`` are generated (none in a created account)."""
        config = self.config
        if not 0 <= account < config.accounts:
            return 0
        return int(getattr(config, SIZE_FIELDS[kind]))

    def size(self, kind: str, account: int) -> int:
        made = self.made.get((kind, account)) if self.made else None
        return self.generated(kind, account) + (len(made) if made else 0)

    def account(self, account: int) -> dict[str, Any]:
        record = gen.account_record(account, self.config.epoch)
        made = self.created.get(account)
        if made is not None:
            record.update(
                name=made.name,
                currency=made.currency,
                timezone=made.timezone,
                display_timezone=made.timezone,
                balance=0.0,
                create_time=int(made.created.timestamp()),
                owner_bc_id=self.config.bc_id,
                description="Created through bc/advertiser/create/",
            )
        return record

    def currency(self, account: int) -> str:
        made = self.created.get(account)
        return made.currency if made else gen.market(account)[1]

    def timezone(self, account: int) -> str:
        made = self.created.get(account)
        return made.timezone if made else gen.market(account)[2]

    def create_account(self, app_id: str, name: str, currency: str, timezone: str) -> int:
        with self.lock:
            index = max([self.config.accounts - 1, *self.created]) + 1
            self.created[index] = CreatedAccount(app_id, name, currency, timezone, self.now())
            return index

    def now(self) -> datetime:
        return self.config.now()

    # money ------------------------------------------------------------------------------------

    def account_cash(self, account: int) -> Decimal:
        """The ad account's cash balance: generated (nothing for a created one) plus transfers."""
        start = (
            Decimal(0)
            if account in self.created
            else Decimal(str(self.account(account)["balance"]))
        )
        return (start + self.moved.get(account, Decimal(0))).quantize(Decimal("0.01"))

    def bc_cash(self) -> Decimal:
        """The Business Center's cash: ``bc_cash`` less what went to ad accounts."""
        start = Decimal(str(self.config.bc_cash))
        return (start - sum(self.moved.values(), Decimal(0))).quantize(Decimal("0.01"))

    # ids and parents --------------------------------------------------------------------------

    def index_of(self, kind: str, account: int, value: str) -> int | None:
        """The index of entity ``value`` when it exists in ``account``."""
        found = gen.decode_id(kind, value)
        if found is None or found[0] != account or not 0 <= found[1] < self.size(kind, account):
            return None
        return found[1]

    def made_of(self, kind: str, account: int, index: int) -> Made | None:
        """The ``*/create/`` record of an object, None for a generated one."""
        if not self.made:
            return None
        found = self.made.get((kind, account))
        offset = index - self.generated(kind, account)
        return found[offset] if found and 0 <= offset < len(found) else None

    def campaign_of(self, account: int, adgroup: int) -> int:
        made = self.made_of("adgroup", account, adgroup)
        if made is not None:
            return made.parent
        return gen.parent_index(adgroup, self.config.adgroups, self.config.campaigns)

    def adgroup_of(self, account: int, ad: int) -> int:
        made = self.made_of("ad", account, ad)
        if made is not None:
            return made.parent
        return gen.parent_index(ad, self.config.ads, self.config.adgroups)

    def children(self, kind: str, account: int, parent: int) -> Sequence[int]:
        """Indices of the ad groups (``kind="adgroup"``) of campaign ``parent``, or of the ads of
        ad group ``parent``: the generated block, then those made through ``*/create/``."""
        config = self.config
        if not self.made and 0 <= account < config.accounts:  # nothing created: index arithmetic
            if kind == "adgroup":
                return gen.child_range(parent, config.adgroups, config.campaigns)
            return gen.child_range(parent, config.ads, config.adgroups)
        above = "campaign" if kind == "adgroup" else "adgroup"
        parents = self.generated(above, account)
        block = gen.child_range(parent, self.generated(kind, account), parents)
        if parent >= parents:
            block = range(0)
        made = self.made.get((kind, account)) if self.made else None
        if not made:
            return block  # the common case: a range, no list built (spend asks every hour)
        first = self.generated(kind, account)
        return [*block, *(first + i for i, m in enumerate(made) if m.parent == parent)]

    def create(self, kind: str, account: int, parent: int, values: dict[str, Any]) -> int:
        """Add an object made through ``*/create/``; its index (and so its id) is new."""
        when = self.now()
        with self.lock:
            index = self.size(kind, account)
            self.made.setdefault((kind, account), []).append(Made(parent, when, values))
            entity = gen.entity_id(kind, account, index)
            enabled = values.get("operation_status", "ENABLE") == "ENABLE"
            self.changes[entity] = {"enabled": enabled, "deleted": False, "modify_time": when}
            self._changed(account, when)
            return index

    def campaign_budget(self, account: int, index: int) -> tuple[str, float]:
        """The budget mode and the budget the campaign was generated or created with."""
        made = self.made_of("campaign", account, index)
        if made is not None:
            return str(made.values["budget_mode"]), float(made.values["budget"])
        return gen.campaign_budget(self.config.seed, account, index)

    def objective(self, account: int, campaign: int) -> str:
        made = self.made_of("campaign", account, campaign)
        if made is not None:
            return str(made.values["objective_type"])
        return gen.objective(account, campaign)

    def base(self, kind: str, account: int, index: int) -> gen.Base:
        """The state an object started with: generated, or as ``*/create/`` made it."""
        made = self.made_of(kind, account, index)
        if made is not None:
            enabled = made.values.get("operation_status", "ENABLE") == "ENABLE"
            return gen.Base(enabled=enabled, deleted=False)
        return gen.base_state(self.config.seed, kind, account, index, self.config.deleted_percent)

    # states -----------------------------------------------------------------------------------

    def own(self, kind: str, account: int, index: int) -> State:
        change = self.changes.get(gen.entity_id(kind, account, index)) if self.changes else None
        if change is not None and "enabled" in change:
            return State(change["enabled"], change["deleted"])
        base = self.base(kind, account, index)
        return State(base.enabled, base.deleted)

    def status(self, kind: str, account: int, index: int) -> str:
        return self.statuses(kind, account)[index]

    def campaign_status(self, account: int, index: int) -> str:
        return self.statuses("campaign", account)[index]

    def adgroup_status(self, account: int, index: int) -> str:
        return self.statuses("adgroup", account)[index]

    def ad_status(self, account: int, index: int) -> str:
        return self.statuses("ad", account)[index]

    def statuses(self, kind: str, account: int) -> list[str]:
        """Effective statuses of every ``kind`` in ``account``, computed once per account and
        change (and per minute, as schedules end): listing 5,000 ads then costs a list lookup
        per ad instead of three hash chains. Only the most recent accounts are kept."""
        minute = int(self.now().timestamp() // 60)
        key = (kind, account, self.versions.get(account, 0), minute)
        with self.lock:
            found = self._statuses.get(key)
            if found is not None:
                self._statuses.move_to_end(key)
                return found
        if kind == "campaign":
            computed = [self._campaign_status(account, i) for i in range(self.size(kind, account))]
        elif kind == "adgroup":
            parents = self.statuses("campaign", account)
            computed = [
                self._adgroup_status(account, i, parents[self.campaign_of(account, i)])
                for i in range(self.size(kind, account))
            ]
        else:
            parents = self.statuses("adgroup", account)
            computed = [
                self._ad_status(account, i, parents[self.adgroup_of(account, i)])
                for i in range(self.size(kind, account))
            ]
        with self.lock:
            self._statuses[key] = computed
            while len(self._statuses) > STATUS_CACHE:
                self._statuses.popitem(last=False)
        return computed

    def matching(
        self,
        kind: str,
        account: int,
        status_filter: tuple[Any, ...],
        compute: Callable[[], list[int]],
    ) -> list[int]:
        """The indices of ``kind`` whose status passes ``status_filter``, id-descending, kept like
        ``statuses``: a sync lists the same filter page after page, and each page needs them all
        (for ``page_info.total_number``)."""
        minute = int(self.now().timestamp() // 60)
        key = (kind, account, self.versions.get(account, 0), minute, status_filter)
        with self.lock:
            found = self._matching.get(key)
            if found is not None:
                self._matching.move_to_end(key)
                return found
        computed = compute()
        with self.lock:
            self._matching[key] = computed
            while len(self._matching) > STATUS_CACHE:
                self._matching.popitem(last=False)
        return computed

    def report_rows(
        self, account: int, query: tuple[Any, ...], compute: Callable[[], list[Any]]
    ) -> list[Any]:
        """A report query's rows, kept like ``statuses`` (per account change, per minute, per
        setting): a report of 1,000 campaigns x 30 days is 30 pages, and each page needs every
        row (for ``page_info``); computing them once per query makes page 2 cost a slice.
        Within a minute a report can thus be up to a minute old, as TikTok's own reports lag."""
        minute = int(self.now().timestamp() // 60)
        knobs = tuple(vars(self.config).values())
        key = (account, self.versions.get(account, 0), minute, knobs, query)
        with self.lock:
            found = self._reports.get(key)
            if found is not None:
                self._reports.move_to_end(key)
                return found
        computed = compute()
        with self.lock:
            self._reports[key] = computed
            while len(self._reports) > REPORT_CACHE:
                self._reports.popitem(last=False)
        return computed

    def settled(self, account: int, make: Callable[[], T]) -> T:
        """The store of the ad account's ended days' spend (``spend.settled.Settled``), made by
        ``make`` the first time. Kept across changes, which never reach back before their own
        instant, but not across settings (the stop delay moves past stops); only the most recent
        accounts are kept."""
        key = (account, *(getattr(self.config, name) for name in SPEND_KNOBS))
        with self.lock:
            found = self._settled.get(key)
            if found is None:
                found = self._settled[key] = make()
                while len(self._settled) > SETTLED_CACHE:
                    self._settled.popitem(last=False)
            else:
                self._settled.move_to_end(key)
            return found

    def _changed(self, account: int, when: datetime) -> None:
        """Count a change of the account (its caches key on it) and drop the kept spend of the
        days it reaches: none unless the sandbox clock was set back before a day's end."""
        self.versions[account] = self.versions.get(account, 0) + 1
        day = when.astimezone(ZoneInfo(self.timezone(account))).date()
        for key, store in self._settled.items():
            if key[0] == account:
                store.forget_from(day)

    def _campaign_status(self, account: int, index: int) -> str:
        state = self.own("campaign", account, index)
        if state.deleted:
            return "CAMPAIGN_STATUS_DELETE"
        return "CAMPAIGN_STATUS_ENABLE" if state.enabled else "CAMPAIGN_STATUS_DISABLE"

    def _adgroup_status(self, account: int, index: int, parent: str) -> str:
        state = self.own("adgroup", account, index)
        if state.deleted:
            return "ADGROUP_STATUS_DELETE"
        if parent == "CAMPAIGN_STATUS_DELETE":
            return "ADGROUP_STATUS_CAMPAIGN_DELETE"
        if not state.enabled:
            return "ADGROUP_STATUS_DISABLE"
        if parent == "CAMPAIGN_STATUS_DISABLE":
            return "ADGROUP_STATUS_CAMPAIGN_DISABLE"
        end = self.schedule(account, index)[2]
        if end <= self.now():
            return "ADGROUP_STATUS_TIME_DONE"
        return "ADGROUP_STATUS_DELIVERY_OK"

    def _ad_status(self, account: int, index: int, parent: str) -> str:
        state = self.own("ad", account, index)
        if state.deleted:
            return "AD_STATUS_DELETE"
        if parent == "ADGROUP_STATUS_DELETE":
            return "AD_STATUS_ADGROUP_DELETE"
        if parent == "ADGROUP_STATUS_CAMPAIGN_DELETE":
            return "AD_STATUS_CAMPAIGN_DELETE"
        if not state.enabled:
            return "AD_STATUS_DISABLE"
        if parent == "ADGROUP_STATUS_DISABLE":
            return "AD_STATUS_ADGROUP_DISABLE"
        if parent == "ADGROUP_STATUS_CAMPAIGN_DISABLE":
            return "AD_STATUS_CAMPAIGN_DISABLE"
        if parent == "ADGROUP_STATUS_TIME_DONE":
            return "AD_STATUS_DONE"
        return "AD_STATUS_DELIVERY_OK"

    def set_status(self, kind: str, account: int, index: int, operation: str) -> None:
        """Apply ENABLE/DISABLE/DELETE; the caller has checked the entity is not deleted."""
        when = self.now()
        entity = gen.entity_id(kind, account, index)
        with self.lock:
            own = self.own(kind, account, index)
            change = self.changes.setdefault(entity, {})
            change["deleted"] = operation == "DELETE"
            change["enabled"] = own.enabled if operation == "DELETE" else operation == "ENABLE"
            change["modify_time"] = when
            self._changed(account, when)
            self.events.setdefault(entity, []).append((when, operation))

    def update_campaign(self, account: int, index: int, values: dict[str, Any]) -> None:
        when = self.now()
        entity = gen.entity_id("campaign", account, index)
        with self.lock:
            change = self.changes.setdefault(entity, {})
            change.update(values)
            change["modify_time"] = when
            self._changed(account, when)
            if "budget" in values:
                self.budgets.setdefault(entity, []).append((when, float(values["budget"])))

    def budget_at(self, account: int, index: int, when: datetime) -> float:
        """The budget of campaign ``index`` in force at ``when``.

        Rules: the generated budget holds until the first ``campaign/update/`` that set one; after
        that, the last change made at or before ``when`` holds (a change applies from its instant).
        """
        budget = self.campaign_budget(account, index)[1]
        for changed, value in self.budgets.get(gen.entity_id("campaign", account, index), ()):
            if changed > when:
                break
            budget = value
        return budget

    # times ------------------------------------------------------------------------------------

    def times(self, kind: str, account: int, index: int) -> tuple[datetime, datetime]:
        made = self.made_of(kind, account, index)
        if made is not None:
            created = made.created
        else:
            created = gen.created_at(self.config.epoch, self.config.seed, kind, account, index)
        modified = gen.modified_at(created, self.config.seed, account, index)
        change = self.changes.get(gen.entity_id(kind, account, index)) if self.changes else None
        if change and "modify_time" in change:
            modified = change["modify_time"]
        return created, modified

    def schedule(self, account: int, adgroup: int) -> tuple[str, datetime, datetime]:
        made = self.made_of("adgroup", account, adgroup)
        if made is not None:
            return made.values["schedule"]  # type: ignore[no-any-return]
        start = gen.created_at(self.config.epoch, self.config.seed, "adgroup", account, adgroup)
        roll = gen.mix(self.config.seed, 13, account, adgroup)
        if roll % 3 == 0:
            return "SCHEDULE_START_END", start, start + timedelta(days=400 + roll % 400)
        return "SCHEDULE_FROM_NOW", start, start + timedelta(days=3650)

    def enabled_intervals(self, account: int, index: int) -> list[tuple[datetime, datetime]]:
        """When campaign ``index`` was delivering, up to now: its spend accrues only then."""
        return self.own_intervals("campaign", account, index)

    def own_intervals(self, kind: str, account: int, index: int) -> list[tuple[datetime, datetime]]:
        """When the object's own switch let it deliver, up to now (parents aside).

        Rules: a generated enabled object delivers from its create time; ENABLE starts delivery
        at once; DISABLE or DELETE stops it ``stop_delay_seconds`` later (delivery in flight, as
        on TikTok), and an ENABLE within that delay simply continues it. Intervals are sorted,
        disjoint and end at the sandbox clock's now at the latest.
        """
        entity = gen.entity_id(kind, account, index)
        base = self.base(kind, account, index)
        start: datetime | None = self.times(kind, account, index)[0]
        if not base.enabled or base.deleted:
            start = None
        delay = timedelta(seconds=self.config.stop_delay_seconds)
        raw: list[tuple[datetime, datetime]] = []
        for when, operation in self.events.get(entity, ()):
            if operation == "ENABLE" and start is None:
                start = when
            elif operation in ("DISABLE", "DELETE") and start is not None:
                raw.append((start, when + delay))
                start = None
        now = self.now()
        if start is not None:
            raw.append((start, now))
        out: list[tuple[datetime, datetime]] = []
        for lo, hi in raw:
            hi = min(hi, now)
            if hi <= lo:
                continue
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out

    def campaign_name(self, account: int, index: int) -> str:
        change = self.changes.get(gen.entity_id("campaign", account, index)) or {}
        made = self.made_of("campaign", account, index)
        if made is not None:
            default = str(made.values["campaign_name"])
        else:
            default = f"{gen.objective(account, index).replace('_', ' ').title()} {index + 1:04d}"
        return str(change.get("campaign_name", default))

    def adgroup_name(self, account: int, index: int) -> str:
        made = self.made_of("adgroup", account, index)
        return str(made.values["adgroup_name"]) if made else f"Ad group {index + 1:05d}"

    def ad_name(self, account: int, index: int) -> str:
        made = self.made_of("ad", account, index)
        return str(made.values["ad_name"]) if made else f"Ad {index + 1:05d}"

    def timestamps(self, kind: str, account: int, index: int) -> dict[str, str]:
        """``times`` as text; computed in whole minutes, as every listed row has them."""
        seed, epoch = self.config.seed, self.config.epoch
        made = self.made_of(kind, account, index)
        if made is not None:
            times = self.times(kind, account, index)
            return {"create_time": fmt_time(times[0]), "modify_time": fmt_time(times[1])}
        created = gen.created_minutes(seed, kind, account, index)
        change = self.changes.get(gen.entity_id(kind, account, index)) if self.changes else None
        if change and "modify_time" in change:
            modified = fmt_time(change["modify_time"])
        else:
            modified = minutes_text(epoch, created + gen.modified_minutes(seed, account, index))
        return {"create_time": minutes_text(epoch, created), "modify_time": modified}
