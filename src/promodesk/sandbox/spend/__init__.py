"""Spend that moves with time, in the Marketing API sandbox.

- ``model``: the hourly and daily spend of campaigns, ad groups and ads (``SpendModel``).
- ``delivery``: how a campaign's spend splits over the ad groups and ads that delivered it.
- ``settled``: the kept spend of an ad account's ended days (``Settled``).
- ``metrics``: the delivery metrics that spend bought (``Counts``) and late attribution.
"""
