"""Re-creation (spec §12): campaigns, ad groups and ads made anew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from promodesk.integrations.tiktok import endpoints
from promodesk.integrations.tiktok.api.access import Access
from promodesk.integrations.tiktok.api.entities import STATUS_UPDATE_BATCH


class Creates(Access):
    """The create methods of ``TikTokApi``."""

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
