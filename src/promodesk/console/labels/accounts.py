"""Labels of the accounts feature: client accounts and payment modes, TikTok authorizations, the
syncs of ad accounts, ad account requests, and their audit records."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
    "job_kind": {
        "tiktok.sync": N_("TikTok: sync an ad account"),
        "tiktok.sync_due": N_("TikTok: start due syncs"),
    },
    "operation_kind": {
        "tiktok.sync": N_("TikTok sync"),
    },
    "mail_kind": {
        "tiktok.account_request": N_("Ad account request"),
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
    "audit_object": {
        "ad_account": N_("Ad account"),
        "advertiser": N_("Advertiser"),
        "allocation": N_("Allocation"),
        "client_account": N_("Client account"),
        "conversion_goal": N_("Conversion goal"),
        "remarketing_tag": N_("Remarketing tag"),
        "tiktok_account_request": N_("Ad account request"),
        "tiktok_authorization": N_("TikTok authorization"),
    },
    "audit_action": {
        "advertiser.create": N_("Advertiser created"),
        "advertiser.update": N_("Advertiser changed"),
        "client_account.create": N_("Client account created"),
        "client_account.update": N_("Client account changed"),
        "client_account.default": N_("Default client account set"),
        "allocation.create": N_("Ad account allocated"),
        "allocation.update": N_("Allocation changed"),
        "allocation.delete": N_("Ad account deallocated"),
        "conversion_goal.create": N_("Conversion goal added"),
        "conversion_goal.delete": N_("Conversion goal removed"),
        "remarketing_tag.create": N_("Remarketing tag added"),
        "remarketing_tag.delete": N_("Remarketing tag removed"),
        "tiktok.import": N_("TikTok ad accounts imported"),
        "tiktok.sync.start": N_("TikTok sync started"),
        "tiktok.grant.revoked": N_("TikTok authorization revoked"),
        "tiktok.account_request": N_("Ad account requested"),
        "tiktok.account_request.fulfil": N_("Ad account request fulfilled"),
    },
}
