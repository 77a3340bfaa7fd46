"""Sync an ad account's report history: BASIC metrics per campaign, ad group and ad, per day for
the whole history and per hour for the last days, into the report store. One module per use case:

- ``start``: plan a sync and enqueue its job (one open sync per ad account);
- ``progress``: the plan and cursor kept in the sync's operation, and where the history stands;
- ``fetch``: a step's pages read from TikTok with no transaction open;
- ``rows``: report rows turned into store rows;
- ``truncation``: a truncated window read again in narrower campaign parts;
- ``write``: a step's rows written and the cursor moved, the sync completed or failed, and
  ``run``, which drives a sync to its end here.
"""
