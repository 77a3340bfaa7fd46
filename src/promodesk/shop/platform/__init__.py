"""The shop-platform port: what the shop feature needs from a commerce platform (authorize,
read activities, products and coupons, remove products from an activity, deactivate, set
inventory, delist, verify webhooks), in promodesk's own terms (``port``). Each platform is a
provider behind it: TikTok Shop first (``tiktok``); Douyin's open platform can be added as a
second provider without changing the features. ``providers`` picks one by name.
"""
