"""The promotions index: one list of every promotion in every channel (pure rules and types).

- **Channels and kinds**: ``tiktok_ads`` (``campaign``, ``adgroup``, ``ad``), ``promote``
  (``promote_order``), ``shop`` (``shop_activity`` per activity and shop, ``shop_enrollment``).
- **A promotion's reference** (``ref``): ``<kind>:<id>``, the id being promodesk's row id;
  a shop activity is ``shop_activity:<activity id>:<shop id>``. Refs are what other features
  (rules, stop everywhere) keep and pass back.
- **Owners**: ``advertiser:<id>`` (a TikTok object whose campaign is allocated to a client's
  advertiser), ``client:<id>`` (every advertiser of that client account), ``ad_account:<id>``
  (a TikTok object of that ad account, allocated or not), ``shop:<id>``, ``creator:<id>``.
- **Filters**: ``channel``, ``kind``, ``status`` (``status.Status``), ``owner`` and ``product``
  (a shop product id); each may be repeated or comma-separated and matches any of its values;
  ``search`` is part of the name (any case) or an exact id (promodesk's or the platform's). An
  unknown value is a 422 naming the field, never a wider list.
- **Money**: integer minor units with the currency: a TikTok object's budget (none when
  unlimited, none for ads) and spend (over the ``range``, ``domain.spend_range``: every day
  the report store holds by default, in the ad account's currency), results its conversions;
  a Promote order's budget and spend in coins, results by its type (product clicks, LIVE
  viewers, views); shop enrollments and activities have no budget or spend, their results are
  orders (whatever the range).
- **Sorts**: ``last_change`` (default, newest first), ``spend``, ``budget``, ``name``; a leading
  ``-`` for descending. Ties are broken by (kind, id, shop), so paging is stable. Amounts sort
  by their minor units (money of different currencies is not converted); a promotion without
  a budget or spend sorts as if it were -1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from promodesk.kit.errors import N_, ValidationFailed
from promodesk.promotions.domain.spend_range import LIFETIME, SpendRange, spend_range
from promodesk.promotions.domain.status import Status, statuses, words


class Channel(StrEnum):
    TIKTOK_ADS = "tiktok_ads"
    PROMOTE = "promote"
    SHOP = "shop"


class Kind(StrEnum):
    CAMPAIGN = "campaign"
    ADGROUP = "adgroup"
    AD = "ad"
    PROMOTE_ORDER = "promote_order"
    SHOP_ACTIVITY = "shop_activity"
    SHOP_ENROLLMENT = "shop_enrollment"


CHANNEL_OF: dict[Kind, Channel] = {
    Kind.CAMPAIGN: Channel.TIKTOK_ADS,
    Kind.ADGROUP: Channel.TIKTOK_ADS,
    Kind.AD: Channel.TIKTOK_ADS,
    Kind.PROMOTE_ORDER: Channel.PROMOTE,
    Kind.SHOP_ACTIVITY: Channel.SHOP,
    Kind.SHOP_ENROLLMENT: Channel.SHOP,
}


# TikTok's levels from the top: a campaign's spend already holds its ad groups' and ads'.
TIKTOK_LEVELS = (Kind.CAMPAIGN, Kind.ADGROUP, Kind.AD)


def money_kinds(present: Iterable[str]) -> frozenset[Kind]:
    """The kinds whose budget and spend a list's totals add up, given the kinds it shows.

    Rule: money is counted once. A TikTok campaign's spend is the sum of its ad groups' and
    ads', so of the TikTok levels in the list only the highest is added (campaigns when there
    are any, else ad groups, else ads); Promote orders always count; shop activities and
    enrollments have no budget or spend of their own."""
    shown = {Kind(k) for k in present}
    counted = {Kind.PROMOTE_ORDER}
    top = next((level for level in TIKTOK_LEVELS if level in shown), None)
    if top is not None:
        counted.add(top)
    return frozenset(counted & shown)


class OwnerKind(StrEnum):
    ADVERTISER = "advertiser"
    CLIENT = "client"
    AD_ACCOUNT = "ad_account"
    SHOP = "shop"
    CREATOR = "creator"


class SortKey(StrEnum):
    LAST_CHANGE = "last_change"
    SPEND = "spend"
    BUDGET = "budget"
    NAME = "name"


MAX_ID = 2**63 - 1
UNKNOWN = N_("Unknown %(field)s: choose one of %(allowed)s.")


@dataclass(frozen=True, slots=True)
class Ref:
    """A promotion's reference: ``kind:id`` (``shop_activity:<activity>:<shop>``)."""

    kind: Kind
    id: int
    shop_id: int = 0

    def __str__(self) -> str:
        base = f"{self.kind.value}:{self.id}"
        return f"{base}:{self.shop_id}" if self.kind is Kind.SHOP_ACTIVITY else base


def parse_ref(value: str, field_name: str = "ref") -> Ref:
    """A ref as ``Ref.__str__`` writes it; anything else is a 422 naming ``field_name``."""
    parts = (value or "").strip().lower().split(":")
    bad = ValidationFailed(
        "a promotion is named kind:id (shop_activity:activity:shop), kind one of "
        + ", ".join(k.value for k in Kind),
        field=field_name,
    )
    try:
        kind = Kind(parts[0])
        ids = [int(p) for p in parts[1:]]
    except ValueError:
        raise bad from None
    want = 2 if kind is Kind.SHOP_ACTIVITY else 1
    if len(ids) != want or not all(1 <= i <= MAX_ID for i in ids):
        raise bad
    return Ref(kind, ids[0], ids[1] if want == 2 else 0)


