"""Demo rules: disabled dry-run rules, so the Rules page shows how a rule reads, simulates and
logs ("stock hits zero → stock to zero", "stock hits zero → stop everywhere", "spend without
results → pause")."""

from __future__ import annotations

from typing import Any

from promodesk.kit.db import UnitOfWork
from promodesk.rules.service import rules as service

DEMO_RULES: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "Demo: sold out → stock to zero",
        {
            "scope": {"channel": "shop_enrollment"},
            "conditions": {"op": "and", "items": [{"metric": "stock", "cmp": "<=", "value": "0"}]},
            "action": {"kind": "stock_zero"},
            "guardrails": {"dry_run": True, "cooldown_minutes": 60},
        },
    ),
    (
        "Demo: sold out → stop everywhere",
        {
            "scope": {"channel": "shop_enrollment"},
            "conditions": {"op": "and", "items": [{"metric": "stock", "cmp": "<=", "value": "0"}]},
            "action": {"kind": "stop_everywhere"},
            "guardrails": {"dry_run": True, "cooldown_minutes": 60},
        },
    ),
    (
        "Demo: spend without results → pause",
        {
            "scope": {"channel": "tiktok_campaign"},
            "conditions": {
                "op": "or",
                "items": [
                    {"metric": "spend_no_results", "cmp": ">", "value": "50"},
                    {
                        "op": "and",
                        "items": [
                            {"metric": "cost_per_result", "cmp": ">", "value": "30"},
                            {"metric": "ctr", "cmp": "<", "value": "0.8"},
                        ],
                    },
                ],
            },
            "action": {"kind": "pause"},
            "lookback_days": 7,
            "minimum": {"impressions": 2000},
            "guardrails": {"dry_run": True, "max_actions": 5, "cooldown_minutes": 240},
        },
    ),
)


def seed_rules(uow: UnitOfWork, workspace_id: int) -> None:
    """Idempotent: a demo rule whose name exists is left as it is."""
    names = {r.name for r in service.list_rules(uow, workspace_id, limit=1000)}
    for name, definition in DEMO_RULES:
        if name not in names:
            service.create_rule(
                uow,
                workspace_id,
                name=name,
                definition_raw=definition,
                schedule={"kind": "every", "every_minutes": 1},
                actor="demo",
            )
