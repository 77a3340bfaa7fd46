"""The rule form: a definition and schedule from the form's fields, and the fields of a stored
rule for editing. One group of up to ``ROWS`` conditions joined by AND or OR; a rule with
nested groups is edited as JSON (the ``definition_json`` field, which wins when filled)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from promodesk.console import forms
from promodesk.console.routing import ConsoleRoute
from promodesk.console.visit import OperatorVisit, Uow
from promodesk.kit.errors import ValidationFailed
from promodesk.rules.domain.definition import ActionKind, Channel, Cmp
from promodesk.rules.domain.metrics import Metric
from promodesk.rules.domain.schedule import ScheduleKind
from promodesk.rules.service import rules as rules_service

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
ROWS = 3


def _list(raw: str) -> list[str]:
    return [x.strip() for x in raw.replace("\n", ",").split(",") if x.strip()]


def definition_of(form: Mapping[str, str]) -> dict[str, Any]:
    text = form.get("definition_json", "").strip()
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            raise ValidationFailed("the definition is not JSON", field="definition_json") from None
        if not isinstance(data, dict):
            raise ValidationFailed("the definition is a JSON object", field="definition_json")
        return data
    items = [
        {"metric": form.get(f"metric_{i}"), "cmp": form.get(f"cmp_{i}"), "value": value}
        for i in range(ROWS)
        if (value := form.get(f"value_{i}", "").strip())
    ]
    channel = form.get("channel", "")
    owners = _list(form.get("owner_ids", ""))
    raw: dict[str, Any] = {
        "scope": {
            "channel": channel,
            "owner_ids": owners,
            "object_ids": _list(form.get("object_ids", "")),
            "product_ids": _list(form.get("product_ids", "")),
            "name_contains": form.get("name_contains", "").strip(),
        },
        "conditions": {"op": form.get("op", "and"), "items": items},
        "action": {"kind": form.get("action", "")},
        "lookback_days": form.get("lookback_days", "7").strip() or "7",
        "minimum": {
            "impressions": form.get("min_impressions", "0").strip() or "0",
            "spend": form.get("min_spend", "0").strip() or "0",
            "days": form.get("min_days", "0").strip() or "0",
        },
        "guardrails": {
            "max_actions": form.get("max_actions", "10").strip() or "10",
            "cooldown_minutes": form.get("cooldown_minutes", "60").strip() or "60",
            "exclude_labels": _list(form.get("exclude_labels", "")),
            "dry_run": forms.checked(form, "dry_run"),
        },
    }
    if form.get("action") == ActionKind.BUDGET:
        raw["action"]["percent"] = form.get("percent", "").strip()
    if form.get("revive_of", "").strip():
        raw["revive_of"] = form.get("revive_of", "").strip()
    return raw


def schedule_of(form: Mapping[str, str]) -> dict[str, Any]:
    at = form.get("at", "00:00").strip() or "00:00"
    hh, _, mm = at.partition(":")
    if not (hh.isdigit() and mm.isdigit()):
        raise ValidationFailed("the time is HH:MM", field="at")
    return {
        "kind": form.get("schedule_kind", "every"),
        "every_minutes": form.get("every_minutes", "60").strip() or "60",
        "at_minute": int(hh) * 60 + int(mm),
        "timezone": form.get("timezone", "UTC"),
        "shop_id": form.get("shop_id", "").strip() or None,
        "activity_id": form.get("activity_id", "").strip() or None,
    }


def fields_of(rule: Any) -> dict[str, Any]:
    """The form's values for a stored rule."""
    d = rule.definition
    flat = all("items" not in i for i in d["conditions"]["items"])
    values: dict[str, Any] = {
        "name": rule.name,
        "channel": d["scope"]["channel"],
        "owner_ids": ", ".join(str(x) for x in d["scope"]["owner_ids"]),
        "object_ids": ", ".join(d["scope"]["object_ids"]),
        "product_ids": ", ".join(str(x) for x in d["scope"]["product_ids"]),
        "name_contains": d["scope"]["name_contains"],
        "op": d["conditions"]["op"],
        "action": d["action"]["kind"],
        "percent": d["action"].get("percent", ""),
        "lookback_days": d["lookback_days"],
        "min_impressions": d["minimum"]["impressions"],
        "min_spend": d["minimum"]["spend"],
        "min_days": d["minimum"]["days"],
        "max_actions": d["guardrails"]["max_actions"],
        "cooldown_minutes": d["guardrails"]["cooldown_minutes"],
        "exclude_labels": ", ".join(d["guardrails"]["exclude_labels"]),
        "dry_run": d["guardrails"]["dry_run"],
        "revive_of": d.get("revive_of") or "",
        "definition_json": ""
        if flat and len(d["conditions"]["items"]) <= ROWS
        else json.dumps(d, ensure_ascii=False, indent=2),
        "emails": ", ".join(rule.notify_emails or []),
        "webhooks": "\n".join(rule.notify_webhooks or []),
        "schedule_kind": rule.schedule.get("kind", "every"),
        "every_minutes": rule.schedule.get("every_minutes", 60),
        "at": "{:02d}:{:02d}".format(*divmod(int(rule.schedule.get("at_minute", 0)), 60)),
        "timezone": rule.schedule.get("timezone", "UTC"),
        "shop_id": rule.schedule.get("shop_id") or "",
        "activity_id": rule.schedule.get("activity_id") or "",
    }
    for i, item in enumerate(d["conditions"]["items"][:ROWS] if flat else []):
        values[f"metric_{i}"] = item["metric"]
        values[f"cmp_{i}"] = item["cmp"]
        values[f"value_{i}"] = item["value"]
    return values