@dataclass(frozen=True, slots=True)
class Owner:
    kind: OwnerKind
    id: int

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True, slots=True)
class Filters:
    """What the list is narrowed to; empty sets mean no narrowing."""

    channels: frozenset[Channel] = frozenset()
    kinds: frozenset[Kind] = frozenset()
    statuses: frozenset[Status] = frozenset()
    owners: frozenset[Owner] = frozenset()
    products: frozenset[int] = frozenset()
    search: str | None = None
    # the days spend and results cover (not a narrowing: every promotion stays listed)
    range: SpendRange = LIFETIME

    def wants(self, kind: Kind) -> bool:
        """Whether rows of ``kind`` can be in the list at all."""
        if self.kinds and kind not in self.kinds:
            return False
        return not self.channels or CHANNEL_OF[kind] in self.channels


def enum_set(values: list[str] | str | None, enum: type[StrEnum], name: str) -> frozenset:  # type: ignore[type-arg]
    try:
        return frozenset(enum(w) for w in words(values))
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationFailed(
            f"{name} is one of {allowed}",
            field=name,
            message=UNKNOWN,
            params={"field": name, "allowed": allowed},
        ) from None


def owners(values: list[str] | str | None) -> frozenset[Owner]:
    out = set()
    for word in words(values):
        kind, _, num = word.partition(":")
        try:
            owner = Owner(OwnerKind(kind), int(num))
        except ValueError:
            allowed = ", ".join(f"{k.value}:<id>" for k in OwnerKind)
            raise ValidationFailed(
                f"owner is one of {allowed}",
                field="owner",
                message=UNKNOWN,
                params={"field": "owner", "allowed": allowed},
            ) from None
        if not 1 <= owner.id <= MAX_ID:
            raise ValidationFailed("owner names no object", field="owner")
        out.add(owner)
    return frozenset(out)


def products(values: list[str] | list[int] | int | str | None) -> frozenset[int]:
    out = set()
    if isinstance(values, int):
        values = [values]
    given = words([str(v) for v in values] if isinstance(values, list) else values)
    for word in given:
        try:
            pid = int(word)
        except ValueError:
            raise ValidationFailed(
                "product is a shop product id",
                field="product",
                message=N_("A product is named by its shop product id (a number)."),
            ) from None
        if not 1 <= pid <= MAX_ID:
            raise ValidationFailed("product is a shop product id", field="product")
        out.add(pid)
    return frozenset(out)


def search_text(value: str | None) -> str | None:
    text = (value or "").strip()
    if len(text) > 200:
        raise ValidationFailed("search is at most 200 characters", field="search")
    return text or None


def filters(
    *,
    channel: list[str] | str | None = None,
    kind: list[str] | str | None = None,
    status: list[str] | str | None = None,
    owner: list[str] | str | None = None,
    product: list[str] | list[int] | int | str | None = None,
    search: str | None = None,
    range: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Filters:
    """Filters from words as the API, CLI and console take them (rules above); ``range``,
    ``since`` and ``until`` are the spend range's word, ``from`` and ``to``."""
    return Filters(
        channels=enum_set(channel, Channel, "channel"),
        kinds=enum_set(kind, Kind, "kind"),
        statuses=statuses(status),
        owners=owners(owner),
        products=products(product),
        search=search_text(search),
        range=spend_range(range, since, until),
    )


@dataclass(frozen=True, slots=True)
class Sort:
    key: SortKey
    descending: bool

    @property
    def token(self) -> str:
        return ("-" if self.descending else "") + self.key.value


SORT_WORDS = ", ".join(k.value for k in SortKey)
DEFAULT_SORT = Sort(SortKey.LAST_CHANGE, True)


def sort(value: str | None) -> Sort:
    """A sort word (rules above); empty is ``-last_change``; anything else is a 422."""
    text = (value or "").strip().lower()
    if not text:
        return DEFAULT_SORT
    try:
        return Sort(SortKey(text.removeprefix("-")), text.startswith("-"))
    except ValueError:
        raise ValidationFailed(
            f"sort is one of {SORT_WORDS}, with a leading - for descending",
            field="sort",
            message=UNKNOWN,
            params={"field": "sort", "allowed": SORT_WORDS},
        ) from None


# --- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of ``currency`` (``COIN`` for Promote)."""

    minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: int
    title: str
    source: str  # enrollment | auto | manual


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: OwnerKind
    id: int
    name: str


@dataclass(slots=True)
class PromotionRow:
    """One promotion as the index shows it."""

    ref: str
    channel: Channel
    kind: Kind
    id: int
    shop_id: int | None
    external_id: str | None  # the platform's id (TikTok's, the shop platform's)
    name: str
    parent: str | None  # the campaign of an ad group or ad, the activity of an enrollment
    owner: OwnerRef | None
    client: OwnerRef | None  # the client account of an allocated TikTok object
    status: Status
    native_status: str  # the channel's own words, for people who know them
    budget: Money | None
    spend: Money | None
    results: int | None
    last_change: datetime | None
    products: list[ProductRef] = field(default_factory=list)
