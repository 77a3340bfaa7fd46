"""TikTok ad accounts: import, client accounts and allocation, sync, account requests."""
