"""The Budget view (``view``): per client account → advertiser → ad account (and the ad
accounts not allocated to a client), the live daily and lifetime budgets of active campaigns,
today's pacing in each ad account's own day, the account's balance from TikTok (``balances``),
and the budget freed by cancellations (``pools``: the freed-budget pools, with what was freed
and reallocated, and each pool's history).

Two steps, so that no transaction waits on TikTok: ``view.overview`` reads the database in one
read-only unit; ``balances.balances`` then asks TikTok (``advertiser/balance/get/`` of the
agency's Business Center) with no transaction open. A balance TikTok cannot give is
``available: false`` with the reason, never an error of the whole view.
"""
