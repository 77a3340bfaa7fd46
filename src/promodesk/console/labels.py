"""Every status and code the console shows, as a human label in the reader's language.

Rules:
- One table per set of codes (``LABELS[set][code]``); the messages are marked with ``N_`` and
  translated where they are shown, by the ``label`` filter:
  ``{{ batch.status|label("shop_batch") }}``.
- A code the table does not know yet (a new TikTok enum) is shown humanised
  (``CAMPAIGN_STATUS_FROZEN`` → "Frozen"), never as the bare code; tests enumerate the enums and
  the known code sets and fail when one has no label.
- The same word can mean different things in different sets: a called-off cancel batch is
  "Called off" (已撤销), never "Cancelled" (已取消 means its products were cancelled).
"""

from __future__ import annotations

import re
from collections.abc import Callable


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


LABELS: dict[str, dict[str, str]] = {
    # --- shop -------------------------------------------------------------------------------
    "shop_state": {
        "pending_review": N_("Pending review"),
        "approved": N_("Approved by the platform"),
        "live": N_("Live"),
        "withdrawn": N_("Withdrawn"),
        "removed": N_("Removed"),
        "terminated": N_("Terminated"),
        "stock_zeroed": N_("Stock zeroed"),
        "delisted": N_("Delisted"),
        "replaced": N_("Replaced"),
        "rejected": N_("Rejected"),
    },
    "shop_path": {
        "withdraw": N_("Withdraw the enrollment"),
        "remove": N_("Remove from the activity"),
        "terminate": N_("Terminate participation"),
    },
    "shop_reason": {
        "stock_shortage": N_("Stock shortage"),
        "wrong_information": N_("Wrong product information"),
        "plan_change": N_("Marketing plan changed"),
        "other": N_("Other"),
    },
    "shop_alternative": {
        "replace": N_("Replace with a similar product"),
        "stock_to_zero": N_("Stock to zero, delist later"),
        "presale": N_("Presale / longer shipping time"),
    },
    "shop_rule": {
        "min_products": N_("Minimum products per shop"),
        "max_cancel_ratio": N_("Maximum cancel ratio"),
        "immutable": N_("The activity is immutable"),
    },
    # the cancel plan's refusal codes (shop.domain.plan.Refusal)
    "shop_item_code": {
        "ALREADY_CANCELLED": N_("Already cancelled"),
        "NOT_CANCELLABLE": N_("Cannot be cancelled in this stage"),
        "ACTIVITY_IMMUTABLE": N_("The activity is immutable"),
        "ACTIVITY_ENDED": N_("The activity has ended"),
        "ENROLLMENT_NOT_FOUND": N_("Enrollment not found"),
        "GUARDRAIL_MIN_PRODUCTS": N_("Too few products would remain"),
        "GUARDRAIL_MAX_CANCEL_RATIO": N_("The cancel ratio would be too high"),
        "GUARDRAIL_IMMUTABLE": N_("The activity is immutable"),
        "ALREADY_SCHEDULED": N_("Already waits in a scheduled cancel"),
        "ALREADY_STOCK_ZEROED": N_("Stock is zero already"),
        "NOT_STOCK_ZEROABLE": N_("Not possible in this stage"),
        "CHANGED_MEANWHILE": N_("Changed by someone else meanwhile; try again"),
    },
    # a cancel batch: "cancelled" is a batch called off before it ran, its products untouched
    "shop_batch": {
        "scheduled": N_("Scheduled"),
        "running": N_("Running"),
        "done": N_("Done"),
        "partial": N_("Partly failed"),
        "failed": N_("Failed"),
        "cancelled": N_("Called off"),
    },
    "shop_batch_mode": {
        "now": N_("Cancel now"),
        "window": N_("In the low-traffic window"),
        "batch": N_("Batch"),
    },
    "shop_batch_item": {
        "pending": N_("Waiting"),
        "done": N_("Cancelled"),
        "failed": N_("Failed"),
        "skipped": N_("Skipped"),
    },
    # what a snapshot was taken before
    "shop_change": {
        "cancel": N_("Cancellation"),
        "stock_zero": N_("Stock to zero"),
        "presale": N_("Presale"),
        "replace": N_("Replacement"),
    },
    # what a replace does to each enrollment it touches (its preview)
    "shop_replace_effect": {
        "replaced": N_("Leaves the activity (replaced)"),
        "enrolled": N_("Takes the slot"),
        "unchanged": N_("Unchanged"),
    },
    "shop_product_status": {"listed": N_("listed"), "delisted": N_("delisted")},
    "shop_offer_kind": {"coupon": N_("Coupon"), "discount": N_("Discount")},
    "shop_offer_status": {"active": N_("Active"), "cancelled": N_("Cancelled")},
    # --- TikTok -----------------------------------------------------------------------------
    "tiktok_operation_status": {
        "ENABLE": N_("On"),
        "DISABLE": N_("Off"),
        "DELETE": N_("Deleted"),
    },
    "tiktok_secondary_status": {
        "CAMPAIGN_STATUS_ENABLE": N_("Active"),
        "CAMPAIGN_STATUS_DISABLE": N_("Paused"),
        "CAMPAIGN_STATUS_DELETE": N_("Deleted"),
        "CAMPAIGN_STATUS_AWAITING_RELEASE": N_("Awaiting release"),
        "CAMPAIGN_STATUS_ADVERTISER_AUDIT_DENY": N_("Ad account not approved"),
        "CAMPAIGN_STATUS_ADVERTISER_AUDIT": N_("Ad account in review"),
        "ADVERTISER_CONTRACT_PENDING": N_("Ad account contract pending"),
        "ADVERTISER_ACCOUNT_PUNISH": N_("Ad account suspended"),
        "CAMPAIGN_STATUS_BUDGET_EXCEED": N_("Campaign budget used up"),
        "CAMPAIGN_STATUS_IDENTITY_USED_BY_GMV_MAX_AD": N_("Identity used by a GMV Max ad"),
        "CAMPAIGN_STATUS_REVIEW_DISAPPROVED": N_("Not approved in review"),
        "ADGROUP_STATUS_DELETE": N_("Deleted"),
        "ADGROUP_STATUS_CAMPAIGN_DELETE": N_("Campaign deleted"),
        "ADGROUP_STATUS_DISABLE": N_("Paused"),
        "ADGROUP_STATUS_CAMPAIGN_DISABLE": N_("Campaign paused"),
        "ADGROUP_STATUS_DELIVERY_OK": N_("Delivering"),
        "ADGROUP_STATUS_PARTIAL_AUDIT_DELIVERY_OK": N_("Delivering, partly in review"),
        "ADGROUP_STATUS_AUDIT": N_("In review"),
        "ADGROUP_STATUS_REAUDIT": N_("In review again"),
        "ADGROUP_STATUS_AUDIT_DENY": N_("Not approved in review"),
        "ADGROUP_STATUS_NOT_START": N_("Not started (outside its schedule)"),
        "ADGROUP_STATUS_TIME_DONE": N_("Schedule ended"),
        "ADGROUP_STATUS_BUDGET_EXCEED": N_("Ad group budget used up"),
        "ADGROUP_STATUS_CAMPAIGN_EXCEED": N_("Campaign budget used up"),
        "ADGROUP_STATUS_BALANCE_EXCEED": N_("Account balance used up"),
        "ADGROUP_STATUS_CREATE": N_("No ads yet"),
        "ADGROUP_STATUS_FROZEN": N_("Frozen"),
        "AD_STATUS_DELIVERY_OK": N_("Delivering"),
        "AD_STATUS_DISABLE": N_("Paused"),
        "AD_STATUS_DELETE": N_("Deleted"),
        "AD_STATUS_AUDIT": N_("In review"),
        "AD_STATUS_NOT_START": N_("Not started (outside its schedule)"),
        "AD_STATUS_DONE": N_("Schedule ended"),
        "AD_STATUS_ADGROUP_DELETE": N_("Ad group deleted"),
        "AD_STATUS_CAMPAIGN_DELETE": N_("Campaign deleted"),
        "AD_STATUS_ADGROUP_DISABLE": N_("Ad group paused"),
        "AD_STATUS_CAMPAIGN_DISABLE": N_("Campaign paused"),
    },
    "tiktok_objective": {
        "APP_PROMOTION": N_("App promotion"),
        "WEB_CONVERSIONS": N_("Website conversions"),
        "REACH": N_("Reach"),
        "TRAFFIC": N_("Traffic"),
        "VIDEO_VIEWS": N_("Video views"),
        "PRODUCT_SALES": N_("Product sales"),
        "ENGAGEMENT": N_("Community interaction"),
        "LEAD_GENERATION": N_("Lead generation"),
        "RF_REACH": N_("Reach & frequency"),
        "TOPVIEW_REACH": N_("TopView reach"),
    },
    "tiktok_advertiser_status": {
        "STATUS_ENABLE": N_("Approved"),
        "STATUS_DISABLE": N_("Closed"),
        "STATUS_PENDING_CONFIRM": N_("In review"),
        "STATUS_PENDING_VERIFIED": N_("Waiting for verification"),
        "STATUS_CONFIRM_FAIL": N_("Not approved"),
        "STATUS_CONFIRM_FAIL_END": N_("Not approved (final)"),
        "STATUS_PENDING_CONFIRM_MODIFY": N_("Changes in review"),
        "STATUS_CONFIRM_MODIFY_FAIL": N_("Changes not approved"),
        "STATUS_LIMIT": N_("Suspended"),
        "STATUS_WAIT_FOR_BPM_AUDIT": N_("Waiting for the agency's review"),
        "STATUS_WAIT_FOR_PUBLIC_AUTH": N_("Waiting for public authorization"),
        "STATUS_SELF_SERVICE_UNAUDITED": N_("Self-service, not reviewed"),
        "STATUS_CONTRACT_PENDING": N_("Contract pending"),
    },
    # --- jobs, operations, outbox -------------------------------------------------------------
    "job_status": {
        "queued": N_("Queued"),
        "running": N_("Running"),
        "done": N_("Done"),
        "dead": N_("Dead"),
        "cancelled": N_("Cancelled"),
    },
    "job_kind": {
        "shop.batch": N_("Shop: cancel batch"),
        "shop.delist": N_("Shop: delist after stock to zero"),
        "shop.verify": N_("Shop: verify a cancellation"),
        "shop.activity.start": N_("Shop: start an activity"),
        "promote.end_order": N_("Promote: end an order"),
        "promote.settle": N_("Promote: refund unspent coins"),
        "promote.sweep": N_("Promote: sweep orders"),
        "notify.email": N_("Send an email"),
        "notify.webhook": N_("Send a webhook"),
        "tiktok.sync": N_("TikTok: sync an ad account"),
        "tiktok.sync_due": N_("TikTok: start due syncs"),
        "demo.count": N_("Demo: count"),
        "campaigns.report_sync": N_("TikTok: sync reports"),
        "campaigns.report_sync.start": N_("TikTok: start a report sync"),
        "campaigns.reallocation.settle": N_("Budget: settle a reallocation on TikTok"),
        "campaigns.transfer.retry": N_("Budget: send a Business Center transfer again"),
    },
    "operation_state": {
        "pending": N_("Queued"),
        "running": N_("Running"),
        "succeeded": N_("Succeeded"),
        "failed": N_("Failed"),
        "partial": N_("Partly failed"),
        "cancelled": N_("Called off"),
    },
    "operation_kind": {
        "shop.batch_cancel": N_("Shop cancel batch"),
        "tiktok.sync": N_("TikTok sync"),
        "demo.count": N_("Demo count"),
        "campaigns.batch_cancel": N_("Campaign batch cancel"),
        "tiktok.report_sync": N_("TikTok report sync"),
    },
    "mail_kind": {
        "demo.welcome": N_("Welcome"),
        "tiktok.account_request": N_("Ad account request"),
        "shop.verification_failed": N_("Shop: a cancellation failed verification"),
        "shop.cancel_refused": N_("Shop: a scheduled cancel was refused"),
        "shop.cancel_done": N_("Shop: products left an activity"),
    },
    "outbox_status": {
        "queued": N_("Queued"),
        "sent": N_("Sent"),
        "captured": N_("Captured"),
        "failed": N_("Failed"),
    },
    # --- Promote ------------------------------------------------------------------------------
    "promote_order": {
        "in_review": N_("In review"),
        "delivering": N_("Delivering"),
        "completed": N_("Completed"),
        "stopped": N_("Stopped"),
        "rejected": N_("Rejected"),
    },
    "promote_review": {
        "pending": N_("Pending"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
    },
    "promote_settlement": {"unsettled": N_("Not refunded yet"), "settled": N_("Refunded")},
    "promote_coupon": {
        "available": N_("Available"),
        "reserved": N_("Reserved"),
        "consumed": N_("Used"),
        "expired": N_("Expired"),
    },
    "promote_withdrawal": {
        "requested": N_("Requested"),
        "processing": N_("Processing"),
        "paid": N_("Paid"),
        "failed": N_("Failed"),
    },
    "promote_charge": {
        "succeeded": N_("Succeeded"),
        "failed": N_("Failed"),
        "pending": N_("Pending"),
    },
    # one badge vocabulary for the Promote pages (orders, reviews, refunds, coupons, payouts)
    "promote_status": {
        "in_review": N_("In review"),
        "delivering": N_("Delivering"),
        "completed": N_("Completed"),
        "stopped": N_("Stopped"),
        "rejected": N_("Rejected"),
        "pending": N_("Pending"),
        "approved": N_("Approved"),
        "confirmed": N_("Confirmed"),
        "succeeded": N_("Succeeded"),
        "failed": N_("Failed"),
        "available": N_("Available"),
        "reserved": N_("Reserved"),
        "consumed": N_("Used"),
        "expired": N_("Expired"),
        "requested": N_("Requested"),
        "processing": N_("Processing"),
        "paid": N_("Paid"),
        "settled": N_("Refunded"),
        "unsettled": N_("Not refunded yet"),
    },
    "promote_goal": {
        "video_views": N_("More video views"),
        "website_visits": N_("More website visits"),
        "followers": N_("More followers"),
        "product_clicks": N_("More product link clicks"),
        "live_viewers": N_("More LIVE viewers"),
    },
    "promote_result": {
        "views": N_("Video views"),
        "website_visits": N_("Website visits"),
        "follows": N_("Follows"),
        "product_clicks": N_("Product link clicks"),
        "live_viewers": N_("LIVE viewers"),
    },
    "promote_type": {
        "video": N_("Video"),
        "live": N_("LIVE"),
        "ecommerce": N_("Video with a product anchor"),
    },
    "promote_account_type": {
        "business": N_("Business"),
        "creator": N_("Creator"),
        "personal": N_("Personal"),
    },
    "payment_method": {
        "apple_pay": "Apple Pay",
        "google_pay": "Google Pay",
        "card": N_("Credit card & debit card"),
        "dana": "DANA",
        "doku_transfer": N_("Bank transfer (DOKU)"),
        "ovo": "OVO",
        "offline_transfer": N_("Offline bank transfer"),
        "paypal": "PayPal",
        "rabbit_line_pay": "Rabbit LINE Pay",
        "2c2p_transfer": N_("Bank transfer (2C2P)"),
        "true_money": "TrueMoney",
        "direct_debit": N_("Direct debit"),
        "paypal_reference": N_("PayPal reference"),
    },
    "device_os": {"android": "Android", "ios": "iOS"},  # names, the same in every language
    "gender": {"all": N_("All genders"), "female": N_("Women"), "male": N_("Men")},
    "budget_mode": {
        "BUDGET_MODE_DAY": N_("Daily"),
        "BUDGET_MODE_TOTAL": N_("Lifetime"),
        "BUDGET_MODE_INFINITE": N_("No limit"),
        "BUDGET_MODE_DYNAMIC_DAILY_BUDGET": N_("Dynamic daily"),
    },
    # the badges of jobs, operations and syncs (macros.badge)
    "status": {
        "queued": N_("Queued"),
        "running": N_("Running"),
        "done": N_("Done"),
        "dead": N_("Dead"),
        "cancelled": N_("Cancelled"),
        "pending": N_("Pending"),
        "succeeded": N_("Succeeded"),
        "failed": N_("Failed"),
        "partial": N_("Partly failed"),
    },
    # --- accounts and tenancy -----------------------------------------------------------------
    "role": {
        "owner": N_("Owner"),
        "admin": N_("Admin"),
        "operator": N_("Operator"),
        "viewer": N_("Viewer"),
    },
    "payment_mode": {"self": N_("Self-pay"), "agency": N_("Agency pays")},
    "client_status": {"active": N_("Active"), "archived": N_("Archived")},
    "auth_status": {"active": N_("Active"), "revoked": N_("Revoked")},
    "sync_status": {
        "queued": N_("Queued"),
        "running": N_("Running"),
        "succeeded": N_("Succeeded"),
        "partial": N_("Partly failed"),
        "failed": N_("Failed"),
    },
    "sync_scope": {
        "account": N_("Whole account"),
        "campaigns": N_("Campaigns"),
        "audiences": N_("Audiences"),
    },
    # --- the audit log ------------------------------------------------------------------------
    "audit_object": {
        "ad_account": N_("Ad account"),
        "advertiser": N_("Advertiser"),
        "allocation": N_("Allocation"),
        "api_key": N_("API key"),
        "audience_allocation": N_("Audience allocation"),
        "campaign_allocation": N_("Campaign allocation"),
        "client_account": N_("Client account"),
        "conversion_goal": N_("Conversion goal"),
        "job": N_("Job"),
        "mail": N_("Email"),
        "webhook": N_("Webhook"),
        "operation": N_("Operation"),
        "promote_content": N_("Promote content"),
        "promote_coupon": N_("Promote coupon"),
        "promote_creator": N_("Creator"),
        "promote_delivery_batch": N_("Delivery batch"),
        "promote_order": N_("Promote order"),
        "promote_payment_methods": N_("Payment methods"),
        "promote_recharge": N_("Recharge"),
        "promote_withdrawal": N_("Withdrawal"),
        "remarketing_tag": N_("Remarketing tag"),
        "shop": N_("Shop"),
        "shop_activity": N_("Activity"),
        "shop_announcement": N_("Announcement"),
        "shop_batch": N_("Cancel batch"),
        "shop_enrollment": N_("Enrollment"),
        "shop_member": N_("Shop member"),
        "shop_offer": N_("Offer"),
        "shop_product": N_("Product"),
        "shop_compensation": N_("Compensation"),
        "shop_snapshot": N_("Snapshot"),
        "tiktok_account_request": N_("Ad account request"),
        "tiktok_authorization": N_("TikTok authorization"),
        "tiktok_campaign": N_("TikTok campaign"),
        "user": N_("User"),
        "workspace": N_("Workspace"),
        "campaign_reallocation": N_("Reallocation"),
        "budget_transfer": N_("Business Center transfer"),
    },
    "audit_action": {
        "workspace.created": N_("Workspace created"),
        "user.created": N_("User created"),
        "user.login": N_("Logged in"),
        "member.added": N_("Member added"),
        "api_key.created": N_("API key created"),
        "api_key.revoked": N_("API key revoked"),
        "job.cancelled": N_("Job cancelled"),
        "job.retried": N_("Job re-run"),
        "mail.requeued": N_("Email queued again"),
        "webhook.requeued": N_("Webhook queued again"),
        "operation.started": N_("Operation started"),
        "advertiser.create": N_("Advertiser created"),
        "advertiser.update": N_("Advertiser changed"),
        "client_account.create": N_("Client account created"),
        "client_account.update": N_("Client account changed"),
        "client_account.default": N_("Default client account set"),
        "allocation.create": N_("Ad account allocated"),
        "allocation.update": N_("Allocation changed"),
        "allocation.delete": N_("Ad account deallocated"),
        "campaign.allocate": N_("Campaign allocated"),
        "campaign.deallocate": N_("Campaign deallocated"),
        "audience.allocate": N_("Audience allocated"),
        "audience.deallocate": N_("Audience deallocated"),
        "conversion_goal.create": N_("Conversion goal added"),
        "conversion_goal.delete": N_("Conversion goal removed"),
        "remarketing_tag.create": N_("Remarketing tag added"),
        "remarketing_tag.delete": N_("Remarketing tag removed"),
        "tiktok.import": N_("TikTok ad accounts imported"),
        "tiktok.sync.start": N_("TikTok sync started"),
        "tiktok.report_sync.start": N_("TikTok report sync started"),
        "tiktok.grant.revoked": N_("TikTok authorization revoked"),
        "tiktok.account_request": N_("Ad account requested"),
        "tiktok.account_request.fulfil": N_("Ad account request fulfilled"),
        "tiktok.campaign.change": N_("TikTok campaign changed"),
        "promote.content.create": N_("Content added"),
        "promote.content.live_state": N_("LIVE state changed"),
        "promote.coupon.issue": N_("Coupon issued"),
        "promote.creator.create": N_("Creator added"),
        "promote.creator.update": N_("Creator changed"),
        "promote.delivery.batch": N_("Delivery recorded"),
        "promote.order.place": N_("Order placed"),
        "promote.order.approve": N_("Order approved"),
        "promote.order.delivering": N_("Order delivering"),
        "promote.order.completed": N_("Order completed"),
        "promote.order.stopped": N_("Order stopped"),
        "promote.order.rejected": N_("Order rejected"),
        "promote.order.settled": N_("Unspent coins refunded"),
        "promote.payment_methods.replace": N_("Payment methods changed"),
        "promote.recharge.create": N_("Recharge started"),
        "promote.recharge.confirm": N_("Recharge confirmed"),
        "promote.recharge.fail": N_("Recharge failed"),
        "promote.withdrawal.request": N_("Withdrawal requested"),
        "promote.withdrawal.processing": N_("Withdrawal processing"),
        "promote.withdrawal.paid": N_("Withdrawal paid"),
        "promote.withdrawal.failed": N_("Withdrawal failed"),
        "shop.create": N_("Shop created"),
        "shop.update": N_("Shop changed"),
        "shop.member.add": N_("Shop member added"),
        "shop.activity.create": N_("Activity created"),
        "shop.activity.rules": N_("Activity rules changed"),
        "shop.activity.start": N_("Activity started"),
        "shop.announcement.create": N_("Announcement published"),
        "shop.batch.now": N_("Cancelled now"),
        "shop.batch.window": N_("Cancel scheduled in the low-traffic window"),
        "shop.batch.batch": N_("Cancel batch started"),
        "shop.batch.cancel_scheduled": N_("Scheduled cancel called off"),
        "shop.batch.finish": N_("Cancel batch finished"),
        "shop.batch.retry": N_("Failed items retried"),
        "shop.compensation.issue": N_("Compensation issued"),
        "shop.enrollment.create": N_("Product enrolled"),
        "shop.enrollment.approved": N_("Enrollment approved"),
        "shop.enrollment.withdraw": N_("Enrollment withdrawn"),
        "shop.enrollment.remove": N_("Removed from the activity"),
        "shop.enrollment.terminate": N_("Participation terminated"),
        "shop.enrollment.stock_zero": N_("Stock set to zero"),
        "shop.enrollment.delist": N_("Delisted"),
        "shop.enrollment.presale": N_("Switched to presale"),
        "shop.enrollment.replaced": N_("Replaced"),
        "shop.enrollment.replacement": N_("Enrolled as a replacement"),
        "shop.offer.create": N_("Offer created"),
        "shop.product.create": N_("Product created"),
        "shop.product.restock": N_("Product restocked"),
        "shop.risk.forced": N_("Rule forced (risk control)"),
        "shop.snapshot.restore": N_("Restored from a snapshot"),
        "campaign.reallocation": N_("Freed budget reallocated"),
        "campaign.reallocation.returned": N_("Reallocated budget returned to the pool"),
        "campaign.reallocation.finished": N_("Reallocation finished"),
        "campaign.budget.reallocated": N_("Campaign budget raised from freed budget"),
        "budget.transfer": N_("Business Center transfer started"),
        "budget.transfer.out": N_("Cash moved out of an ad account"),
        "budget.transfer.in": N_("Cash moved into an ad account"),
    },
    "reallocation_status": {
        "reserved": N_("Updating TikTok"),
        "done": N_("Done"),
        "partial": N_("Partly done"),
        "failed": N_("Failed"),
    },
    "reallocation_item_status": {
        "pending": N_("Waiting for TikTok"),
        "done": N_("Budget raised"),
        "failed": N_("Refused, money back in the pool"),
    },
    "transfer_status": {
        "pending": N_("Not moved yet"),
        "out_done": N_("In the Business Center"),
        "done": N_("Moved"),
        "failed": N_("Failed, nothing moved"),
    },
    "pool_entry": {
        "freed": N_("Freed by a cancellation"),
        "reallocated": N_("Reallocated to campaigns"),
        "returned": N_("Returned: TikTok refused the update"),
        "unfreed": N_("Taken back by an undo"),
    },
    "budget_pace": {
        "ahead": N_("Spending ahead of the day"),
        "on": N_("On pace"),
        "behind": N_("Spending behind the day"),
        "none": N_("No daily budget"),
    },
}

# --- campaign cancellations (seed 000) -----------------------------------------------------------
LABELS["audit_action"].update(
    {
        "campaign.cancellation": N_("Campaigns cancelled"),
        "campaign.cancellation.retry": N_("Failed cancels retried"),
        "campaign.cancellation.undo": N_("Cancel undone (switched on again)"),
        "campaign.cancellation.recreate": N_("Deleted campaign re-created"),
    }
)
LABELS["audit_object"].update(
    {
        "campaign_cancellation": N_("Campaign cancellation"),
        "campaign_cancellation_item": N_("Cancelled object"),
    }
)
LABELS["job_kind"].update(
    {
        "campaigns.cancel.run": N_("Campaign cancel"),
        "campaigns.cancel.verify": N_("Campaign cancel verification"),
    }
)
LABELS["operation_kind"]["campaigns.cancel"] = N_("Campaign cancel")
LABELS["mail_kind"]["campaigns.cancel_verify"] = N_("Campaigns: a cancel failed verification")
LABELS.update(
    {
        "cancel_status": {
            "running": N_("Running"),
            "done": N_("Done"),
            "partial": N_("Partly failed"),
            "failed": N_("Failed"),
        },
        "cancel_item": {
            "pending": N_("Waiting"),
            "done": N_("Stopped on TikTok"),
            "failed": N_("Failed"),
            "skipped": N_("Already stopped"),
        },
        "cancel_verify": {
            "pending": N_("Not checked yet"),
            "verified": N_("Verified"),
            "failed": N_("Check failed"),
            "skipped": N_("Not checked"),
            "unverifiable": N_("Could not verify"),
        },
        "cancel_reason": {
            "budget": N_("Budget"),
            "strategy_change": N_("Strategy change"),
            "poor_performance": N_("Poor performance"),
            "creative_or_policy": N_("Creative or policy issue"),
            "out_of_stock": N_("Product out of stock"),
            "other": N_("Other"),
        },
        "cancel_action": {
            "pause": N_("Pause"),
            "delete": N_("Delete"),
        },
        "cancel_level": {
            "campaign": N_("Campaign"),
            "adgroup": N_("Ad group"),
            "ad": N_("Ad"),
        },
    }
)

# Operation titles are stored in English; the console shows them in the reader's language.
_TITLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"Cancel (?P<n>\d+) enrollments"), N_("Cancel %(n)s enrollments")),
    (
        re.compile(r"Cancel (?P<n>\d+) in the low-traffic window"),
        N_("Cancel %(n)s in the low-traffic window"),
    ),
    (
        re.compile(r"Retry (?P<n>\d+) failed items of batch (?P<batch>\d+)"),
        N_("Retry %(n)s failed items of batch %(batch)s"),
    ),
    (re.compile(r"Sync account of (?P<name>.+)"), N_("Sync account of %(name)s")),
    (re.compile(r"Sync campaigns of (?P<name>.+)"), N_("Sync campaigns of %(name)s")),
    (re.compile(r"Sync audiences of (?P<name>.+)"), N_("Sync audiences of %(name)s")),
    (
        re.compile(r"Count to (?P<n>\d+), every (?P<every>\d+)th item fails"),
        N_("Count to %(n)s, every %(every)sth item fails"),
    ),
    (re.compile(r"Count to (?P<n>\d+)"), N_("Count to %(n)s")),
    (re.compile(r"Sync reports of (?P<name>.+)"), N_("Sync reports of %(name)s")),
)
_TITLES += (
    (re.compile(r"Pause (?P<n>\d+) campaign\(s\)"), N_("Pause %(n)s campaign(s)")),
    (re.compile(r"Delete (?P<n>\d+) campaign\(s\)"), N_("Delete %(n)s campaign(s)")),
    (re.compile(r"Pause (?P<n>\d+) adgroup\(s\)"), N_("Pause %(n)s ad group(s)")),
    (re.compile(r"Delete (?P<n>\d+) adgroup\(s\)"), N_("Delete %(n)s ad group(s)")),
    (re.compile(r"Pause (?P<n>\d+) ad\(s\)"), N_("Pause %(n)s ad(s)")),
    (re.compile(r"Delete (?P<n>\d+) ad\(s\)"), N_("Delete %(n)s ad(s)")),
    (re.compile(r"Retry (?P<n>\d+) failed \w+\(s\)"), N_("Retry %(n)s failed cancel(s)")),
    (re.compile(r"Stop everywhere: (?P<n>\d+) steps"), N_("Stop everywhere: %(n)s steps")),
    (re.compile(r"Retry (?P<n>\d+) failed steps"), N_("Retry %(n)s failed steps")),
)


