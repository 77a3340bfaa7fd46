"""Accounts use cases, one module per sub-feature: the ad account list (``accounts``),
allocation, client accounts (``clients``), imports (OAuth grants), an ad account's TikTok access
through its grant (``grants``), account requests (``requests``) and sync runs (``sync``)."""