def choices() -> dict[str, Any]:
    return {
        "channels": [c.value for c in Channel],
        "metrics": [m.value for m in Metric],
        "cmps": [c.value for c in Cmp],
        "actions": [a.value for a in ActionKind],
        "schedule_kinds": [k.value for k in ScheduleKind],
        "rows": range(ROWS),
    }


FIELDS = [
    "name",
    "channel",
    "owner_ids",
    "object_ids",
    "product_ids",
    "name_contains",
    "op",
    "action",
    "percent",
    "lookback_days",
    "min_impressions",
    "min_spend",
    "min_days",
    "max_actions",
    "cooldown_minutes",
    "exclude_labels",
    "dry_run",
    "revive_of",
    "definition_json",
    "emails",
    "webhooks",
    "schedule_kind",
    "every_minutes",
    "at",
    "timezone",
    "shop_id",
    "activity_id",
    *(f"{k}_{i}" for i in range(ROWS) for k in ("metric", "cmp", "value")),
]


def _values(given: dict[str, Any]) -> dict[str, Any]:
    """Every field of the form, blank unless given."""
    return {**dict.fromkeys(FIELDS, ""), **given}


NEW = {
    "channel": "tiktok_campaign",
    "op": "and",
    "action": "pause",
    "lookback_days": 7,
    "min_impressions": 1000,
    "min_spend": "0",
    "min_days": 0,
    "max_actions": 10,
    "cooldown_minutes": 60,
    "dry_run": True,
    "schedule_kind": "every",
    "every_minutes": 15,
    "at": "09:00",
    "timezone": "UTC",
    "metric_0": "spend_no_results",
    "cmp_0": ">",
}


@router.get("/rules/new")
def new_form(visit: OperatorVisit) -> Response:
    return visit.page("rules/form.html", rule=None, values=_values(NEW), **choices())


@router.post("/rules/new")
def create(visit: OperatorVisit, uow: Uow) -> Response:
    f = visit.form
    rule = rules_service.create_rule(
        uow,
        visit.principal.workspace_id,
        name=forms.clean(f.get("name", ""), 200),
        definition_raw=definition_of(f),
        schedule=schedule_of(f),
        notify_emails=_list(f.get("emails", "")),
        notify_webhooks=_list(f.get("webhooks", "")),
        actor=visit.principal.actor,
    )
    visit.flash("success", visit._("The rule is saved, disabled: simulate it, then enable it."))
    return visit.redirect(f"/rules/{rule.id}")


@router.get("/rules/{rule_id}/edit")
def edit_form(visit: OperatorVisit, uow: Uow, rule_id: int) -> Response:
    rule = rules_service.get_rule(uow, visit.principal.workspace_id, rule_id)
    return visit.page("rules/form.html", rule=rule, values=_values(fields_of(rule)), **choices())


@router.post("/rules/{rule_id}/edit")
def update(visit: OperatorVisit, uow: Uow, rule_id: int) -> Response:
    f = visit.form
    rules_service.update_rule(
        uow,
        visit.principal.workspace_id,
        rule_id,
        actor=visit.principal.actor,
        name=forms.clean(f.get("name", ""), 200),
        definition_raw=definition_of(f),
        schedule=schedule_of(f),
        notify_emails=_list(f.get("emails", "")),
        notify_webhooks=_list(f.get("webhooks", "")),
    )
    visit.flash("success", visit._("The rule is saved."))
    return visit.redirect(f"/rules/{rule_id}")
