"""Labels of a shop linked to its platform shop (TikTok Shop): linking, sync and renewed
authorizations, the platform writes a cancel records and reads back (their actions and calls),
what a verification found on the platform and what to do about it."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
    "audit_action": {
        "shop.platform.linked": N_("Shop connected to its platform shop"),
        "shop.platform.relinked": N_("Shop connected again to its platform shop"),
        "shop.platform.needs_reauth": N_("Platform authorization needs renewing"),
        "shop.platform.token_refreshed": N_("Platform authorization renewed"),
        "shop.platform.sync_started": N_("Platform sync started"),
        "shop.platform.synced": N_("Platform sync finished"),
        "shop.platform.remove_recorded": N_("Removal on the platform recorded"),
        "shop.platform.write_done": N_("Change on the platform verified"),
        "shop.platform.write_skipped": N_("Change on the platform skipped"),
        "shop.platform.write_recorded": N_("Change on the platform recorded"),
    },
    "job_kind": {
        "shop.platform_sync": N_("Shop: sync with the platform"),
        "shop.platform_activity": N_("Shop: read an activity back from the platform"),
        "shop.platform_product": N_("Shop: read a product back from the platform"),
        "shop.platform_refresh": N_("Shop: renew a platform authorization"),
        "shop.platform_refresh_due": N_("Shop: find platform authorizations to renew"),
        "shop.platform_write": N_("Shop: change on the platform"),
    },
    # what the verification's read-back of the platform found, and what to do about it
    "shop_platform_problem": {
        "activity_price": N_("Still at the activity price on the platform"),
        "not_orderable": N_("Cannot be ordered at its normal price"),
        "coupon_active": N_("A linked coupon still runs"),
        "not_read": N_("The platform could not be read"),
    },
    "shop_platform_remedy": {
        "activity_price": N_(
            "Remove it again or deactivate the activity in Seller Center; if the platform "
            "keeps acknowledging without applying, give TikTok Shop support the activity id, "
            "the product id and the request id."
        ),
        "not_orderable": N_("Activate the product and check its stock."),
        "coupon_active": N_(
            "End the coupon in Seller Center (the Partner API cannot change coupons)."
        ),
        "not_read": N_(
            "Reconnect the shop if it asks for a new authorization, then check the product in "
            "Seller Center."
        ),
    },
    # what one recorded platform write does (an intent's action)
    "shop_platform_action": {
        "remove_products": N_("Remove products from the activity"),
        "deactivate_activity": N_("Deactivate the activity"),
        "update_activity_products": N_("Add or update products in the activity"),
        "republish_activity": N_("Republish the activity"),
        "set_inventory": N_("Set the product's stock"),
        "delist_products": N_("Delist the products"),
        "relist_products": N_("List the products again"),
    },
    # an activity's status on TikTok Shop (spec §1.3)
    "shop_platform_activity": {
        "DRAFT": N_("Draft"),
        "NOT_START": N_("Not started"),
        "ONGOING": N_("Ongoing"),
        "EXPIRED": N_("Expired"),
        "DEACTIVATED": N_("Deactivated by the seller"),
        "NOT_EFFECTIVE": N_("Ended by the platform"),
    },
    # a platform call's status (shop.domain.platform.IntentStatus)
    "shop_intent": {
        "pending": N_("Recorded, not sent yet"),
        "sent": N_("Accepted, not verified yet"),
        "verified": N_("Verified on the platform"),
        "failed": N_("Failed"),
    },
}
