"""The Business Center: its ad accounts, their balances and transfers of cash (spec §12)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.api.access import Access


class Money(Access):
    """The Business Center methods of ``TikTokApi``."""

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
