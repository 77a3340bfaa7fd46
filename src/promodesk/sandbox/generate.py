"""Deterministic generated data: every record is a pure function of (seed, account, index).

Nothing is stored: a record is rebuilt when asked for, and only client changes are kept
(see ``world.py``). IDs encode their position, so a lookup by id is arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

MASK = (1 << 64) - 1
SLOT = 10**8  # ids of one account occupy [base + a * SLOT, base + (a + 1) * SLOT)

ADVERTISER_BASE = 7 * 10**18 + 10**12
KIND_BASE = {
    "audience": 16 * 10**17,
    "campaign": 17 * 10**17,
    "adgroup": 18 * 10**17,
    "ad": 19 * 10**17,
}
KIND_SALT = {"campaign": 1, "adgroup": 2, "ad": 3, "audience": 4, "account": 5}

# (country, currency, timezone, rough units per USD) of generated ad accounts.
MARKETS = (
    ("US", "USD", "America/New_York", 1),
    ("ID", "IDR", "Asia/Jakarta", 15000),
    ("TH", "THB", "Asia/Bangkok", 35),
    ("GB", "GBP", "Europe/London", 1),
    ("SG", "SGD", "Asia/Singapore", 1),
    ("MY", "MYR", "Asia/Kuala_Lumpur", 4),
    ("DE", "EUR", "Europe/Berlin", 1),
    ("AU", "AUD", "Australia/Sydney", 2),
)
BRANDS = (
    "Aurora Cosmetics",
    "Blue Harbor Travel",
    "Copper Kettle Foods",
    "Delta Sportswear",
    "Evergreen Home",
    "Fable Toys",
    "Golden Hour Jewelry",
    "Harbor Lights Audio",
    "Indigo Pet Care",
    "Juniper Tea House",
)
OBJECTIVES = (
    "TRAFFIC",
    "WEB_CONVERSIONS",
    "REACH",
    "VIDEO_VIEWS",
    "APP_PROMOTION",
    "ENGAGEMENT",
    "LEAD_GENERATION",
    "PRODUCT_SALES",
)
GOALS = {
    "TRAFFIC": ("CLICK", "CPC"),
    "WEB_CONVERSIONS": ("CONVERT", "OCPM"),
    "REACH": ("REACH", "CPM"),
    "VIDEO_VIEWS": ("ENGAGED_VIEW", "CPV"),
    "APP_PROMOTION": ("INSTALL", "OCPM"),
    "ENGAGEMENT": ("FOLLOWERS", "OCPM"),
    "LEAD_GENERATION": ("LEAD_GENERATION", "OCPM"),
    "PRODUCT_SALES": ("VALUE", "OCPM"),
}
BUDGET_MODES = ("BUDGET_MODE_DAY", "BUDGET_MODE_TOTAL", "BUDGET_MODE_INFINITE")
AUDIENCE_TYPES = ("Customer File", "Engagement", "App Activity", "Website Traffic", "Lookalike")
CALL_TO_ACTIONS = ("LEARN_MORE", "SHOP_NOW", "SIGN_UP", "DOWNLOAD_NOW", "CONTACT_US")


def mix(*parts: int) -> int:
    """A 64-bit hash of integers (splitmix-like): cheap, stable across runs and platforms."""
    if not parts:
        return _SEED
    return _round(_prefix(parts[:-1]), parts[-1])


_SEED = 0x9E3779B97F4A7C15


def _round(x: int, part: int) -> int:
    x ^= part & MASK
    x = (x * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 31
    x = (x * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 29)


@lru_cache(maxsize=4096)
def _prefix(parts: tuple[int, ...]) -> int:
    # Listing a page mixes (seed, salt, account, index) for every index: the state after
    # the leading parts is the same, so it is computed once.
    x = _SEED
    for part in parts:
        x = _round(x, part)
    return x


def entity_id(kind: str, account: int, index: int) -> str:
    return str(KIND_BASE[kind] + account * SLOT + index)


def decode_id(kind: str, value: str) -> tuple[int, int] | None:
    """(account, index) of a generated id, or None when it is not one of ``kind``."""
    if not value.isdigit() or len(value) > 24:
        return None
    offset = int(value) - KIND_BASE[kind]
    if offset < 0:
        return None
    return divmod(offset, SLOT)


def advertiser_id(account: int) -> str:
    return str(ADVERTISER_BASE + account)


def decode_advertiser(value: str) -> int | None:
    if not value.isdigit() or len(value) > 24:
        return None
    index = int(value) - ADVERTISER_BASE
    return index if 0 <= index < SLOT else None


def parent_index(child: int, children: int, parents: int) -> int:
    """Children are spread evenly over parents in contiguous blocks."""
    return child * parents // children


def child_range(parent: int, children: int, parents: int) -> range:
    return range(-(-parent * children // parents), -(-(parent + 1) * children // parents))


@dataclass(frozen=True)
class Base:
    """The generated (unchanged) state of an entity."""

    enabled: bool
    deleted: bool


def base_state(seed: int, kind: str, account: int, index: int, deleted_percent: int) -> Base:
    roll = mix(seed, KIND_SALT[kind], account, index) % 100
    # Campaigns are deleted at the full rate; ad groups and ads at half (they also inherit).
    share = deleted_percent if kind == "campaign" else deleted_percent // 2
    if roll < share:
        return Base(enabled=False, deleted=True)
    return Base(enabled=roll >= share + (20 if kind == "campaign" else 10), deleted=False)


def market(account: int) -> tuple[str, str, str, int]:
    return MARKETS[account % len(MARKETS)]


def account_name(account: int) -> str:
    brand = BRANDS[account % len(BRANDS)]
    return f"{brand} {market(account)[0]} #{account + 1}"


def account_record(account: int, epoch: datetime) -> dict[str, Any]:
    country, currency, timezone, per_usd = market(account)
    name = account_name(account)
    slug = name.split()[0].lower()
    return {
        "advertiser_id": advertiser_id(account),
        "name": name,
        "status": "STATUS_ENABLE",
        "role": "ROLE_ADVERTISER",
        "rejection_reason": "",
        "timezone": timezone,
        "display_timezone": timezone,
        "company": BRANDS[account % len(BRANDS)] + " Ltd.",
        "company_name_editable": False,
        "industry": str(290000 + account % 40),
        "address": f"{account + 1} Market Street",
        "country": country,
        "advertiser_account_type": "AUCTION",
        "currency": currency,
        "contacter": "S***x",
        "email": f"a***@{slug}.example",
        "cellphone_number": "+1***0000",
        "telephone_number": "+1***0000",
        "language": "en",
        "license_no": "",
        "license_url": None,
        "license_province": None,
        "license_city": None,
        "promotion_area": "0",
        "promotion_center_province": None,
        "promotion_center_city": None,
        "brand": BRANDS[account % len(BRANDS)],
        "description": "Generated by the promodesk sandbox",
        "balance": float(5000 * per_usd + account * 10),
        "create_time": int((epoch - timedelta(days=90 - account % 60)).timestamp()),
        "owner_bc_id": None,
    }


_STEPS = {"campaign": 53, "adgroup": 19, "ad": 11, "audience": 211}


def created_minutes(seed: int, kind: str, account: int, index: int) -> int:
    """Minutes after the epoch at which an entity was created."""
    return index * _STEPS[kind] + account * 7 + mix(seed, 9, account, index) % 50


def modified_minutes(seed: int, account: int, index: int) -> int:
    """Minutes after its creation at which an entity was last modified (unless changed)."""
    return mix(seed, 10, account, index) % (48 * 60)


def created_at(epoch: datetime, seed: int, kind: str, account: int, index: int) -> datetime:
    return epoch + timedelta(minutes=created_minutes(seed, kind, account, index))


def modified_at(created: datetime, seed: int, account: int, index: int) -> datetime:
    return created + timedelta(minutes=modified_minutes(seed, account, index))


def campaign_budget(seed: int, account: int, index: int) -> tuple[str, float]:
    mode = BUDGET_MODES[mix(seed, 11, account, index) % len(BUDGET_MODES)]
    per_usd = market(account)[3]
    if mode == "BUDGET_MODE_DAY":
        return mode, float((50 + 10 * (mix(seed, 12, account, index) % 46)) * per_usd)
    if mode == "BUDGET_MODE_TOTAL":
        return mode, float((1000 + 500 * (mix(seed, 12, account, index) % 19)) * per_usd)
    return mode, 0.0


def objective(account: int, index: int) -> str:
    return OBJECTIVES[(account + index) % len(OBJECTIVES)]


def ad_text(account: int, index: int) -> str:
    return f"{BRANDS[account % len(BRANDS)]}: new season, new looks #{index + 1}"
