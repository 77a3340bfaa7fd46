"""Reports: synchronous report pages, and the BASIC report history a long sync resumes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.api.access import Access
from promodesk.integrations.tiktok.entities import Page, ReportRow
from promodesk.integrations.tiktok.paging import iter_report_pages

DataLevel = Literal["AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"]


# Sent on a report answer whose rows TikTok truncated: more than 20,000 ads (spec §4, §6.9).
ADS_THROTTLE_HEADER = "X-Tt-Ads-Throttle"
REPORT_ID_FILTER_MAX = 100  # ids per report id filter (spec §6.9)

# The status filter a report needs per level to include deleted objects (spec §6.9).
REPORT_STATUS_FIELD = {
    "AUCTION_CAMPAIGN": "campaign_status",
    "AUCTION_ADGROUP": "adgroup_status",
    "AUCTION_AD": "ad_status",
}


class Reports(Access):
    """The report methods of ``TikTokApi``."""

    # Reports -----------------------------------------------------------------------------

    def report_pages(
        self,
        advertiser_id: str,
        *,
        data_level: DataLevel,
        dimensions: Sequence[str],
        metrics: Sequence[str],
        start_date: str | None = None,
        end_date: str | None = None,
        query_lifetime: bool = False,
        include_deleted: bool = False,
        filtering: Sequence[Mapping[str, Any]] | None = None,
        report_type: str = "BASIC",
        page_size: int | None = None,
    ) -> Iterator[Page[ReportRow]]:
        """``/report/integrated/get/`` (synchronous). Dates are ``YYYY-MM-DD`` in the account's
        time zone; TikTok allows 30 days with ``stat_time_day`` and 1 day with ``stat_time_hour``.
        """
        filters = [dict(item) for item in filtering or ()]
        status_field = REPORT_STATUS_FIELD.get(data_level)
        if (
            include_deleted
            and status_field
            and all(f.get("field_name") != status_field for f in filters)
        ):
            filters.append(
                {"field_name": status_field, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}
            )
        params: dict[str, Any] = {
            "advertiser_id": advertiser_id,
            "service_type": "AUCTION",
            "report_type": report_type,
            "data_level": data_level,
            "dimensions": list(dimensions),
            "metrics": list(metrics),
            "start_date": None if query_lifetime else start_date,
            "end_date": None if query_lifetime else end_date,
            "query_lifetime": True if query_lifetime else None,
            "filtering": filters or None,
        }
        return iter_report_pages(
            self.client,
            endpoints.REPORT,
            token=self._token,
            params=params,
            page_size=self._page_size(page_size),
        )

    # Report history --------------------------------------------------------------------------

    def basic_report_pages(
        self,
        advertiser_id: str,
        *,
        data_level: DataLevel,
        dimensions: Sequence[str],
        metrics: Sequence[str],
        start_date: str,
        end_date: str,
        start_page: int = 1,
        page_size: int | None = None,
        campaign_ids: Sequence[str] | None = None,
    ) -> Iterator[Page[ReportRow]]:
        """BASIC report pages of every status (deleted objects included), from ``start_page``:
        a long report resumes where the last committed page left it. ``campaign_ids`` (at most
        100) narrows it to those campaigns' rows. A page is ``truncated`` when TikTok says it
        cut the result short (``X-Tt-Ads-Throttle``)."""
        status_field = REPORT_STATUS_FIELD[data_level]
        filtering = [
            {"field_name": status_field, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}
        ]
        if campaign_ids is not None:
            if not 0 < len(campaign_ids) <= REPORT_ID_FILTER_MAX:
                raise ValueError(f"campaign_ids: 1 to {REPORT_ID_FILTER_MAX} ids")
            filtering.append(
                {
                    "field_name": "campaign_ids",
                    "filter_type": "IN",
                    "filter_value": json.dumps([str(i) for i in campaign_ids]),
                }
            )
        params: dict[str, Any] = {
            "advertiser_id": advertiser_id,
            "service_type": "AUCTION",
            "report_type": "BASIC",
            "data_level": data_level,
            "dimensions": list(dimensions),
            "metrics": list(metrics),
            "start_date": start_date,
            "end_date": end_date,
            "filtering": filtering,
        }
        return iter_report_pages(
            self.client,
            endpoints.REPORT,
            token=self._token,
            params=params,
            page_size=self._page_size(page_size),
            start_page=max(1, start_page),
            truncation_header=ADS_THROTTLE_HEADER,
        )
