"""Typed views of TikTok objects. Unknown fields are kept (``extra="allow"``).

Ids are strings in v1.3 (numbers are accepted and turned into strings). Budgets are ``Decimal``
(the envelope is parsed without floats); converting to minor units is the caller's job, because
it depends on the ad account's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

import msgspec
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from promodesk.integrations.tiktok.errors import UnexpectedResponse

T = TypeVar("T")
E = TypeVar("E", bound="Entity")


class Entity(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, frozen=True)

    def raw(self) -> dict[str, Any]:
        """Every field TikTok sent, known or not."""
        return self.model_dump(mode="json")

    @classmethod
    def parse(cls: type[E], item: Any) -> E:
        """Validate one item of an answer; a malformed one is TikTok's fault, not a bug here."""
        try:
            return cls.model_validate(item)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
            raise UnexpectedResponse(
                f"{cls.__name__} with unexpected fields: {', '.join(fields)}"
            ) from None


class Advertiser(Entity):
    advertiser_id: str
    name: str = ""
    status: str | None = None
    role: str | None = None
    currency: str | None = None
    timezone: str | None = None
    display_timezone: str | None = None
    country: str | None = None
    company: str | None = None
    balance: Decimal | None = None
    create_time: int | None = None
    owner_bc_id: str | None = None


class AdvertiserRef(Entity):
    advertiser_id: str
    advertiser_name: str = ""


class Campaign(Entity):
    campaign_id: str
    advertiser_id: str
    campaign_name: str = ""
    objective_type: str | None = None
    budget_mode: str | None = None
    budget: Decimal | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    create_time: str | None = None
    modify_time: str | None = None


class AdGroup(Entity):
    adgroup_id: str
    campaign_id: str
    advertiser_id: str
    adgroup_name: str = ""
    budget_mode: str | None = None
    budget: Decimal | None = None
    schedule_type: str | None = None
    schedule_start_time: str | None = None
    schedule_end_time: str | None = None
    operation_status: str | None = None
    secondary_status: str | None = None
    create_time: str | None = None
    modify_time: str | None = None


class Ad(Entity):
    ad_id: str
    adgroup_id: str
    campaign_id: str
    advertiser_id: str
    ad_name: str = ""
    operation_status: str | None = None
    secondary_status: str | None = None
    create_time: str | None = None
    modify_time: str | None = None  # Smart+ ads may lack it


class Audience(Entity):
    audience_id: str
    name: str = ""
    audience_type: str | None = None
    cover_num: int | None = None
    is_valid: bool | None = None
    is_expiring: bool | None = None
    create_time: str | None = None


class ReportRow(msgspec.Struct, frozen=True):
    """One report row: its dimensions and metrics, every value a string as TikTok sends it (a
    JSON number becomes its text); ``"-"`` means empty. A msgspec struct, not an ``Entity``: a
    report page is a thousand of them, decoded straight from the answer's bytes
    (``envelope.parse_report``); ``parse`` builds one from an already decoded item."""

    dimensions: dict[str, str] = msgspec.field(default_factory=dict)
    metrics: dict[str, str] = msgspec.field(default_factory=dict)

    def metric(self, name: str) -> str | None:
        value = self.metrics.get(name)
        return None if value in (None, "-", "") else value

    @classmethod
    def parse(cls, item: Any) -> ReportRow:
        """A decoded item (numbers as ``int`` or ``Decimal``); a malformed one is TikTok's fault."""
        if not isinstance(item, dict):
            raise UnexpectedResponse("ReportRow with unexpected fields: ")
        parts: dict[str, dict[str, str]] = {}
        for name in ("dimensions", "metrics"):
            values = item.get(name, {})
            if not isinstance(values, dict):
                raise UnexpectedResponse(f"ReportRow with unexpected fields: {name}")
            bad = sorted(f"{name}.{k}" for k, v in values.items() if _text(v) is None)
            if bad:
                raise UnexpectedResponse(f"ReportRow with unexpected fields: {', '.join(bad)}")
            parts[name] = {str(k): cast(str, _text(v)) for k, v in values.items()}
        return cls(parts["dimensions"], parts["metrics"])


def _text(value: Any) -> str | None:
    """A report value as text: strings as sent, numbers as their text, anything else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


class StatusUpdate(Entity):
    """What a ``*/status/update/`` answered; ``ids`` are the modified ones."""

    ids: list[str] = Field(default_factory=list)
    status: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class TokenGrant(Entity):
    """``oauth2/access_token/``: a long-term advertiser token (no expiry, no refresh token)."""

    access_token: str = Field(repr=False)
    advertiser_ids: list[str] = Field(default_factory=list)
    scope: list[int] = Field(default_factory=list)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total_number: int | None
    total_page: int | None
    # TikTok cut the result short (a report over more than 20,000 ads, spec §6.9): rows are
    # missing, and the query must be split to get them.
    truncated: bool = False
