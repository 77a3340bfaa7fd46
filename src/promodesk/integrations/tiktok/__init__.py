"""TikTok API for Business (Marketing API v1.3) client: ``client.TikTokClient`` with its
``settings.TikTokSettings``, typed endpoints in ``api``, the paths in ``endpoints``, the error
tree in ``errors``.

Usage::

    settings = TikTokSettings()              # PROMODESK_TIKTOK_*
    with TikTokClient(settings) as client:
        api = client.for_token(access_token)
        for page in api.campaign_pages(advertiser_id, include_deleted=True):
            ...
        print(client.stats.snapshot())
"""
