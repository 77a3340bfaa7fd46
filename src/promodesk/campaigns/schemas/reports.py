"""Report history: where an ad account's report sync stands."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from promodesk.operations.schemas import OperationRead


class ReportSyncRead(BaseModel):
    ad_account_id: int
    time_zone: str = Field(description="the ad account's zone: days and hours are local to it")
    currency: str = Field(description="spend is in minor units of this currency")
    first_day: str | None = Field(None, description="oldest day stored (YYYY-MM-DD)")
    last_day: str | None = Field(None, description="newest day stored")
    final_through: str | None = Field(
        None, description="days up to this one are final (past the attribution window)"
    )
    synced_at: datetime | None = None
    rows: dict[str, int] = Field(
        default_factory=dict, description="rows stored per level and grain, e.g. campaign_day"
    )
    operation: OperationRead | None = Field(
        None,
        description="the last report sync: its progress; ``result`` holds its plan and cursor",
    )