def operation_title(title: str | None, kind: str, gettext: Callable[[str], str]) -> str:
    """An operation's title in the reader's language (its kind's label when it has none)."""
    if not title:
        return label("operation_kind", kind, gettext)
    for pattern, message in _TITLES:
        found = pattern.fullmatch(title)
        if found:
            return gettext(message) % found.groupdict()
    return title


_WORDS = re.compile(r"[A-Za-z0-9]+")
_NOISE = {"STATUS", "CAMPAIGN", "ADGROUP", "AD"}


def humanize(code: str) -> str:
    """``stock_zero`` → "Stock zero"; ``CAMPAIGN_STATUS_FROZEN`` → "Frozen"; ``a.b_c`` → "A b c"."""
    words = _WORDS.findall(code)
    if code.isupper():
        words = [w for w in words if w not in _NOISE] or words
    text = " ".join(w.lower() for w in words)
    return text[:1].upper() + text[1:] if text else code


def label(kind: str, code: object, gettext: Callable[[str], str]) -> str:
    """The reader's label of ``code`` in the set ``kind`` (unknown sets raise: a typo in a
    template must fail its tests, not print codes)."""
    if code is None or code == "":
        return "—"
    value = str(getattr(code, "value", code))
    message = LABELS[kind].get(value)
    return gettext(message) if message else humanize(value)


