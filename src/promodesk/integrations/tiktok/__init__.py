"""TikTok API for Business (Marketing API v1.3) client.

Usage::

    settings = TikTokSettings()              # PROMODESK_TIKTOK_*
    with TikTokClient(settings) as client:
        api = client.for_token(access_token)
        for page in api.campaign_pages(advertiser_id, include_deleted=True):
            ...
        print(client.stats.snapshot())
"""

from promodesk.integrations.tiktok.api import TikTokApi
from promodesk.integrations.tiktok.client import TikTokClient, shared_limiter
from promodesk.integrations.tiktok.concurrency import Outcome, for_each_advertiser
from promodesk.integrations.tiktok.entities import (
    Ad,
    AdGroup,
    Advertiser,
    AdvertiserRef,
    Audience,
    Campaign,
    Page,
    ReportRow,
    StatusUpdate,
    TokenGrant,
)
from promodesk.integrations.tiktok.errors import (
    AuthCodeInvalid,
    AuthError,
    AuthInvalid,
    AuthRevoked,
    BadParameter,
    InvalidState,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TikTokError,
    Transport,
    UnexpectedResponse,
)
from promodesk.integrations.tiktok.oauth import OAuth, StateSigner
from promodesk.integrations.tiktok.paging import iter_items
from promodesk.integrations.tiktok.settings import PRODUCTION_URL, SANDBOX_URL, TikTokSettings
from promodesk.integrations.tiktok.stats import Counts

__all__ = [
    "PRODUCTION_URL",
    "SANDBOX_URL",
    "Ad",
    "AdGroup",
    "Advertiser",
    "AdvertiserRef",
    "Audience",
    "AuthCodeInvalid",
    "AuthError",
    "AuthInvalid",
    "AuthRevoked",
    "BadParameter",
    "Campaign",
    "Counts",
    "InvalidState",
    "NotFound",
    "OAuth",
    "Outcome",
    "Page",
    "PermissionDenied",
    "RateLimited",
    "ReportRow",
    "ServerError",
    "StateSigner",
    "StatusUpdate",
    "TikTokApi",
    "TikTokClient",
    "TikTokError",
    "TikTokSettings",
    "TokenGrant",
    "Transport",
    "UnexpectedResponse",
    "for_each_advertiser",
    "iter_items",
    "shared_limiter",
]
