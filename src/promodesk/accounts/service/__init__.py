"""Accounts use cases, one module per sub-feature: the ad account list, allocation, client
accounts, imports (OAuth grants), account requests and sync runs."""
