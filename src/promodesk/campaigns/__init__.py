"""Campaigns, ad groups, ads and audiences mirrored from TikTok; their allocation."""
