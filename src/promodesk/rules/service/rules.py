"""Rules: create, change, enable, disable, delete, read; their schedules' due times.

A rule's definition and schedule are validated by ``rules.domain`` before anything is stored.
Enabling a rule sets its first due time; disabling clears it (no evaluation is due); only
a disabled rule can be deleted. Every
change is audited. A webhook secret is stored encrypted and never shown.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from promodesk.audit.service import record
from promodesk.kit import clock
from promodesk.kit.db import UnitOfWork
from promodesk.kit.errors import Conflict, NotFound, ValidationFailed
from promodesk.kit.vault import vault
from promodesk.models import Rule
from promodesk.notify.domain import addresses, webhook_url
from promodesk.rules.domain import definition
from promodesk.rules.domain.schedule import LowTraffic, Schedule, ScheduleKind, check, next_due
from promodesk.rules.repository.rules import RulesRepository
from promodesk.shop.service.catalog import get_activity
from promodesk.shop.service.shops import get_shop

MAX_TARGETS = 20


def parse_schedule(raw: dict[str, Any] | None) -> Schedule:
    raw = raw or {"kind": "every", "every_minutes": 60}
    try:
        kind = ScheduleKind(raw.get("kind", "every"))
    except ValueError:
        raise ValidationFailed(
            "a schedule is every, daily or low_traffic", field="schedule"
        ) from None

    def whole(name: str, default: int) -> int:
        value = raw.get(name, default)
        if value is None:
            return default
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ValidationFailed(f"{name} is a whole number", field=name)
        return int(value)

    shop = raw.get("shop_id")
    activity = raw.get("activity_id")
    return check(
        Schedule(
            kind,
            every_minutes=whole("every_minutes", 60),
            at_minute=whole("at_minute", 0),
            timezone=str(raw.get("timezone") or "UTC"),
            shop_id=None if shop in (None, "") else whole("shop_id", 0),
            activity_id=None if activity in (None, "") else whole("activity_id", 0),
        )
    )


def dump_schedule(s: Schedule) -> dict[str, Any]:
    return {
        "kind": s.kind.value,
        "every_minutes": s.every_minutes,
        "at_minute": s.at_minute,
        "timezone": s.timezone,
        "shop_id": s.shop_id,
        "activity_id": s.activity_id,
    }


def low_traffic(uow: UnitOfWork, workspace_id: int, s: Schedule) -> LowTraffic | None:
    """The shop's low-traffic window (its activity's, else the default 01:00–05:00)."""
    if s.kind is not ScheduleKind.LOW_TRAFFIC or s.shop_id is None:
        return None
    shop = get_shop(uow, workspace_id, s.shop_id)
    if s.activity_id is not None:
        a = get_activity(uow, workspace_id, s.activity_id)
        return LowTraffic(shop.timezone, a.low_traffic_start_minute, a.low_traffic_end_minute)
    return LowTraffic(shop.timezone, 60, 300)


def due_after(uow: UnitOfWork, rule: Rule, after: datetime) -> datetime:
    s = parse_schedule(rule.schedule)
    return next_due(s, after, low_traffic(uow, rule.workspace_id, s))


def _targets(emails: list[str] | None, webhooks: list[str] | None) -> tuple[list[str], list[str]]:
    mails = addresses(list(emails or []), "notify_emails")
    hooks = [webhook_url(u) for u in (webhooks or []) if u.strip()]
    if len(mails) > MAX_TARGETS or len(hooks) > MAX_TARGETS:
        raise ValidationFailed(f"at most {MAX_TARGETS} of each target", field="notify_emails")
    return mails, hooks


def _name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise ValidationFailed("a rule's name has 1 to 200 characters", field="name")
    return name


def create_rule(
    uow: UnitOfWork,
    workspace_id: int,
    *,
    name: str,
    definition_raw: dict[str, Any],
    schedule: dict[str, Any] | None = None,
    notify_emails: list[str] | None = None,
    notify_webhooks: list[str] | None = None,
    webhook_secret: str | None = None,
    enabled: bool = False,
    actor: str = "system",
) -> Rule:
    parsed = definition.parse(definition_raw)
    sched = parse_schedule(schedule)
    low_traffic(uow, workspace_id, sched)  # the shop and activity exist in this workspace
    mails, hooks = _targets(notify_emails, notify_webhooks)
    rule = RulesRepository(uow).add(
        Rule(
            workspace_id=workspace_id,
            name=_name(name),
            enabled=False,
            definition=definition.dump(parsed),
            schedule=dump_schedule(sched),
            notify_emails=mails,
            notify_webhooks=hooks,
            webhook_secret_enc=vault().encrypt(webhook_secret or secrets.token_urlsafe(24))
            if hooks
            else None,
            created_by=actor,
        )
    )
    if enabled:
        _enable(uow, rule)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="rule.created",
        object_type="rule",
        object_id=rule.id,
        after=view(rule),
    )
    return rule


def update_rule(
    uow: UnitOfWork, workspace_id: int, rule_id: int, *, actor: str = "system", **changes: Any
) -> Rule:
    """Change any of name, definition_raw, schedule, notify_emails, notify_webhooks,
    webhook_secret; an enabled rule's next due time follows a new schedule."""
    rule = get_rule(uow, workspace_id, rule_id, lock=True)
    before = view(rule)
    if changes.get("name") is not None:
        rule.name = _name(changes["name"])
    if changes.get("definition_raw") is not None:
        rule.definition = definition.dump(definition.parse(changes["definition_raw"]))
    if changes.get("schedule") is not None:
        sched = parse_schedule(changes["schedule"])
        low_traffic(uow, workspace_id, sched)
        rule.schedule = dump_schedule(sched)
        if rule.enabled:
            rule.next_due_at = due_after(uow, rule, clock.now())
    if changes.get("notify_emails") is not None or changes.get("notify_webhooks") is not None:
        mails, hooks = _targets(
            changes.get("notify_emails", rule.notify_emails),
            changes.get("notify_webhooks", rule.notify_webhooks),
        )
        rule.notify_emails, rule.notify_webhooks = mails, hooks
        if hooks and rule.webhook_secret_enc is None:
            rule.webhook_secret_enc = vault().encrypt(secrets.token_urlsafe(24))
    if changes.get("webhook_secret"):
        rule.webhook_secret_enc = vault().encrypt(str(changes["webhook_secret"]))
    uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="rule.updated",
        object_type="rule",
        object_id=rule.id,
        before=before,
        after=view(rule),
    )
    return rule