def _add(blocks: dict[str, dict[str, str]]) -> None:
    """Add a feature's labels to ``LABELS``; a code already labelled keeps its first label."""
    for kind, codes in blocks.items():
        known = LABELS.setdefault(kind, {})
        for code, text in codes.items():
            known.setdefault(code, text)


# --- campaign cancellations: monitoring and the retrospective (reasons, levels and statuses
# use the cancel_* sets above; a code another part already labelled keeps its label) ----------
_CANCELLATION_LABELS: dict[str, dict[str, str]] = {
    "campaign_cpr_verdict": {
        "worse": N_("Worse than the reference"),
        "same": N_("About the same as the reference"),
        "better": N_("Better than the reference"),
    },
    "audit_action": {"campaigns.cancellation_notes": N_("Cancellation lessons changed")},
    "job_kind": {"campaigns.monitor_watch": N_("Watch cancelled objects for spend")},
    "mail_kind": {"campaigns.cancel_watch": N_("Spend after a cancel")},
    "audit_object": {"campaign_cancellation": N_("Campaign cancellation")},
}
_add(_CANCELLATION_LABELS)

# --- shop platform links (TikTok Shop): linking, sync, platform writes ------------------------
_SHOP_PLATFORM_LABELS: dict[str, dict[str, str]] = {
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
    },
    "job_kind": {
        "shop.platform_sync": N_("Shop: sync with the platform"),
        "shop.platform_activity": N_("Shop: read an activity back from the platform"),
        "shop.platform_product": N_("Shop: read a product back from the platform"),
        "shop.platform_refresh": N_("Shop: renew a platform authorization"),
        "shop.platform_refresh_due": N_("Shop: find platform authorizations to renew"),
        "shop.platform_write": N_("Shop: change on the platform"),
    },
}
_add(_SHOP_PLATFORM_LABELS)

