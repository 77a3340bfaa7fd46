"""Ad accounts, campaigns, ad groups, ads and audiences: lists and status and budget updates.

Rules: list methods are generators of pages (``page_size`` 1000 by default, 100 for audiences);
``include_deleted`` asks for every status, because TikTok hides deleted objects by default;
status updates go out in chunks of at most 20 ids, as the API requires.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.api.access import Access, chunks
from promodesk.integrations.tiktok.endpoints import Level
from promodesk.integrations.tiktok.entities import (
    Ad,
    AdGroup,
    Advertiser,
    Audience,
    Campaign,
    Page,
    StatusUpdate,
)
from promodesk.integrations.tiktok.paging import iter_pages

OperationStatus = Literal["ENABLE", "DISABLE", "DELETE"]

ADVERTISER_INFO_BATCH = 100
STATUS_UPDATE_BATCH = 20
AUDIENCE_PAGE_MAX = 100


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


class Entities(Access):
    """The entity methods of ``TikTokApi``."""

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