def _enable(uow: UnitOfWork, rule: Rule) -> None:
    rule.enabled = True
    # An "every N minutes" rule is first evaluated on the next minute of its grid.
    rule.next_due_at = due_after(uow, rule, clock.now())
    uow.flush()


def set_enabled(
    uow: UnitOfWork, workspace_id: int, rule_id: int, enabled: bool, *, actor: str = "system"
) -> Rule:
    rule = get_rule(uow, workspace_id, rule_id, lock=True)
    if rule.enabled == enabled:
        return rule
    if enabled:
        _enable(uow, rule)
    else:
        rule.enabled = False
        rule.next_due_at = None
        uow.flush()
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="rule.enabled" if enabled else "rule.disabled",
        object_type="rule",
        object_id=rule.id,
    )
    return rule


def delete_rule(uow: UnitOfWork, workspace_id: int, rule_id: int, *, actor: str = "system") -> None:
    rule = get_rule(uow, workspace_id, rule_id, lock=True)
    if rule.enabled:
        raise Conflict("disable the rule before deleting it", reason="rule_enabled")
    before = view(rule)
    RulesRepository(uow).delete(rule)
    record(
        uow,
        workspace_id=workspace_id,
        actor=actor,
        action="rule.deleted",
        object_type="rule",
        object_id=rule_id,
        before=before,
    )


def get_rule(uow: UnitOfWork, workspace_id: int, rule_id: int, *, lock: bool = False) -> Rule:
    rule = RulesRepository(uow).get(workspace_id, rule_id, lock=lock)
    if rule is None:
        raise NotFound(f"rule {rule_id} not found")
    return rule


def list_rules(
    uow: UnitOfWork, workspace_id: int, *, after_id: int = 0, limit: int = 100
) -> list[Rule]:
    return RulesRepository(uow).page(workspace_id, after_id, limit)


def set_labels(uow: UnitOfWork, workspace_id: int, object_key: str, labels: list[str]) -> None:
    """Put labels on a promotion (``channel:row id``) that rules may exclude."""
    clean = sorted({x.strip().lower() for x in labels if x.strip()})
    if any(len(x) > 64 for x in clean) or len(object_key) > 100 or ":" not in object_key:
        raise ValidationFailed("labels have at most 64 characters", field="labels")
    RulesRepository(uow).set_labels(workspace_id, object_key, clean)


def view(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "enabled": rule.enabled,
        "definition": rule.definition,
        "schedule": rule.schedule,
        "notify_emails": list(rule.notify_emails or []),
        "notify_webhooks": list(rule.notify_webhooks or []),
        "next_due_at": rule.next_due_at.isoformat() if rule.next_due_at else None,
        "created_by": rule.created_by,
        "created_at": rule.created_at.isoformat() if rule.created_at else None,
    }
