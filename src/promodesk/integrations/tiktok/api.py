"""Typed endpoint methods for one access token (spec §6). Obtain with ``client.for_token(t)``.

Rules: list methods are generators of pages (``page_size`` 1000 by default, 100 for audiences);
``include_deleted`` asks for every status, because TikTok hides deleted objects by default;
status updates go out in chunks of at most 20 ids, as the API requires.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.client import TikTokClient
from promodesk.integrations.tiktok.endpoints import Level
from promodesk.integrations.tiktok.entities import (
    Ad,
    AdGroup,
    Advertiser,
    Audience,
    Campaign,
    Page,
    ReportRow,
    StatusUpdate,
)
from promodesk.integrations.tiktok.paging import iter_pages

DataLevel = Literal["AUCTION_ADVERTISER", "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD"]
OperationStatus = Literal["ENABLE", "DISABLE", "DELETE"]

ADVERTISER_INFO_BATCH = 100
STATUS_UPDATE_BATCH = 20
ENTITY_PAGE_MAX = 1000
AUDIENCE_PAGE_MAX = 100


# Sent on a report answer whose rows TikTok truncated: more than 20,000 ads (spec §4, §6.9).
ADS_THROTTLE_HEADER = "X-Tt-Ads-Throttle"
REPORT_ID_FILTER_MAX = 100  # ids per report id filter (spec §6.9)

# The status filter a report needs per level to include deleted objects (spec §6.9).
REPORT_STATUS_FIELD = {
    "AUCTION_CAMPAIGN": "campaign_status",
    "AUCTION_ADGROUP": "adgroup_status",
    "AUCTION_AD": "ad_status",
}


def chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def entity_filtering(
    level: Level, filtering: Mapping[str, Any] | None, include_deleted: bool
) -> dict[str, Any] | None:
    """``filtering`` plus, for ``include_deleted``, ``secondary_status={LEVEL}_STATUS_ALL``.

    An explicit ``primary_status``/``secondary_status`` in ``filtering`` wins.
    """
    result = dict(filtering or {})
    if include_deleted and not {"primary_status", "secondary_status"} & result.keys():
        result["secondary_status"] = f"{level.upper()}_STATUS_ALL"
    return result or None


class TikTokApi:
    def __init__(self, client: TikTokClient, access_token: str) -> None:
        self.client = client
        self._token = access_token

    def __repr__(self) -> str:
        return f"TikTokApi(base_url={self.client.settings.base_url!r})"

    def _page_size(self, page_size: int | None, cap: int = ENTITY_PAGE_MAX) -> int:
        return max(1, min(page_size or self.client.settings.page_size, cap))

    # Ad accounts -------------------------------------------------------------------------

    def advertiser_info(
        self, advertiser_ids: Sequence[str], *, fields: Sequence[str] | None = None
    ) -> list[Advertiser]:
        found: list[Advertiser] = []
        for batch in chunks(advertiser_ids, ADVERTISER_INFO_BATCH):
            data = self.client.request(
                "GET",
                endpoints.ADVERTISER_INFO,
                token=self._token,
                params={"advertiser_ids": batch, "fields": list(fields) if fields else None},
            )
            found.extend(Advertiser.parse(item) for item in data.get("list") or [])
        return found

    # Campaigns, ad groups, ads -----------------------------------------------------------

    def _entity_pages(
        self,
        level: Level,
        advertiser_id: str,
        parse: Any,
        *,
        filtering: Mapping[str, Any] | None,
        include_deleted: bool,
        fields: Sequence[str] | None,
        page_size: int | None,
    ) -> Iterator[Page[Any]]:
        params = {
            "advertiser_id": advertiser_id,
            "filtering": entity_filtering(level, filtering, include_deleted),
            "fields": list(fields) if fields else None,
        }
        return iter_pages(
            self.client,
            endpoints.GET[level],
            token=self._token,
            params=params,
            parse=parse,
            page_size=self._page_size(page_size),
        )

    def campaign_pages(
        self,
        advertiser_id: str,
        *,
        filtering: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page[Campaign]]:
        return self._entity_pages(
            "campaign",
            advertiser_id,
            Campaign.parse,
            filtering=filtering,
            include_deleted=include_deleted,
            fields=fields,
            page_size=page_size,
        )

    def adgroup_pages(
        self,
        advertiser_id: str,
        *,
        filtering: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page[AdGroup]]:
        return self._entity_pages(
            "adgroup",
            advertiser_id,
            AdGroup.parse,
            filtering=filtering,
            include_deleted=include_deleted,
            fields=fields,
            page_size=page_size,
        )

    def ad_pages(
        self,
        advertiser_id: str,
        *,
        filtering: Mapping[str, Any] | None = None,
        include_deleted: bool = False,
        fields: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page[Ad]]:
        return self._entity_pages(
            "ad",
            advertiser_id,
            Ad.parse,
            filtering=filtering,
            include_deleted=include_deleted,
            fields=fields,
            page_size=page_size,
        )

    def update_campaign(
        self,
        advertiser_id: str,
        campaign_id: str,
        *,
        name: str | None = None,
        budget: Decimal | None = None,
    ) -> dict[str, Any]:
        """Rename and/or change the budget (in the account currency's major unit)."""
        body: dict[str, Any] = {"advertiser_id": advertiser_id, "campaign_id": campaign_id}
        if name is not None:
            body["campaign_name"] = name
        if budget is not None:
            body["budget"] = budget  # sent as an exact JSON number, never through a float
        return self.client.request("POST", endpoints.CAMPAIGN_UPDATE, token=self._token, body=body)

    def update_status(
        self, level: Level, advertiser_id: str, ids: Sequence[str], status: OperationStatus
    ) -> StatusUpdate:
        """Set ``operation_status`` on campaigns, ad groups or ads, 20 ids per request."""
        changed: list[str] = []
        errors: list[dict[str, Any]] = []
        for batch in chunks(ids, STATUS_UPDATE_BATCH):
            body: dict[str, Any] = {
                "advertiser_id": advertiser_id,
                f"{level}_ids": batch,
                "operation_status": status,
            }
            data = self.client.request(
                "POST", endpoints.STATUS_UPDATE[level], token=self._token, body=body
            )
            changed.extend(str(item) for item in data.get(f"{level}_ids") or [])
            errors.extend(data.get("error_list") or [])
        return StatusUpdate(ids=changed, status=status, errors=errors)

    def update_campaign_status(
        self, advertiser_id: str, campaign_ids: Sequence[str], status: OperationStatus
    ) -> StatusUpdate:
        return self.update_status("campaign", advertiser_id, campaign_ids, status)

    def update_adgroup_status(
        self, advertiser_id: str, adgroup_ids: Sequence[str], status: OperationStatus
    ) -> StatusUpdate:
        return self.update_status("adgroup", advertiser_id, adgroup_ids, status)

    def update_ad_status(
        self, advertiser_id: str, ad_ids: Sequence[str], status: OperationStatus
    ) -> StatusUpdate:
        return self.update_status("ad", advertiser_id, ad_ids, status)

    # Audiences ---------------------------------------------------------------------------

    def custom_audience_pages(
        self,
        advertiser_id: str,
        *,
        audience_ids: Sequence[str] | None = None,
        page_size: int | None = None,
    ) -> Iterator[Page[Audience]]:
        params = {
            "advertiser_id": advertiser_id,
            "custom_audience_ids": list(audience_ids) if audience_ids else None,
        }
        return iter_pages(
            self.client,
            endpoints.AUDIENCE_LIST,
            token=self._token,
            params=params,
            parse=Audience.parse,
            page_size=self._page_size(page_size, AUDIENCE_PAGE_MAX),
        )

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
        return iter_pages(
            self.client,
            endpoints.REPORT,
            token=self._token,
            params=params,
            parse=ReportRow.parse,
            page_size=self._page_size(page_size),
        )

    # Business Center -----------------------------------------------------------------------

    def create_bc_advertiser(
        self,
        bc_id: str,
        *,
        name: str,
        currency: str,
        timezone: str,
        company: str,
        industry: int,
        registered_area: str,
        contact: Mapping[str, str] | None = None,
        qualification: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an auction ad account in a Business Center; return its advertiser id.

        Not idempotent: a server error is not retried (TikTok may have created the account).
        """
        body: dict[str, Any] = {
            "bc_id": bc_id,
            "advertiser_info": {"name": name, "currency": currency, "timezone": timezone},
            "customer_info": {
                "company": company,
                "industry": industry,
                "registered_area": registered_area,
            },
        }
        if contact:
            body["contact_info"] = dict(contact)
        if qualification:
            body["qualification_info"] = dict(qualification)
        data = self.client.request(
            "POST", endpoints.BC_ADVERTISER_CREATE, token=self._token, body=body, idempotent=False
        )
        return str(data.get("advertiser_id") or "")

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
        return iter_pages(
            self.client,
            endpoints.REPORT,
            token=self._token,
            params=params,
            parse=ReportRow.parse,
            page_size=self._page_size(page_size),
            start_page=max(1, start_page),
            truncation_header=ADS_THROTTLE_HEADER,
        )

    # Re-creation (spec §12) ------------------------------------------------------------------

    def create_campaign(self, advertiser_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``campaign/create/`` with ``fields`` (``campaign_name``, ``objective_type``,
        ``budget_mode``, ``budget``, ``operation_status``, ``request_id`` ...); the campaign as
        TikTok answers it (``campaign_id``). With a ``request_id`` a retry is safe (TikTok
        answers the campaign made the first time); without one it is not retried."""
        body = {**fields, "advertiser_id": advertiser_id}
        return self.client.request(
            "POST",
            endpoints.CAMPAIGN_CREATE,
            token=self._token,
            body=body,
            idempotent=bool(fields.get("request_id")),
        )

    def create_adgroup(self, advertiser_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """``adgroup/create/`` in ``fields["campaign_id"]``; the ad group (``adgroup_id``).
        Not retried after a server error (TikTok may have made it)."""
        body = {**fields, "advertiser_id": advertiser_id}
        return self.client.request(
            "POST", endpoints.ADGROUP_CREATE, token=self._token, body=body, idempotent=False
        )

    def create_ads(
        self, advertiser_id: str, adgroup_id: str, creatives: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        """``ad/create/``: one ad per creative (1–20 per call); the new ad ids in order."""
        made: list[str] = []
        for start in range(0, len(creatives), STATUS_UPDATE_BATCH):
            body = {
                "advertiser_id": advertiser_id,
                "adgroup_id": adgroup_id,
                "creatives": [dict(c) for c in creatives[start : start + STATUS_UPDATE_BATCH]],
            }
            data = self.client.request(
                "POST", endpoints.AD_CREATE, token=self._token, body=body, idempotent=False
            )
            made.extend(str(i) for i in data.get("ad_ids") or [])
        return made

    # Business Center money (spec §12) ----------------------------------------------------

    def advertiser_balance_pages(
        self,
        bc_id: str,
        *,
        keyword: str | None = None,
        page_size: int = 100,
    ) -> Iterator[dict[str, Any]]:
        """``advertiser/balance/get/``: the Business Center's ad accounts with their balances
        (amounts as ``Decimal`` in each account's currency), every page."""
        page = 1
        while True:
            params: dict[str, Any] = {
                "bc_id": bc_id,
                "page": page,
                "page_size": max(1, min(page_size, 100)),
                "filtering": {"keyword": keyword} if keyword else None,
            }
            data = self.client.request(
                "GET", endpoints.ADVERTISER_BALANCE, token=self._token, params=params
            )
            yield from (item for item in data.get("advertiser_account_list") or [])
            info = data.get("page_info") or {}
            if page >= int(info.get("total_page") or 1):
                return
            page += 1

    def advertiser_balance(self, bc_id: str, advertiser_id: str) -> dict[str, Any] | None:
        """One ad account's balance entry from ``advertiser/balance/get/`` (None when the
        Business Center does not list it)."""
        for item in self.advertiser_balance_pages(bc_id, keyword=advertiser_id):
            if str(item.get("advertiser_id")) == advertiser_id:
                return item
        return None

    def bc_balance(self, bc_id: str) -> dict[str, Any]:
        """``bc/balance/get/``: the Business Center's own balance."""
        return self.client.request(
            "GET", endpoints.BC_BALANCE, token=self._token, params={"bc_id": bc_id}
        )

    def bc_transfer(
        self,
        bc_id: str,
        advertiser_id: str,
        *,
        transfer_type: Literal["RECHARGE", "DEDUCT"],
        cash_amount: Decimal,
        request_id: str,
    ) -> dict[str, Any]:
        """``bc/transfer/``: RECHARGE moves cash from the Business Center into the ad account,
        DEDUCT moves it back. TikTok moves money once per ``request_id``, so a retry (also of
        a call whose answer was lost) is safe with the same id."""
        body: dict[str, Any] = {
            "bc_id": bc_id,
            "advertiser_id": advertiser_id,
            "transfer_type": transfer_type,
            "transfer_level": "ADVERTISER",
            "cash_amount": cash_amount,  # an exact JSON number
            "request_id": request_id,
        }
        return self.client.request("POST", endpoints.BC_TRANSFER, token=self._token, body=body)
