"""Labels of the campaigns feature: allocating campaigns and audiences, report syncs, changes on
TikTok, freed budget with its reallocations and transfers, the Budget view's pace, and
cancellations (seed 000) with their monitoring and retrospective."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
    "job_kind": {
        "campaigns.report_sync": N_("TikTok: sync reports"),
        "campaigns.report_sync.start": N_("TikTok: start a report sync"),
        "campaigns.reallocation.settle": N_("Budget: settle a reallocation on TikTok"),
        "campaigns.transfer.retry": N_("Budget: send a Business Center transfer again"),
        "campaigns.cancel.run": N_("Campaign cancel"),
        "campaigns.cancel.verify": N_("Campaign cancel verification"),
        "campaigns.monitor_watch": N_("Watch cancelled objects for spend"),
    },
    "operation_kind": {
        "campaigns.batch_cancel": N_("Campaign batch cancel"),
        "tiktok.report_sync": N_("TikTok report sync"),
        "campaigns.cancel": N_("Campaign cancel"),
    },
    "audit_object": {
        "audience_allocation": N_("Audience allocation"),
        "campaign_allocation": N_("Campaign allocation"),
        "tiktok_campaign": N_("TikTok campaign"),
        "campaign_reallocation": N_("Reallocation"),
        "budget_transfer": N_("Business Center transfer"),
        "campaign_cancellation": N_("Campaign cancellation"),
        "campaign_cancellation_item": N_("Cancelled object"),
    },
    "audit_action": {
        "campaign.allocate": N_("Campaign allocated"),
        "campaign.deallocate": N_("Campaign deallocated"),
        "audience.allocate": N_("Audience allocated"),
        "audience.deallocate": N_("Audience deallocated"),
        "tiktok.report_sync.start": N_("TikTok report sync started"),
        "tiktok.campaign.change": N_("TikTok campaign changed"),
        "campaign.reallocation": N_("Freed budget reallocated"),
        "campaign.reallocation.returned": N_("Reallocated budget returned to the pool"),
        "campaign.reallocation.finished": N_("Reallocation finished"),
        "campaign.budget.reallocated": N_("Campaign budget raised from freed budget"),
        "budget.transfer": N_("Business Center transfer started"),
        "budget.transfer.out": N_("Cash moved out of an ad account"),
        "budget.transfer.in": N_("Cash moved into an ad account"),
        "campaign.cancellation": N_("Campaigns cancelled"),
        "campaign.cancellation.retry": N_("Failed cancels retried"),
        "campaign.cancellation.undo": N_("Cancel undone (switched on again)"),
        "campaign.cancellation.recreate": N_("Deleted campaign re-created"),
        "campaigns.cancellation_notes": N_("Cancellation lessons changed"),
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
    "mail_kind": {
        "campaigns.cancel_verify": N_("Campaigns: a cancel failed verification"),
        "campaigns.cancel_watch": N_("Spend after a cancel"),
    },
    # a cancellation (seed 000): its run, items, checks, reasons, actions and levels
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
    # how a cancelled object's cost per result compares with its reference (the monitoring)
    "campaign_cpr_verdict": {
        "worse": N_("Worse than the reference"),
        "same": N_("About the same as the reference"),
        "better": N_("Better than the reference"),
    },
}
