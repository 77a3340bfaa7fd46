"""Monitoring after a cancellation and the retrospective: request and response bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from promodesk.campaigns.domain.retrospective import (
    ACTION_ITEMS_MAX,
    ACTION_OWNER_MAX,
    ACTION_TEXT_MAX,
    LESSONS_MAX,
)
from promodesk.kit.inputs import Day, Input


class ActionItem(Input):
    text: Annotated[str, Field(min_length=1, max_length=ACTION_TEXT_MAX)]
    owner: Annotated[str, Field(max_length=ACTION_OWNER_MAX)] = ""
    due: Day | None = None
    done: bool = False


class NotesUpdate(Input):
    """Replace the lessons and/or the action items (a field left out is kept)."""

    lessons: Annotated[str, Field(max_length=LESSONS_MAX)] | None = None
    action_items: Annotated[list[ActionItem], Field(max_length=ACTION_ITEMS_MAX)] | None = None


class ActionItemRead(BaseModel):
    text: str
    owner: str
    due: str | None
    done: bool


class NotesRead(BaseModel):
    id: int = Field(description="the cancellation's id")
    lessons: str
    action_items: list[ActionItemRead]


class MonitorRead(BaseModel):
    """Before/after a cancellation: per ad account (``accounts``: its currency and zone,
    ``daily`` and ``hourly`` series, ``comparison`` windows, ``objects``/``account``/``others``
    totals, ``items`` with their spend after the stop) and per advertiser (``advertisers``).
    Money in minor units of the named currency; days and hours in the ad account's zone."""

    cancellation: dict[str, Any]
    monitor_days: int
    hours_around: int
    accounts: list[dict[str, Any]]
    advertisers: list[dict[str, Any]]


class RetrospectiveRead(BaseModel):
    """Cancellations of a period: ``by_reason`` counts, ``totals`` per currency (spent to
    date, freed, reallocated, spend after stop; minor units), ``advertisers`` with their own
    sums, and ``rows`` (one per cancellation: money, cost per result before the cancel
    against the reference, the advertiser's spend after vs before, lessons, action items)."""

    period: dict[str, Any]
    client_id: int | None
    advertiser_id: int | None
    cancellations: int
    by_reason: dict[str, int]
    totals: list[dict[str, Any]]
    advertisers: list[dict[str, Any]]
    rows: list[dict[str, Any]]