# --- shop actions on the platform: every write recorded, the verification read back ---------
_SHOP_PLATFORM_ACTION_LABELS: dict[str, dict[str, str]] = {
    "audit_action": {
        "shop.platform.write_recorded": N_("Change on the platform recorded"),
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
}
_add(_SHOP_PLATFORM_ACTION_LABELS)

# --- promotions: every promotion in every channel, product links ---------------------------
_PROMOTIONS_LABELS: dict[str, dict[str, str]] = {
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
_add(_PROMOTIONS_LABELS)

# --- automated rules ----------------------------------------------------------------------------
_RULES_LABELS: dict[str, dict[str, str]] = {
    "audit_action": {
        "rule.created": N_("Rule created"),
        "rule.updated": N_("Rule changed"),
        "rule.enabled": N_("Rule enabled"),
        "rule.disabled": N_("Rule disabled"),
        "rule.run": N_("Rule run now"),
        "rule.deleted": N_("Rule deleted"),
        "rule.budget": N_("Budget changed by a rule"),
    },
    "audit_object": {"rule": N_("Rule")},
    "job_kind": {
        "rules.tick": N_("Rules: find the rules that are due"),
        "rules.evaluate": N_("Rules: evaluate"),
        "rules.act": N_("Rules: act on a promotion"),
    },
    "mail_kind": {
        "rule.evaluation": N_("Rule: objects matched"),
        "rule.action": N_("Rule: result of an action"),
    },
    "rule_channel": {
        "tiktok_campaign": N_("TikTok campaigns"),
        "tiktok_adgroup": N_("TikTok ad groups"),
        "tiktok_ad": N_("TikTok ads"),
        "promote_order": N_("Promote orders"),
        "shop_enrollment": N_("Shop enrollments"),
    },
    "rule_metric": {
        "spend": N_("Spend"),
        "results": N_("Results"),
        "cost_per_result": N_("Cost per result"),
        "roas": N_("ROAS"),
        "ctr": N_("CTR (%)"),
        "cpm": N_("CPM"),
        "frequency": N_("Frequency"),
        "budget_pacing": N_("Budget pacing (%)"),
        "spend_no_results": N_("Spend with no results"),
        "impressions": N_("Impressions"),
        "stock": N_("Stock"),
    },
    "rule_action": {
        "pause": N_("Pause"),
        "cancel": N_("Cancel (delete)"),
        "budget": N_("Change the budget"),
        "stop_order": N_("Stop the Promote order"),
        "withdraw": N_("Withdraw the enrollment"),
        "stock_zero": N_("Stock to zero"),
        "notify": N_("Notify only"),
        "revive": N_("Re-enable (revive)"),
        "stop_everywhere": N_("Stop the product everywhere"),
    },
    "rule_outcome": {
        "act": N_("Acted"),
        "dry_run": N_("Would act (dry run)"),
        "cooldown": N_("Skipped: cooldown"),
        "limit": N_("Skipped: max actions reached"),
        "excluded": N_("Skipped: excluded label"),
        "insufficient_data": N_("Skipped: too little data"),
    },
    "rule_decision_status": {
        "pending": N_("Pending"),
        "done": N_("Done"),
        "failed": N_("Failed"),
        "refused": N_("Refused"),
        "logged": N_("Logged"),
    },
    "rule_schedule": {
        "every": N_("Every N minutes"),
        "daily": N_("Daily at a time"),
        "low_traffic": N_("In the shop's low-traffic window"),
    },
}
_add(_RULES_LABELS)

# --- a cancel's calls to the platform (shop.domain.platform.IntentStatus, the write actions) ---
_SHOP_PLATFORM_CALL_LABELS: dict[str, dict[str, str]] = {
    "shop_intent": {
        "pending": N_("Recorded, not sent yet"),
        "sent": N_("Accepted, not verified yet"),
        "verified": N_("Verified on the platform"),
        "failed": N_("Failed"),
    },
}
_add(_SHOP_PLATFORM_CALL_LABELS)
