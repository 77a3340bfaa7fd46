"""The sandbox's state: generated records plus the changes clients made.

Deleted entities cannot change any more; a change counts against its account, whose kept status
vectors and report rows key on it (``status``, ``caches``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from promodesk.sandbox import generate as gen
from promodesk.sandbox.config import SandboxConfig
from promodesk.sandbox.wire import fmt_time, minutes_text
from promodesk.sandbox.world.caches import Caches
from promodesk.sandbox.world.status import Statuses

KINDS = ("campaign", "adgroup", "ad")
PREFIX = {"campaign": "CAMPAIGN", "adgroup": "ADGROUP", "ad": "AD"}
SIZE_FIELDS = {"campaign": "campaigns", "adgroup": "adgroups", "ad": "ads", "audience": "audiences"}


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
class World(Statuses, Caches):
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

    def _changed(self, account: int, when: datetime) -> None:
        """Count a change of the account (its caches key on it) and drop the kept spend of the
        days it reaches: none unless the sandbox clock was set back before a day's end."""
        self.versions[account] = self.versions.get(account, 0) + 1
        day = when.astimezone(ZoneInfo(self.timezone(account))).date()
        for key, store in self._settled.items():
            if key[0] == account:
                store.forget_from(day)

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
