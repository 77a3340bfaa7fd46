"""Typed endpoint methods of the Marketing API for one access token (spec §6).

- ``token``: ``TikTokApi``, every method below for one access token (``client.for_token(t)``).
- ``access``: what every method shares: the client, the token, the page size.
- ``entities``: ad accounts, campaigns, ad groups, ads and audiences: lists and updates.
- ``reports``: synchronous reports, and the report history a long sync resumes.
- ``money``: Business Center ad accounts, balances and transfers.
- ``creates``: re-creating campaigns, ad groups and ads (spec §12).
"""
