"""TikTok Shop Partner API client (spec ``shop-promotions.md`` §1): request signing
(``signing``), the envelope and its error tree (``envelope``, ``errors``), the signed client
with a rate limiter per shop (``client``), cursor paging (``paging``), tokens and authorized
shops (``auth``), webhook verification (``webhooks``) and the typed endpoints (``api``).

Usage::

    settings = TikTokShopSettings()           # PROMODESK_SHOP_PLATFORM_*
    with TikTokShopClient(settings) as client:
        shop = client.for_shop(access_token, shop_cipher)
        for page in shop.activity_pages(status="ONGOING"):
            ...
"""
