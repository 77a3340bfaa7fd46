"""Labels of automated rules: channels, metrics, actions, outcomes, decision statuses and
schedules, and their jobs, mail and audit records."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
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
