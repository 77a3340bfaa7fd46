"""The Marketing API v1.3 endpoints promodesk uses, as paths under ``/open_api/v1.3/`` (spec
§6), declared once: the client, the accounts sync and the local sandbox name them from here."""

from __future__ import annotations

from typing import Literal

Level = Literal["campaign", "adgroup", "ad"]

OAUTH_EXCHANGE = "oauth2/access_token/"
OAUTH_ADVERTISERS = "oauth2/advertiser/get/"
OAUTH_REVOKE = "oauth2/revoke_token/"
ADVERTISER_INFO = "advertiser/info/"
CAMPAIGN_GET = "campaign/get/"
CAMPAIGN_UPDATE = "campaign/update/"
CAMPAIGN_STATUS_UPDATE = "campaign/status/update/"
ADGROUP_GET = "adgroup/get/"
ADGROUP_STATUS_UPDATE = "adgroup/status/update/"
AD_GET = "ad/get/"
AD_STATUS_UPDATE = "ad/status/update/"
AUDIENCE_LIST = "dmp/custom_audience/list/"
REPORT = "report/integrated/get/"
BC_ADVERTISER_CREATE = "bc/advertiser/create/"
ADVERTISER_BALANCE = "advertiser/balance/get/"
BC_BALANCE = "bc/balance/get/"
BC_TRANSFER = "bc/transfer/"
CAMPAIGN_CREATE = "campaign/create/"
ADGROUP_CREATE = "adgroup/create/"
AD_CREATE = "ad/create/"

# The list and status-update endpoint of each entity level.
GET: dict[Level, str] = {"campaign": CAMPAIGN_GET, "adgroup": ADGROUP_GET, "ad": AD_GET}
STATUS_UPDATE: dict[Level, str] = {
    "campaign": CAMPAIGN_STATUS_UPDATE,
    "adgroup": ADGROUP_STATUS_UPDATE,
    "ad": AD_STATUS_UPDATE,
}
