"""Labels of promotions in every channel: statuses, channels, kinds, owners and product links,
and stopping a product everywhere (its paths, money, reasons, steps and audit records)."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
    "promotion_status": {
        "scheduled": N_("Scheduled"),
        "live": N_("Live now"),
        "paused": N_("Paused"),
        "stopping": N_("Stopping"),
        "stopped": N_("Stopped"),
        "ended": N_("Ran its course"),
    },
    "promotion_channel": {
        "tiktok_ads": N_("TikTok ads"),
        "promote": N_("Promote"),
        "shop": N_("Shop"),
    },
    "promotion_kind": {
        "campaign": N_("Campaign"),
        "adgroup": N_("Ad group"),
        "ad": N_("Ad"),
        "promote_order": N_("Promote order"),
        "shop_activity": N_("Shop activity"),
        "shop_enrollment": N_("Activity enrollment"),
    },
    "promotion_owner": {
        "advertiser": N_("Advertiser"),
        "client": N_("Client account"),
        "ad_account": N_("TikTok ad account"),
        "shop": N_("Shop"),
        "creator": N_("Creator"),
    },
    "promotion_link_source": {
        "auto": N_("Linked automatically"),
        "manual": N_("Linked by hand"),
        "enrollment": N_("Enrolled"),
    },
    "tiktok_secondary_status": {
        "AD_STATUS_AUDIT_DENY": N_("Not approved in review"),
        "AD_STATUS_REAUDIT": N_("In review again"),
    },
    "promotion_stop_code": {
        "ALREADY_STOPPED": N_("Already stopped or ended"),
        "ALREADY_PAUSED": N_("Already paused"),
        "NOT_FOUND": N_("Not found"),
    },
    "promotion_stop_path": {
        "pause": N_("Pause (can be switched on again)"),
        "delete": N_("Delete (final)"),
        "stop_order": N_("Stop the order, unspent coins back"),
        "shop_stage_path": N_("The stage's cancel path"),
        "withdraw": N_("Withdraw the enrollment"),
        "remove": N_("Remove from the activity"),
        "terminate": N_("Terminate participation"),
    },
    "promotion_money": {
        "freed_budget": N_("Budget freed"),
        "refund_to_wallet": N_("Coins back to the wallet"),
        "refund_to_coupon_issuer": N_("Coupon value back to its issuer"),
    },
    "promotion_stop_reason": {
        "sold_out": N_("Sold out"),
        "wrong_claim": N_("A claim turned out wrong"),
        "plan_change": N_("Marketing plan changed"),
        "other": N_("Other"),
    },
    "audit_action": {
        "promotion.product_link": N_("Promotion linked to a product"),
        "promotion.product_unlink": N_("Promotion unlinked from a product"),
        "promotions.stop": N_("Stopped everywhere"),
        "promotions.stop.step": N_("Stop everywhere: a channel's step ended"),
        "promotions.stop.retry": N_("Stop everywhere: failed steps retried"),
        "promotions.stop.restart": N_("Restarted everywhere"),
        "promotions.stop_notes": N_("Stop everywhere: lessons and action items changed"),
    },
    "job_kind": {
        "promotions.link_ads": N_("Promotions: link ads to the products they name"),
        "promotions.stop_watch": N_("Promotions: follow a stop everywhere"),
        "promotions.demo_links": N_("Demo: link the demo product to its campaign and ad"),
    },
    "operation_kind": {"promotions.stop": N_("Stop everywhere")},
    "audit_object": {"promotion_stop": N_("Stop everywhere")},
    "promotion_step_status": {
        "running": N_("In progress"),
        "done": N_("Stopped"),
        "failed": N_("Failed"),
    },
    "promotion_stop_status": {
        "running": N_("In progress"),
        "done": N_("Stopped"),
        "failed": N_("A step failed"),
        "restarted": N_("Restarted"),
    },
}
