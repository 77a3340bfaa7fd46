"""Labels of the workspace's own codes: roles, jobs and operations with their badges, the
outbox, and the audit records of members, API keys, jobs, mail and operations."""

from __future__ import annotations

from promodesk.console.labels.marker import N_

LABELS: dict[str, dict[str, str]] = {
    "job_status": {
        "queued": N_("Queued"),
        "running": N_("Running"),
        "done": N_("Done"),
        "dead": N_("Dead"),
        "cancelled": N_("Cancelled"),
    },
    "job_kind": {
        "notify.email": N_("Send an email"),
        "notify.webhook": N_("Send a webhook"),
        "demo.count": N_("Demo: count"),
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
        "demo.count": N_("Demo count"),
    },
    "mail_kind": {
        "demo.welcome": N_("Welcome"),
    },
    "outbox_status": {
        "queued": N_("Queued"),
        "sent": N_("Sent"),
        "captured": N_("Captured"),
        "failed": N_("Failed"),
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
    "role": {
        "owner": N_("Owner"),
        "admin": N_("Admin"),
        "operator": N_("Operator"),
        "viewer": N_("Viewer"),
    },
    "audit_object": {
        "api_key": N_("API key"),
        "job": N_("Job"),
        "mail": N_("Email"),
        "webhook": N_("Webhook"),
        "operation": N_("Operation"),
        "user": N_("User"),
        "workspace": N_("Workspace"),
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
    },
}
